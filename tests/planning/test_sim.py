import numpy as np
import pytest

from onevisit.planning.erlang import PlanningError, erlang_a, erlang_c
from onevisit.planning.sim import (
    ABANDONED,
    SERVED,
    UNSERVED,
    Empirical,
    Exponential,
    Lognormal,
    Matter,
    Model,
    ModelError,
    Queue,
    Trace,
    WindowGroup,
    _row_quantile,
    estimate,
    ratio,
    simulate,
)

TEN_MINUTES = Exponential(10.0)


def hall(per_hour, windows, *, service=TEN_MINUTES, priority_share=0.0, patience=None, **model):
    """One queue "A" served by one window group "w"."""
    queue = Queue("A", per_hour, [Matter("m", 1.0, service)], priority_share, patience)
    return Model(queues=[queue], windows=[WindowGroup("w", ["A"], windows)], **model)


def pooled_mean(values, mask):
    return np.where(mask, values, 0.0).sum() / mask.sum()


def test_mmc_mean_wait_is_erlang_c_within_two_percent():
    per_hour, windows, mean_service = 7.2, 2, 10.0  # 1.2 erlangs on 2 windows: ρ = 0.6
    model = hall([per_hour] * 24, windows, service=Exponential(mean_service))
    rng = np.random.default_rng(2026)
    total = count = 0.0
    per_day = []
    for _ in range(3):  # 24,000 days of 24 hours, in three parts to keep memory small
        r = simulate(model, 8000, seed=rng)
        steady = (r.outcome == SERVED) & (r.arrival > 180)  # the hall opens empty: skip three hours
        total += np.where(steady, r.wait, 0.0).sum()
        count += steady.sum()
        per_day.append(np.where(steady, r.wait, 0.0).sum(axis=1) / steady.sum(axis=1))
    exact = erlang_c(per_hour, mean_service, windows).mean_wait
    assert total / count == pytest.approx(exact, rel=0.02)
    assert estimate(np.concatenate(per_day)).half_width < 0.01 * exact  # the check has the power it claims


def test_impatient_visitors_leave_as_erlang_a_predicts():
    per_hour, windows, mean_service, patience = 60.0, 10, 10.0, 15.0  # critically loaded
    r = simulate(
        hall([per_hour] * 12, windows, service=Exponential(mean_service), patience=patience), 3000, seed=5
    )
    steady = (r.outcome != -1) & (r.arrival > 240)
    exact = erlang_a(per_hour, mean_service, windows, patience)
    assert pooled_mean(r.outcome == ABANDONED, steady) == pytest.approx(exact.abandon, rel=0.03)
    assert pooled_mean(r.wait, steady) == pytest.approx(exact.mean_wait, rel=0.03)  # leavers' time included
    called_in_5 = (r.outcome == SERVED) & (r.wait <= 5)
    assert pooled_mean(called_in_5, steady) == pytest.approx(exact.service_level(5), rel=0.01)
    assert set(np.unique(r.outcome)) <= {-1, SERVED, ABANDONED}


def test_priority_visitors_wait_less_and_are_called_first():
    r = simulate(hall([75, 90, 60, 45], 10, priority_share=0.2, service=Lognormal(10, 0.6)), 40, seed=3)
    priority, normal = estimate(r.mean_wait(priority=True)), estimate(r.mean_wait(priority=False))
    assert priority.high < normal.low / 3
    start = r.start
    for rep in range(r.replications):
        served = r.outcome[rep] == SERVED
        prio = served & r.priority[rep]
        norm = served & ~r.priority[rep]
        # when a normal visitor was called, no priority visitor had arrived and was still waiting
        t = start[rep][norm][:, None]
        waiting = (r.arrival[rep][prio][None, :] < t) & (start[rep][prio][None, :] > t)
        assert not waiting.any()


def test_per_replication_figures_by_class_are_the_direct_computations():
    r = simulate(
        hall([80, 100], 10, priority_share=0.25, service=Lognormal(10, 0.6), threshold=5), 6, seed=10
    )
    for first in (True, False):
        for rep in range(r.replications):
            mine = (r.outcome[rep] == SERVED) & (r.priority[rep] == first)
            waits = r.wait[rep][mine]
            assert r.served(priority=first)[rep] == mine.sum()
            assert r.mean_wait(priority=first)[rep] == pytest.approx(waits.mean())
            assert r.wait_quantile(0.9, priority=first)[rep] == pytest.approx(np.quantile(waits, 0.9))
            assert r.share_within(priority=first)[rep] == pytest.approx((waits <= 5).mean())
            assert r.share_within(20, priority=first)[rep] == pytest.approx((waits <= 20).mean())
    assert np.array_equal(r.served(queue="A"), r.served())
    with pytest.raises(ModelError, match="queue"):
        r.served(queue="Z")


