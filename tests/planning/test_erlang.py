import math

import numpy as np
import pytest

from onevisit.planning.erlang import (
    PlanningError,
    Unreachable,
    erlang_a,
    erlang_b,
    erlang_c,
    fewest_servers,
)


def per_hour_for(load: float, mean_service: float) -> float:
    return load / mean_service * 60


def erlang_c_by_factorials(c: int, a: float) -> float:
    """The textbook formula, written independently of the recursion in erlang.py."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def birth_death(c: int, per_hour: float, mean_service: float, patience: float, tail: int = 400):
    """M/M/c+M solved by brute force: state probabilities as seen by an arrival, truncated far in the tail."""
    lam, mu, theta = per_hour / 60, 1 / mean_service, 1 / patience
    p = [1.0]
    for n in range(1, c + tail):
        p.append(p[-1] * lam / (min(n, c) * mu + max(0, n - c) * theta))
    p = np.array(p) / sum(p)
    queue = np.arange(p.size) - c
    p_wait = p[c:].sum()
    mean_queue = (queue[c:] * p[c:]).sum()
    return p, p_wait, theta * mean_queue / lam, mean_queue / lam


def called_within_by_uniformization(c, per_hour, mean_service, patience, t, tail=120):
    """Share of arrivals called within t, from the tagged visitor's own chain: with i ahead it moves up at
    rate cμ + iθ (is called at rate cμ from the head) and leaves at rate θ."""
    p, _, _, _ = birth_death(c, per_hour, mean_service, patience, tail)
    mu, theta = 1 / mean_service, 1 / patience
    n = tail + 2  # positions 0..tail-1, then "called", then "left"
    called, left = tail, tail + 1
    q = np.zeros((n, n))
    for i in range(tail):
        q[i, i - 1 if i else called] = c * mu + i * theta
        q[i, left] = theta
        q[i, i] = -(c * mu + i * theta + theta)
    rate = -q.diagonal().min()
    step = np.eye(n) + q / rate
    term, power, total = math.exp(-rate * t), np.eye(n), np.zeros((n, n))
    for k in range(2000):
        total += term * power
        power = power @ step
        term *= rate * t / (k + 1)
        if term < 1e-18 and k > rate * t:
            break
    ahead = p[c : c + tail] / p.sum()  # an arrival finding c + j present has j ahead
    return p[:c].sum() + (ahead * total[:tail, called]).sum()


def test_erlang_c_matches_the_published_value_for_two_windows_at_one_and_a_half_erlangs():
    perf = erlang_c(per_hour_for(1.5, 10), 10, 2)
    assert perf.p_wait == pytest.approx(0.6429, abs=5e-5)
    assert perf.mean_wait == pytest.approx(0.642857 * 10 / 0.5, rel=1e-5)
    assert erlang_c(per_hour_for(2, 5), 5, 3).p_wait == pytest.approx(4 / 9)
    assert erlang_c(per_hour_for(0.7, 5), 5, 1).p_wait == pytest.approx(0.7)  # M/M/1: the utilisation


@pytest.mark.parametrize("c, a", [(1, 0.3), (4, 3.2), (10, 8.0), (25, 24.5), (60, 50.0)])
def test_erlang_c_agrees_with_the_factorial_formula(c, a):
    assert erlang_c(per_hour_for(a, 12), 12, c).p_wait == pytest.approx(
        erlang_c_by_factorials(c, a), rel=1e-9
    )


def test_service_level_is_one_minus_the_exponential_tail():
    perf = erlang_c(per_hour_for(8, 12), 12, 10)
    assert perf.service_level(0) == pytest.approx(1 - perf.p_wait)
    assert perf.service_level(15) == pytest.approx(1 - perf.p_wait * math.exp(-(10 - 8) * 15 / 12))
    assert perf.service_level(1e6) == pytest.approx(1.0)


def test_an_overloaded_hall_without_patience_waits_forever():
    perf = erlang_c(per_hour_for(5, 12), 12, 5)
    assert perf.p_wait == 1 and perf.mean_wait == math.inf and perf.service_level(60) == 0


def test_erlang_b_stays_finite_for_hundreds_of_windows():
    b = erlang_b(500, 480.0)
    log_terms = [k * math.log(480.0) - math.lgamma(k + 1) for k in range(501)]
    top = max(log_terms)
    assert b == pytest.approx(
        math.exp(log_terms[-1] - top) / sum(math.exp(x - top) for x in log_terms), rel=1e-9
    )
    perf = erlang_c(per_hour_for(480, 12), 12, 500)
    assert 0 < perf.p_wait < 1 and math.isfinite(perf.mean_wait)
    assert erlang_c(per_hour_for(1, 12), 12, 500).p_wait == pytest.approx(0, abs=1e-300)


@pytest.mark.parametrize(
    "c, per_hour, patience",
    [(3, 18, 20), (3, 30, 20), (10, 50, 5), (2, 30, 60), (5, 12, 3)],
    ids=["critical", "overloaded", "impatient", "long patience", "light"],
)
def test_erlang_a_matches_the_birth_death_chain_solved_by_brute_force(c, per_hour, patience):
    perf = erlang_a(per_hour, 10, c, patience)
    _, p_wait, abandon, mean_wait = birth_death(c, per_hour, 10, patience)
    assert perf.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert perf.abandon == pytest.approx(abandon, rel=1e-8)
    assert perf.mean_wait == pytest.approx(mean_wait, rel=1e-8)


@pytest.mark.parametrize("c, per_hour, patience, t", [(3, 18, 20, 5), (3, 30, 20, 10), (4, 20, 8, 2)])
def test_erlang_a_share_called_within_matches_the_tagged_visitors_chain(c, per_hour, patience, t):
    perf = erlang_a(per_hour, 10, c, patience)
    expected = called_within_by_uniformization(c, per_hour, 10, patience, t)
    assert perf.service_level(t) == pytest.approx(expected, rel=1e-7)
    assert perf.service_level(0) == pytest.approx(1 - perf.p_wait)
    assert perf.service_level(1e5) == pytest.approx(1 - perf.abandon, rel=1e-9)


@pytest.mark.parametrize("load, c", [(1.5, 2), (8, 10), (45, 50)])
def test_erlang_a_becomes_erlang_c_as_patience_grows(load, c):
    per_hour = per_hour_for(load, 12)
    exact = erlang_c(per_hour, 12, c)
    for patience, tol in ((1e5, 1e-2), (1e7, 1e-4), (1e9, 1e-6)):  # the gap shrinks as 1/patience
        a = erlang_a(per_hour, 12, c, patience)
        assert a.p_wait == pytest.approx(exact.p_wait, rel=tol)
        assert a.mean_wait == pytest.approx(exact.mean_wait, rel=tol)
        assert a.service_level(15) == pytest.approx(exact.service_level(15), rel=tol)
        assert a.abandon < tol
    assert erlang_a(per_hour, 12, c, math.inf) == exact


def test_erlang_a_is_finite_for_hundreds_of_windows_under_and_over_load():
    for load in (450.0, 520.0):
        perf = erlang_a(per_hour_for(load, 12), 12, 500, 30)
        assert 0 < perf.p_wait <= 1 and 0 < perf.abandon < 1 and math.isfinite(perf.mean_wait)
    # overloaded, nobody can be served faster than 500 windows allow: at least 20/520 leave
    assert erlang_a(per_hour_for(520, 12), 12, 500, 30).abandon > 20 / 520


def test_fewest_servers_is_the_first_count_that_meets_every_target():
    c = fewest_servers(240, 12, within=15, share=0.8, mean_wait=10)
    assert erlang_c(240, 12, c).service_level(15) >= 0.8 and erlang_c(240, 12, c).mean_wait < 10
    below = erlang_c(240, 12, c - 1)
    assert below.service_level(15) < 0.8 or below.mean_wait >= 10
    assert c > 48  # the offered load


def test_fewest_servers_never_falls_when_the_rate_or_the_target_rises():
    by_rate = [fewest_servers(r, 12, within=15, share=0.8) for r in range(10, 1200, 37)]
    assert by_rate == sorted(by_rate)
    by_share = [fewest_servers(240, 12, within=15, share=s) for s in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)]
    assert by_share == sorted(by_share)
    by_time = [fewest_servers(240, 12, within=w) for w in (30, 15, 10, 5, 1, 0)]
    assert by_time == sorted(by_time)
    by_patience = [fewest_servers(240, 12, patience=p, abandon=0.05) for p in (60, 30, 15, 5)]
    assert by_patience == sorted(by_patience)


def test_fewest_servers_with_impatient_visitors_keeps_abandonment_under_the_target():
    c = fewest_servers(240, 12, patience=20, abandon=0.03, within=15, share=0.8)
    perf = erlang_a(240, 12, c, 20)
    assert perf.abandon <= 0.03 and perf.service_level(15) >= 0.8
    assert erlang_a(240, 12, c - 1, 20).abandon > 0.03 or erlang_a(240, 12, c - 1, 20).service_level(15) < 0.8


def test_fewest_servers_handles_a_province_sized_load():
    c = fewest_servers(2400, 12, within=15, share=0.8)
    assert 480 < c < 500


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"per_hour": 0, "mean_service": 12, "within": 15}, "per_hour"),
        ({"per_hour": -5, "mean_service": 12, "within": 15}, "per_hour"),
        ({"per_hour": math.nan, "mean_service": 12, "within": 15}, "per_hour"),
        ({"per_hour": 100, "mean_service": 0, "within": 15}, "mean_service"),
        ({"per_hour": 100, "mean_service": 12}, "within"),
        ({"per_hour": 100, "mean_service": 12, "within": -1}, "within"),
        ({"per_hour": 100, "mean_service": 12, "within": 15, "share": 1.5}, "share"),
        ({"per_hour": 100, "mean_service": 12, "abandon": 0.1}, "abandon"),
        ({"per_hour": 100, "mean_service": 12, "within": 15, "patience": 0}, "patience"),
        ({"per_hour": 100, "mean_service": 12, "within": 15, "max_servers": 0}, "max_servers"),
    ],
)
def test_bad_inputs_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(PlanningError) as e:
        fewest_servers(**kwargs)
    assert e.value.field == field and field in str(e.value)
    assert isinstance(e.value, ValueError) and not isinstance(e.value, Unreachable)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"within": 0, "share": 1.0}, "share"),  # everyone called at once: only infinitely many windows
        ({"within": 30, "share": 1.0}, "share"),
        ({"mean_wait": 0}, "mean_wait"),
        ({"patience": 10, "abandon": 0}, "abandon"),
        ({"within": 15, "max_servers": 30}, "max_servers"),  # needs about 50
    ],
)
def test_targets_no_number_of_windows_can_meet_are_unreachable(kwargs, field):
    with pytest.raises(Unreachable) as e:
        fewest_servers(240, 12, **kwargs)
    assert e.value.field == field and field in str(e.value)


def test_erlang_functions_refuse_zero_rates_and_windows():
    with pytest.raises(PlanningError, match="per_hour"):
        erlang_c(0, 12, 3)
    with pytest.raises(PlanningError, match="mean_service"):
        erlang_a(100, -1, 3, 10)
    with pytest.raises(PlanningError, match="servers"):
        erlang_c(100, 12, 0)
    with pytest.raises(PlanningError, match="patience"):
        erlang_a(100, 12, 3, 0)


# ---- what mutation testing showed unpinned: each refusal's exact words and field, the edge performances ----

from onevisit.planning import erlang as _erlang  # noqa: E402


def _refusal(call) -> tuple[type, str, str]:
    with pytest.raises(_erlang.PlanningError) as err:
        call()
    assert str(err.value) == err.value.message
    return type(err.value), err.value.field, err.value.message


@pytest.mark.parametrize(
    ("call", "kind", "field", "message"),
    [
        (
            lambda: _erlang.erlang_b(0, 1.0),
            _erlang.PlanningError,
            "servers",
            "servers（窗口数）必须是正整数，收到 0",
        ),
        (
            lambda: _erlang.erlang_b(True, 1.0),
            _erlang.PlanningError,
            "servers",
            "servers（窗口数）必须是正整数，收到 True",
        ),
        (
            lambda: _erlang.erlang_b(2.0, 1.0),
            _erlang.PlanningError,
            "servers",
            "servers（窗口数）必须是正整数，收到 2.0",
        ),
        (
            lambda: _erlang.erlang_b(2, 0),
            _erlang.PlanningError,
            "load",
            "load（负荷）必须是大于零的数，收到 0",
        ),
        (
            lambda: _erlang.erlang_b(2, math.inf),
            _erlang.PlanningError,
            "load",
            "load（负荷）必须是大于零的数，收到 inf",
        ),
        (
            lambda: _erlang.erlang_c(0, 5, 2),
            _erlang.PlanningError,
            "per_hour",
            "per_hour（每小时到达人数）必须是大于零的数，收到 0",
        ),
        (
            lambda: _erlang.erlang_c(10, True, 2),
            _erlang.PlanningError,
            "mean_service",
            "mean_service（平均办理时长（分钟））必须是大于零的数，收到 True",
        ),
        (
            lambda: _erlang.erlang_a(10, 5, 2, -1),
            _erlang.PlanningError,
            "patience",
            "patience（平均耐心时间）必须是大于零的数，收到 -1",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5),
            _erlang.PlanningError,
            "within",
            "至少需要一个目标：within（等待时限）、mean_wait（平均等待）或 abandon（放弃率）",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, within=-1),
            _erlang.PlanningError,
            "within",
            "within（等待时限）必须是不小于零的有限数，收到 -1",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, within=5, share=0),
            _erlang.PlanningError,
            "share",
            "share（按时叫号比例）必须在 0 到 1 之间，收到 0",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, within=5, share=1),
            _erlang.Unreachable,
            "share",
            "share：没有多少窗口能保证 100% 的人在 5 分钟内被叫号（总有人到达时窗口全忙）",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, mean_wait=-2),
            _erlang.PlanningError,
            "mean_wait",
            "mean_wait（平均等待目标）必须是不小于零的有限数，收到 -2",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, mean_wait=0),
            _erlang.Unreachable,
            "mean_wait",
            "mean_wait：平均等待不可能小于 0 分钟",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, abandon=0.1),
            _erlang.PlanningError,
            "abandon",
            "abandon（放弃率目标）需要同时给出 patience（平均耐心时间）",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, abandon=0.1, patience=math.inf),
            _erlang.PlanningError,
            "abandon",
            "abandon（放弃率目标）需要同时给出 patience（平均耐心时间）",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, abandon=1.5, patience=10),
            _erlang.PlanningError,
            "abandon",
            "abandon（放弃率目标）必须在 0 到 1 之间，收到 1.5",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, abandon="x", patience=10),
            _erlang.PlanningError,
            "abandon",
            "abandon（放弃率目标）必须在 0 到 1 之间，收到 'x'",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, abandon=0, patience=10),
            _erlang.Unreachable,
            "abandon",
            "abandon：有限的耐心下，放弃率不可能为 0",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, mean_wait=1, patience=0),
            _erlang.PlanningError,
            "patience",
            "patience（平均耐心时间）必须是大于零的数，收到 0",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, mean_wait=1, max_servers=0),
            _erlang.PlanningError,
            "max_servers",
            "max_servers（窗口上限）必须是正整数，收到 0",
        ),
        (
            lambda: _erlang.fewest_servers(10, 5, mean_wait=1, max_servers=True),
            _erlang.PlanningError,
            "max_servers",
            "max_servers（窗口上限）必须是正整数，收到 True",
        ),
        (
            lambda: _erlang.fewest_servers(600, 5, mean_wait=1, max_servers=3),
            _erlang.Unreachable,
            "max_servers",
            "max_servers：3 个窗口仍达不到目标（每小时 600 人，平均办理 5 分钟）",
        ),
    ],
)
def test_each_refusal_says_which_field_and_why(call, kind, field, message):
    assert _refusal(call) == (kind, field, message)


def test_bounds_of_the_targets_are_inclusive_where_they_say_so():
    assert _erlang.fewest_servers(10, 5, abandon=1.0, patience=10) == 1
    assert _erlang.fewest_servers(10, 5, mean_wait=100, max_servers=1, patience=10) == 1
    assert _erlang.fewest_servers(10, 5, within=0, share=0.01) == 1
    assert _erlang.fewest_servers(10, 5, within=5, share=1e-9, patience=math.inf) == 1


def test_a_single_window_needs_exactly_one_when_it_suffices():
    # load 0.5: one window is stable (Erlang C) and its mean wait is 5·0.5/(1 − 0.5) = 5 minutes
    assert _erlang.fewest_servers(6, 5, mean_wait=5.01) == 1
    assert _erlang.fewest_servers(6, 5, mean_wait=5.0) == 2
    assert _erlang.fewest_servers(12, 5, mean_wait=100) == 2  # load 1 = one window: never stable


def test_erlang_b_of_one_window_is_load_over_one_plus_load():
    assert _erlang.erlang_b(1, 3.0) == pytest.approx(0.75)
    assert _erlang.erlang_b(2, 1.0) == pytest.approx(0.2)


def test_performances_carry_their_inputs_and_nobody_leaves_under_erlang_c():
    c = _erlang.erlang_c(6, 5, 1)
    assert c == _erlang.Performance(6, 5, 1, math.inf, 0.5, 0.5, 5.0, 0.0)
    over = _erlang.erlang_c(12, 5, 1)
    assert (over.p_wait, over.mean_wait, over.abandon) == (1.0, math.inf, 0.0)
    assert over.service_level(10) == 0.0


def test_so_many_windows_that_nobody_waits_is_a_clean_zero():
    perf = _erlang.erlang_a(1, 1, 1000, 10)
    assert perf == _erlang.Performance(1, 1, 1000, 10, 1 / 60, 0.0, 0.0, 0.0)
    assert perf.service_level(0) == 1.0


@pytest.mark.parametrize(
    ("per_hour", "servers", "patience"), [(60, 2, 1.0), (60, 2, 0.5), (120, 2, 1.0), (30, 1, 2.0)]
)
def test_erlang_a_is_continuous_across_the_series_and_continued_fraction_switch(per_hour, servers, patience):
    """y = x + 1 exactly is where A(x, y) changes method: nudging the arrival rate moves the result a little."""
    here = _erlang.erlang_a(per_hour, 1, servers, patience)
    near = _erlang.erlang_a(per_hour * (1 + 1e-9), 1, servers, patience)
    assert here.p_wait == pytest.approx(near.p_wait, rel=1e-6)
    assert here.abandon == pytest.approx(near.abandon, rel=1e-6)
    assert here.service_level(1.0) == pytest.approx(near.service_level(1.0), rel=1e-6)
    assert 0 < here.abandon < 1 and here.mean_wait == pytest.approx(here.abandon * patience)