def test_each_class_is_first_come_first_served_and_a_window_serves_one_visitor_at_a_time():
    model = hall([80, 100, 70, 60], 12, priority_share=0.15, service=Lognormal(10, 0.8))
    r = simulate(model, 30, seed=8)
    start, end = r.start, r.start + r.service
    for rep in range(r.replications):
        for first in (True, False):
            mine = (r.outcome[rep] == SERVED) & (r.priority[rep] == first)
            by_arrival = np.argsort(r.arrival[rep][mine], kind="stable")
            assert np.all(np.diff(start[rep][mine][by_arrival]) >= 0)
        for w in range(len(r.window_labels)):
            at_w = r.window[rep] == w
            order = np.argsort(start[rep][at_w])
            assert np.all(start[rep][at_w][order][1:] >= end[rep][at_w][order][:-1] - 1e-9)
    assert (r.outcome == SERVED).sum() == (r.outcome != -1).sum()  # nobody leaves, nobody is left


def test_patience_makes_some_leave_and_fewer_be_served():
    busy = [70, 90, 80, 60]
    patient = simulate(hall(busy, 10, service=Lognormal(10, 0.6)), 60, seed=1)
    impatient = simulate(hall(busy, 10, service=Lognormal(10, 0.6), patience=8.0), 60, seed=1)
    assert estimate(impatient.served()).high < estimate(patient.served()).low
    assert patient.abandoned().sum() == 0 and impatient.abandoned().min() > 0
    arrivals = (impatient.outcome != -1).sum(axis=1)
    assert np.array_equal(impatient.served() + impatient.abandoned(), arrivals)
    # a visitor who left waited less than the served visitors' longest waits would allow: they gave up
    assert estimate(impatient.mean_wait()).high < estimate(patient.mean_wait()).low


def joint_hall(b_priority: float) -> Model:
    """Queue A (busy) at nine windows of its own and two joint ones; queue B (light) only at the joint ones."""
    return Model(
        queues=[
            Queue("A", [66, 66], [Matter("a", 1, Exponential(10))]),
            Queue("B", [4, 4], [Matter("b", 1, Exponential(10))], priority_share=b_priority),
        ],
        windows=[WindowGroup("a-only", ["A"], 9), WindowGroup("joint", ["A", "B"], 2)],
    )


def test_a_joint_window_serves_two_queues_and_calls_a_priority_visitor_of_either_first():
    r = simulate(joint_hall(b_priority=1.0), 50, seed=4)
    labels = list(r.window_labels)
    a, b = r.queue == 0, r.queue == 1
    served = r.outcome == SERVED
    assert served.sum() == (r.outcome != -1).sum()
    assert {labels[w] for w in np.unique(r.window[b & served])} == {"joint-1", "joint-2"}  # B only there
    joint = np.isin(r.window, [labels.index("joint-1"), labels.index("joint-2")])
    assert (joint & a & served).sum() > 0  # and the joint windows call A too
    start = r.start
    for rep in range(r.replications):
        called_a = start[rep][joint[rep] & a[rep] & served[rep]][:, None]
        b_waiting = (r.arrival[rep][b[rep]][None, :] < called_a) & (start[rep][b[rep]][None, :] > called_a)
        assert not b_waiting.any()  # a joint window called A only when no B visitor was waiting
    as_normal = simulate(joint_hall(b_priority=0.0), 50, seed=4)
    assert estimate(r.mean_wait(queue="B")).high < estimate(as_normal.mean_wait(queue="B")).low


def test_staffing_opens_and_closes_windows_by_the_half_hour():
    model = hall([30, 30], [2, 2, 12, 12], service=Lognormal(12, 0.5))  # 6 erlangs; 10 more windows at 10:00
    r = simulate(model, 30, seed=6)
    late = np.isin(r.window, range(2, 12))  # w-3 … w-12
    assert np.nanmin(r.start[late]) >= 60
    before, after = estimate(r.slot_mean_wait()[:, 1]), estimate(r.slot_mean_wait()[:, 3])
    assert after.high < before.low / 3

    closing = hall([30, 30], [12, 12, 2, 2], service=Lognormal(12, 0.5))  # 10 windows close at 10:00
    r = simulate(closing, 30, seed=6)
    late = np.isin(r.window, range(2, 12))
    assert np.nanmax(r.start[late]) < 60  # they call nobody after closing
    assert np.nanmax((r.start + r.service)[late]) > 60  # but finish the visitor they have
    after_hours = r.start > 120  # the last slot's windows stay open until the queue is empty
    assert after_hours.any() and set(np.unique(r.window[after_hours])) <= {0, 1}
    assert (r.outcome == SERVED).sum() == (r.outcome != -1).sum()


def test_half_hour_rates_shape_the_arrivals():
    model = hall([20, 120, 20, 120], 20, interval=30, service=Exponential(5))
    r = simulate(model, 400, seed=2)
    per_slot = np.stack([((r.arrival >= 30 * k) & (r.arrival < 30 * (k + 1))).sum(axis=1) for k in range(4)])
    assert per_slot.mean(axis=1) == pytest.approx([10, 60, 10, 60], rel=0.05)


def test_a_queue_whose_windows_all_close_leaves_its_visitors_unserved_without_hanging():
    model = hall([120, 0], [1, 1, 0, 0], service=Exponential(10))  # 120 an hour for one window
    r = simulate(model, 20, seed=9)
    assert r.unserved().min() > 0
    left = r.outcome == UNSERVED
    assert np.isnan(r.wait[left]).all() and np.isfinite(r.arrival[left]).all()
    assert np.array_equal(r.served() + r.unserved(), (r.outcome != -1).sum(axis=1))


def test_second_visits_come_back_later_the_same_day_to_the_same_queue():
    model = Model(
        queues=[
            Queue(
                "A",
                [40] * 6,
                [
                    Matter("complete", 0.5, Exponential(8)),
                    Matter("incomplete", 0.5, Exponential(8), second_visit=0.4, return_after=20),
                ],
                priority_share=0.2,
            )
        ],
        windows=[WindowGroup("w", ["A"], 8)],
    )
    r = simulate(model, 100, seed=12)
    second = r.second & (r.outcome == SERVED)
    assert r.returned().sum() == second.sum() > 0
    assert set(np.unique(r.matter[r.second])) == {1}  # only the matter with incomplete materials
    assert np.nanmax(r.arrival[r.second]) < 360  # they come back the same day
    first_incomplete = ~r.second & (r.matter == 1) & (r.outcome == SERVED)
    share = r.returned().sum() / first_incomplete.sum()
    assert 0.3 < share < 0.4  # 40%, less those whose return would fall after closing
    assert r.returned(priority=True).sum() > 0  # a priority visitor comes back as one
    assert (r.outcome == SERVED).sum() == (r.outcome != -1).sum()


def test_second_visits_and_patience_and_staffing_together_serve_or_count_everyone():
    model = Model(
        queues=[
            Queue(
                "A",
                [50, 80, 40],
                [Matter("x", 1, Lognormal(9, 0.5), second_visit=0.3, return_after=15)],
                0.1,
                20,
            ),
            Queue("B", [20, 30, 20], [Matter("y", 1, Empirical([4, 6, 9, 15]))], patience=30),
        ],
        windows=[
            WindowGroup("a", ["A"], [4, 4, 6, 6, 4, 3]),
            WindowGroup("ab", ["A", "B"], [2, 2, 2, 3, 2, 2]),
        ],
    )
    r = simulate(model, 40, seed=13)
    assert set(np.unique(r.outcome)) <= {-1, SERVED, ABANDONED, UNSERVED}
    assert r.returned().sum() > 0 and r.abandoned().sum() > 0
    assert set(np.unique(r.service[r.queue == 1][r.outcome[r.queue == 1] == SERVED])) <= {4.0, 6.0, 9.0, 15.0}
    served = r.outcome == SERVED
    assert (r.wait[served] >= -1e-9).all() and (r.wait[r.outcome == ABANDONED] > 0).all()
    b_windows = np.isin(r.window, [i for i, label in enumerate(r.window_labels) if label.startswith("ab-")])
    assert np.all(b_windows[served & (r.queue == 1)])


def test_the_same_seed_gives_the_same_day():
    model = hall([60, 80], 8, priority_share=0.1, patience=20.0, service=Lognormal(10, 0.6))
    a, b, c = simulate(model, 5, seed=42), simulate(model, 5, seed=42), simulate(model, 5, seed=43)
    assert np.array_equal(a.wait, b.wait, equal_nan=True)
    assert not np.array_equal(a.wait, c.wait, equal_nan=True)


def test_matters_are_drawn_by_their_shares_with_their_own_service_times():
    model = Model(
        queues=[
            Queue(
                "A", [100] * 4, [Matter("short", 3, Lognormal(4, 0.3)), Matter("long", 1, Lognormal(20, 0.3))]
            )
        ],
        windows=[WindowGroup("w", ["A"], 20)],
    )
    r = simulate(model, 50, seed=7)
    served = r.outcome == SERVED
    assert (r.matter[served] == 0).mean() == pytest.approx(0.75, abs=0.02)
    assert r.service[served & (r.matter == 0)].mean() == pytest.approx(4, rel=0.02)
    assert r.service[served & (r.matter == 1)].mean() == pytest.approx(20, rel=0.02)


def test_estimate_gives_a_student_t_interval_and_skips_empty_replications():
    e = estimate([1.0, 2.0, 3.0, 4.0, np.nan])
    assert e.n == 4 and e.mean == 2.5
    assert e.half_width == pytest.approx(3.182 * np.std([1, 2, 3, 4], ddof=1) / 2, rel=1e-3)
    assert estimate([]).n == 0 and np.isnan(estimate([]).mean)
    big = estimate(np.arange(200.0))
    assert big.half_width == pytest.approx(1.972 * np.std(np.arange(200.0), ddof=1) / np.sqrt(200), rel=1e-3)


def test_the_row_quantile_is_numpys_linear_quantile_over_the_masked_values():
    rng = np.random.default_rng(0)
    values = rng.exponential(5, (50, 40))
    mask = rng.random((50, 40)) < 0.5
    mask[0] = False
    mask[1] = False
    mask[1, 3] = True
    got = _row_quantile(values, mask, 0.9)
    assert np.isnan(got[0]) and got[1] == values[1, 3]
    for i in range(2, 50):
        assert got[i] == pytest.approx(np.quantile(values[i][mask[i]], 0.9))


def model_with(**changes):
    queue = {"code": "A", "per_hour": [60, 60], "matters": [Matter("m", 1, Exponential(10))]}
    queue.update(changes.pop("queue", {}))
    windows = changes.pop("windows", [WindowGroup("w", ["A"], 5)])
    return Model(queues=[Queue(**queue)], windows=windows, **changes)


@pytest.mark.parametrize(
    "model, field, words",
    [
        (model_with(queue={"per_hour": [0, 0]}), "queues.A.per_hour", "全为零"),
        (model_with(queue={"per_hour": [60, -1]}), "queues.A.per_hour", "第 2 个时段"),
        (model_with(queue={"per_hour": []}), "queues.A.per_hour", "没有到达率"),
        (model_with(queue={"matters": []}), "queues.A.matters", "没有事项"),
        (model_with(queue={"priority_share": 1.5}), "queues.A.priority_share", "优先比例"),
        (model_with(queue={"patience": 0}), "queues.A.patience", "耐心"),
        (
            model_with(queue={"matters": [Matter("m", 1, Lognormal(0, 0.5))]}),
            "queues.A.matters.m.service.mean",
            "办理时长",
        ),
        (
            model_with(queue={"matters": [Matter("m", 1, Empirical([]))]}),
            "queues.A.matters.m.service.durations",
            "观测",
        ),
        (
            model_with(queue={"matters": [Matter("m", 1, Exponential(5), second_visit=1.0)]}),
            "queues.A.matters.m.second_visit",
            "二次到访",
        ),
        (model_with(windows=[]), "windows", "至少需要一组窗口"),
        (model_with(windows=[WindowGroup("w", ["A", "Z"], 5)]), "windows.w.queues", "未知队列 Z"),
        (model_with(windows=[WindowGroup("w", ["A"], [5, 5])]), "windows.w.open", "一天有 4 个"),
        (model_with(windows=[WindowGroup("w", ["A"], [5, 5, -1, 5])]), "windows.w.open", "第 3 个半小时"),
        (model_with(windows=[WindowGroup("w", ["A"], [5, 5, 0, 5])]), "windows", "队列 A 在 10:00–10:30"),
        (model_with(interval=45), "interval", "30 或 60"),
        (model_with(queue={"no_show": -1}), "queues.A.no_show", "过号占用窗口"),
        (model_with(load=(1.0, -0.5)), "load", "到达倍数"),
        (Model(queues=[], windows=[WindowGroup("w", ["A"], 5)]), "queues", "至少需要一个队列"),
    ],
)
def test_bad_models_are_refused_naming_the_field(model, field, words):
    with pytest.raises(ModelError) as e:
        simulate(model, 10, seed=1)
    assert e.value.field == field and words in str(e.value)
    assert isinstance(e.value, PlanningError) and isinstance(e.value, ValueError)


def test_a_queue_with_arrivals_and_no_window_names_the_queue_and_the_slot():
    model = Model(
        queues=[
            Queue("A", [60, 60], [Matter("m", 1, Exponential(10))]),
            Queue("B", [0, 30], [Matter("n", 1, Exponential(10))]),
        ],
        windows=[WindowGroup("a", ["A"], 5), WindowGroup("b", ["B"], [0, 0, 0, 2])],
    )
    with pytest.raises(ModelError, match="队列 B 在 10:00–10:30（第 3 个半小时）有到达"):
        simulate(model, 10, seed=1)


def test_replications_must_be_a_positive_count():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ModelError, match="replications"):
            simulate(hall([10], 1), bad, seed=1)


def test_calling_someone_who_has_left_takes_the_window_its_no_show_minutes():
    """过号 is not free: the window calls, recalls and waits before it calls the next visitor."""

    def quick(no_show: float) -> Model:
        queue = Queue("A", [50, 50], [Matter("m", 1, Exponential(6.0))], patience=8.0, no_show=no_show)
        return Model(queues=[queue], windows=[WindowGroup("w", ["A"], 4)])

    free, costly = simulate(quick(0.0), 200, seed=2), simulate(quick(3.0), 200, seed=2)
    assert costly.abandoned().sum() > 0
    assert costly.mean_wait().mean() > free.mean_wait().mean() * 1.05
    assert costly.abandoned().mean() > free.abandoned().mean()


def test_a_day_load_scales_each_replications_arrivals_in_turn():
    base = hall([30, 30, 30, 30], 6)
    days = simulate(Model(queues=base.queues, windows=base.windows, load=(0.5, 1.0, 2.0)), 600, seed=4)
    per_day = (days.outcome != -1).sum(axis=1)
    means = [per_day[k::3].mean() for k in range(3)]
    assert means == pytest.approx([60, 120, 240], rel=0.06)
    assert days.strata is not None and list(days.strata[:4]) == [0, 1, 2, 0]


def test_a_trace_replays_the_days_as_they_happened():
    model = Model(
        queues=[
            Queue(
                "A",
                [60, 60],
                [Matter("m", 1, Exponential(10)), Matter("n", 1, Exponential(2))],
                priority_share=0.1,
            )
        ],
        windows=[WindowGroup("w", ["A"], 2)],
        interval=60,
    )
    trace = Trace(
        day=np.array([0, 0, 0, 1]),
        queue=np.array([0, 0, 0, 0]),
        priority=np.array([False, True, False, False]),
        matter=np.array([0, 1, 1, 0]),
        at=np.array([5.0, 7.0, 100.0, 30.0]),
        days=2,
    )
    result = simulate(model, 4, seed=1, trace=trace)
    for r in range(4):  # replication r replays day r % 2
        mine = result.outcome[r] != -1
        expected = [5.0, 7.0, 100.0] if r % 2 == 0 else [30.0]
        assert sorted(result.arrival[r][mine]) == expected
        assert (result.outcome[r][mine] == SERVED).all()
    first = result.arrival[0] == 7.0
    assert result.priority[0][first].all() and result.matter[0][first].tolist() == [1]
    with pytest.raises(ModelError, match="trace.matter"):
        simulate(
            model,
            2,
            seed=1,
            trace=Trace(
                day=np.array([0]),
                queue=np.array([0]),
                priority=np.array([False]),
                matter=np.array([5]),
                at=np.array([1.0]),
                days=1,
            ),
        )


def test_the_same_seed_draws_the_same_visitors_whatever_the_windows():
    """Common random numbers: a window count changes who waits how long, never who comes or how long they take."""
    few, many = simulate(hall([60, 60], 5), 20, seed=9), simulate(hall([60, 60], 8), 20, seed=9)

    def visitors(r):
        keep = r.outcome != -1
        return sorted(zip(r.arrival[keep].round(9), r.service[keep].round(9), strict=True))

    assert visitors(few) == visitors(many)
    assert many.mean_wait().mean() < few.mean_wait().mean()


def test_ratio_is_the_pooled_share_with_a_delta_method_interval():
    y, x = np.array([8.0, 9.0, 7.0, 10.0]), np.array([10.0, 10.0, 10.0, 10.0])
    e = ratio(y, x)
    assert e.mean == pytest.approx(34 / 40)
    half = 3.182 * np.std(y / 10, ddof=1) / 2  # equal x: the t interval of the daily shares
    assert (e.high - e.low) / 2 == pytest.approx(half, rel=1e-3)
    strata = np.array([0, 1, 0, 1])  # the day volumes explain part of the spread: a narrower interval
    assert ratio(np.array([8.0, 10.0, 8.0, 10.0]), x, strata).half_width == 0.0
    assert np.isnan(ratio(np.array([1.0]), np.array([2.0])).low)


# ---- the model's validation (issue 15): every refusal's exact words and field, and no crash on a malformed model ----


def _matter(**changes):
    return Matter(**{"code": "m", "share": 1, "service": Exponential(10), **changes})


def _refused(model, replications=2, trace=None):
    with pytest.raises(ModelError) as e:
        simulate(model, replications, seed=1, trace=trace)
    assert str(e.value) == e.value.message
    return e.value.field, e.value.message


M = "queues.A.matters.m"


@pytest.mark.parametrize(
    "model, field, message",
    [
        (model_with(threshold=-1), "threshold", "threshold（叫号时限）必须是不小于零的数，收到 -1"),
        (
            model_with(threshold=float("nan")),
            "threshold",
            "threshold（叫号时限）必须是不小于零的数，收到 nan",
        ),
        (model_with(opens="09:00"), "opens", "opens（开门时间）必须是 datetime.time，收到 '09:00'"),
        (model_with(interval=45), "interval", "interval（到达率时段）必须是 30 或 60 分钟，收到 45"),
        (model_with(load=(1.0, -0.5)), "load", "load：每天的到达倍数必须是不小于零的数，收到 -0.5"),
        (model_with(load=(1.0, "2")), "load", "load：每天的到达倍数必须是不小于零的数，收到 '2'"),
        (
            model_with(queue={"per_hour": [0, 0]}),
            "queues.A.per_hour",
            "queues.A.per_hour：队列 A 的到达率全为零",
        ),
        (model_with(queue={"per_hour": []}), "queues.A.per_hour", "queues.A.per_hour：队列 A 没有到达率"),
        (
            model_with(queue={"per_hour": [60, "60"]}),
            "queues.A.per_hour",
            "queues.A.per_hour：队列 A 第 2 个时段的到达率必须是不小于零的数，收到 '60'",
        ),
        (
            model_with(queue={"per_hour": [float("inf"), 60]}),
            "queues.A.per_hour",
            "queues.A.per_hour：队列 A 第 1 个时段的到达率必须是不小于零的数，收到 inf",
        ),
        (
            model_with(queue={"priority_share": True}),
            "queues.A.priority_share",
            "queues.A.priority_share：优先比例必须在 0 到 1 之间，收到 True",
        ),
        (
            model_with(queue={"priority_share": -0.1}),
            "queues.A.priority_share",
            "queues.A.priority_share：优先比例必须在 0 到 1 之间，收到 -0.1",
        ),
        (
            model_with(queue={"patience": float("nan")}),
            "queues.A.patience",
            "queues.A.patience：平均耐心时间必须大于零（不放弃请用 None），收到 nan",
        ),
        (
            model_with(queue={"no_show": -1}),
            "queues.A.no_show",
            "queues.A.no_show：过号占用窗口的时间必须是不小于零的数，收到 -1",
        ),
        (model_with(queue={"matters": []}), "queues.A.matters", "queues.A.matters：队列 A 没有事项"),
        (
            model_with(queue={"matters": [_matter(share=0)]}),
            "queues.A.matters",
            "queues.A.matters：队列 A 的事项占比全为零",
        ),
        (
            model_with(queue={"matters": [_matter(share=-1)]}),
            f"{M}.share",
            f"{M}.share：事项 m 的占比必须是不小于零的数，收到 -1",
        ),
        (
            model_with(queue={"matters": [_matter(share=True)]}),
            f"{M}.share",
            f"{M}.share：事项 m 的占比必须是不小于零的数，收到 True",
        ),
        (
            model_with(queue={"matters": [_matter(second_visit=-0.1)]}),
            f"{M}.second_visit",
            f"{M}.second_visit：事项 m 的二次到访概率必须在 [0, 1) 之间，收到 -0.1",
        ),
        (
            model_with(queue={"matters": [_matter(second_visit=1)]}),
            f"{M}.second_visit",
            f"{M}.second_visit：事项 m 的二次到访概率必须在 [0, 1) 之间，收到 1",
        ),
        (
            model_with(queue={"matters": [_matter(return_after=0)]}),
            f"{M}.return_after",
            f"{M}.return_after：事项 m 的返回间隔必须大于零，收到 0",
        ),
        (
            model_with(queue={"matters": [_matter(service=Exponential(0))]}),
            f"{M}.service.mean",
            f"{M}.service.mean：事项 m 的平均办理时长必须大于零，收到 0",
        ),
        (
            model_with(queue={"matters": [_matter(service=Lognormal(10, -0.1))]}),
            f"{M}.service.cv",
            f"{M}.service.cv：事项 m 的变异系数必须不小于零，收到 -0.1",
        ),
        (
            model_with(queue={"matters": [_matter(service=Empirical([1, float("nan")]))]}),
            f"{M}.service.durations",
            f"{M}.service.durations：事项 m 的观测办理时长必须非空且都不小于零",
        ),
        (
            model_with(queue={"matters": [_matter(service=Empirical([1, -1]))]}),
            f"{M}.service.durations",
            f"{M}.service.durations：事项 m 的观测办理时长必须非空且都不小于零",
        ),
        (
            model_with(queue={"matters": [_matter(service="exp")]}),
            f"{M}.service",
            f"{M}.service：事项 m 的办理时长分布未知：'exp'",
        ),
        (
            model_with(windows=[WindowGroup("w", [], 5)]),
            "windows.w.queues",
            "windows.w.queues：窗口组 w 服务的没有队列",
        ),
        (
            model_with(windows=[WindowGroup("w", ["A", "Y", "Z"], 5)]),
            "windows.w.queues",
            "windows.w.queues：窗口组 w 服务的未知队列 Y, Z",
        ),
        (
            model_with(windows=[WindowGroup("w", ["A"], True)]),
            "windows.w.open",
            "windows.w.open：窗口组 w 第 1 个半小时的开放窗口数必须是不小于零的整数，收到 True",
        ),
        (
            model_with(windows=[WindowGroup("w", ["A"], [5, 5, 2.0, 5])]),
            "windows.w.open",
            "windows.w.open：窗口组 w 第 3 个半小时的开放窗口数必须是不小于零的整数，收到 2.0",
        ),
        (
            model_with(windows=[WindowGroup("w", ["A"], [5, 5])]),
            "windows.w.open",
            "windows.w.open：窗口组 w 的排班有 2 个半小时，一天有 4 个",
        ),
        (
            Model(
                queues=[Queue("A", [1], [_matter()]), Queue("A", [1], [_matter()])],
                windows=[WindowGroup("w", ["A"], 1)],
            ),
            "queues",
            "queues：队列 A 重复",
        ),
        (
            Model(
                queues=[Queue("A", [1, 1], [_matter()]), Queue("B", [1], [_matter()])],
                windows=[WindowGroup("w", ["A", "B"], 1)],
            ),
            "queues.B.per_hour",
            "queues.B.per_hour：队列 B 有 1 个时段的到达率，队列 A 有 2 个，必须一致",
        ),
        (Model(queues=[], windows=[WindowGroup("w", ["A"], 5)]), "queues", "queues：至少需要一个队列"),
        (model_with(windows=[]), "windows", "windows：至少需要一组窗口"),
    ],
)
def test_each_refusal_keeps_its_exact_words_and_field(model, field, message):
    assert _refused(model) == (field, message)


@pytest.mark.parametrize("replications", [np.int64(3), 2.0, "2", None])
def test_replications_are_a_python_int(replications):
    assert _refused(hall([10], 1), replications) == (
        "replications",
        f"replications（重复次数）必须是正整数，收到 {replications!r}",
    )


@pytest.mark.parametrize(
    "model, field, message",
    [
        (
            model_with(windows=[WindowGroup("w", ["A", 1], 5)]),
            "windows.w.queues",
            "windows.w.queues：窗口组 w 服务的未知队列 1",
        ),
        (
            model_with(windows=[WindowGroup("w", ["A"], 2.5)]),
            "windows.w.open",
            "windows.w.open：窗口组 w 第 1 个半小时的开放窗口数必须是不小于零的整数，收到 2.5",
        ),
        (
            model_with(windows=[WindowGroup("w", ["A"], None)]),
            "windows.w.open",
            "windows.w.open：窗口组 w 第 1 个半小时的开放窗口数必须是不小于零的整数，收到 None",
        ),
        (model_with(interval=30.0), "interval", "interval（到达率时段）必须是 30 或 60 分钟，收到 30.0"),
        (model_with(load=None), "load", "load：每天的到达倍数必须是不小于零的数，收到 None"),
        (
            model_with(queue={"matters": [_matter(service=Empirical(["x"]))]}),
            f"{M}.service.durations",
            f"{M}.service.durations：事项 m 的观测办理时长必须非空且都不小于零",
        ),
        (
            model_with(queue={"matters": "m"}),
            "queues.A.matters",
            "queues.A.matters：队列 A 的事项必须是 Matter 的列表，收到 'm'",
        ),
        (
            model_with(queue={"matters": ["m"]}),
            "queues.A.matters",
            "queues.A.matters：队列 A 第 1 个事项必须是 Matter，收到 'm'",
        ),
        (
            model_with(queue={"code": 1}, windows=[WindowGroup("w", [1], 5)]),
            "queues",
            "queues：第 1 个队列的编码必须是文字，收到 1",
        ),
        (
            model_with(queue={"matters": [_matter(code=None)]}),
            "queues.A.matters",
            "queues.A.matters：队列 A 第 1 个事项的编码必须是文字，收到 None",
        ),
        (
            model_with(windows=[WindowGroup(("w",), ["A"], 5)]),
            "windows",
            "windows：第 1 组窗口的编码必须是文字，收到 ('w',)",
        ),
        (
            model_with(windows=[WindowGroup("w", "A", 5)]),
            "windows.w.queues",
            "windows.w.queues：窗口组 w 服务的队列必须是队列编码的列表，收到 'A'",
        ),
        (
            model_with(queue={"per_hour": None}),
            "queues.A.per_hour",
            "queues.A.per_hour：队列 A 的到达率必须是数的列表，收到 None",
        ),
        (
            model_with(queue={"matters": [{"code": "m", "share": 1, "service": Exponential(10)}]}),
            "queues.A.matters",
            "queues.A.matters：队列 A 第 1 个事项必须是 Matter，收到 {'code': 'm', 'share': 1, 'service': Exponential(mean=10)}",
        ),
        ("hall", "model", "model：必须是 Model，收到 'hall'"),
    ],
)
def test_a_malformed_model_is_refused_naming_the_field_not_a_crash(model, field, message):
    """What crashed the simulator with a TypeError or a bare ValueError (a 500 on a page) is a ModelError."""
    assert _refused(model) == (field, message)


def test_numpy_numbers_and_arrays_are_accepted_where_numbers_and_lists_are():
    model = Model(
        queues=[
            Queue(
                "A",
                np.array([60.0, 60.0]),
                [Matter("m", np.float64(1), Empirical(np.array([8.0, 12.0])), second_visit=np.float64(0.1))],
                np.float64(0.1),
                np.int64(20),
            )
        ],
        windows=[WindowGroup("w", ["A"], np.array([4, 4, 4, 4])), WindowGroup("v", ["A"], np.int64(1))],
        interval=np.int64(60),
        threshold=np.int64(15),
        load=np.array([0.9, 1.1]),
    )
    assert simulate(model, 4, seed=1).served().sum() > 0


def _trace(**changes):
    columns = {
        "day": np.array([0, 1]),
        "queue": np.array([0, 0]),
        "priority": np.array([False, False]),
        "matter": np.array([0, 0]),
        "at": np.array([1.0, 2.0]),
        "days": 2,
    }
    return Trace(**{**columns, **changes})


@pytest.mark.parametrize(
    "model, trace, field, message",
    [
        (model_with(), _trace(at=np.array([1.0])), "trace", "trace：到达记录的各列长度不一致"),
        (
            model_with(),
            _trace(days=1),
            "trace.days",
            "trace.days：天数必须是正整数且覆盖每条记录的日序，收到 1",
        ),
        (
            model_with(),
            _trace(days=2.0),
            "trace.days",
            "trace.days：天数必须是正整数且覆盖每条记录的日序，收到 2.0",
        ),
        (
            model_with(),
            _trace(queue=np.array([0, 1])),
            "trace.queue",
            "trace.queue：到达记录的队列不在模型中",
        ),
        (
            model_with(),
            _trace(matter=np.array([0, 1])),
            "trace.matter",
            "trace.matter：队列 A 的到达记录含未知事项",
        ),
        (
            model_with(queue={"priority_share": 1.0}),
            _trace(priority=np.array([True, False])),
            "trace.priority",
            "trace.priority：队列 A 只有优先类，到达记录含普通类",
        ),
        (
            model_with(),
            _trace(at=np.array([1.0, -2.0])),
            "trace.at",
            "trace.at：到达时间必须是不小于零的分钟数",
        ),
        (
            model_with(),
            _trace(at=np.array([1.0, np.nan])),
            "trace.at",
            "trace.at：到达时间必须是不小于零的分钟数",
        ),
    ],
)
def test_a_trace_that_does_not_fit_the_model_is_refused(model, trace, field, message):
    assert _refused(model, trace=trace) == (field, message)
