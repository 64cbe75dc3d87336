"""Erlang staffing formulas: how many windows a steady stream of visitors needs. Pure: no Django, no NumPy.

Units are the hall's own: arrival rates per hour, every time (service, patience, waits) in minutes.

- Erlang C (M/M/c): Poisson arrivals, exponential service, c windows, nobody leaves. With the offered load
  a = λ·s (erlangs) and B the Erlang B blocking probability (by the stable recursion B_k = a·B/(k + a·B)),
  P(wait) = C = c·B / (c − a·(1 − B)), mean wait = C·s / (c − a), P(wait ≤ t) = 1 − C·e^(−(c − a)·t/s).
  With a ≥ c the queue grows without bound: P(wait) = 1, mean wait = ∞, nobody is called within t.
- Erlang A (M/M/c+M): the same with exponential patience θ = 1/patience (Garnett, Mandelbaum and Reiman
  2002). With x = c·μ/θ, y = λ/θ, ρ = y/x and A(x, y) = Σ_j Π_{k≤j} y/(x + k) = x·e^y·y^(−x)·γ(x, y):
  P(wait) = A·B / (1 + (A − 1)·B), P(abandon) = P(wait)·(1 − (1 − 1/A)/ρ), mean wait = P(abandon)/θ
  (time in the queue of every arrival, those who left included: Little's law on the abandonment flow).
  The share of arrivals called within t (derived from the same state probabilities: the offered wait given
  j ahead is a sum of exponentials with rates c·μ + i·θ, whose mixture integrates to incomplete gammas) is
  1 − P(wait) + P(wait)·(x/y)·[P(x+1, y) − P(x+1, y·e^(−θt))] / P(x, y), P the regularized lower incomplete
  gamma. A(x, y) is summed directly when y < x + 1 (every term below 1) and otherwise taken from a continued
  fraction in log space, so neither overflows for hundreds of windows and long patience.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_EPS = 1e-16
_TINY = 1e-300
_MAX_TERMS = 5_000_000


class PlanningError(ValueError):
    """A planning input that makes no sense; the message (Chinese) names the field."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unreachable(PlanningError):
    """A staffing target that no number of windows can meet."""


@dataclass(frozen=True)
class Performance:
    """What an arriving visitor can expect from `servers` windows in steady state."""

    per_hour: float
    mean_service: float
    servers: int
    patience: float  # mean minutes before leaving; math.inf: nobody leaves (Erlang C)
    load: float  # offered load in erlangs: windows kept busy on average if nobody left
    p_wait: float  # probability that an arrival finds every window busy
    mean_wait: float  # minutes in the queue over all arrivals (those who left included)
    abandon: float  # share of arrivals who leave unserved

    def service_level(self, within: float) -> float:
        """Share of all arrivals called within `within` minutes (those who leave first count as not called)."""
        _check_nonnegative(within, "within", "等待时限")
        if self.p_wait == 0.0:
            return 1.0
        if math.isinf(self.patience):
            if self.load >= self.servers:
                return 0.0
            return 1.0 - self.p_wait * math.exp(-(self.servers - self.load) * within / self.mean_service)
        # 1 − P(wait)·[P(leave | wait) + P(called after t | wait)]: two non-negative terms, no cancellation
        x = self.servers * self.patience / self.mean_service
        y = self.per_hour / 60.0 * self.patience
        theta_t = within / self.patience
        if y < x + 1:  # the ratio of incomplete gammas written out, so that no huge logs cancel
            log_after = (
                math.log(x / (x + 1))
                - self.servers * within / self.mean_service
                - theta_t
                - y * math.expm1(-theta_t)
                + math.log(_series(x + 1, y * math.exp(-theta_t))[0])
                - math.log(_series(x, y)[0])
            )
        else:
            log_after = math.log(x / y) + _log_p(x + 1, y * math.exp(-theta_t)) - _log_p(x, y)
        not_called = self.abandon + self.p_wait * math.exp(log_after)
        return min(1.0, max(0.0, 1.0 - not_called))


def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability by the recursion that neither overflows nor loses precision."""
    _check_servers(servers)
    _check_positive(load, "load", "负荷")
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(per_hour: float, mean_service: float, servers: int) -> Performance:
    """M/M/c: nobody leaves the queue."""
    load = _offered_load(per_hour, mean_service)
    _check_servers(servers)
    return _erlang_c(per_hour, mean_service, servers, load, erlang_b(servers, load))


def erlang_a(per_hour: float, mean_service: float, servers: int, patience: float) -> Performance:
    """M/M/c+M: each visitor leaves after an exponential patience with mean `patience` minutes."""
    load = _offered_load(per_hour, mean_service)
    _check_servers(servers)
    _check_positive(patience, "patience", "平均耐心时间", allow_inf=True)
    b = erlang_b(servers, load)
    if math.isinf(patience):
        return _erlang_c(per_hour, mean_service, servers, load, b)
    return _erlang_a(per_hour, mean_service, servers, patience, load, b)


def fewest_servers(
    per_hour: float,
    mean_service: float,
    *,
    within: float | None = None,
    share: float = 0.8,
    mean_wait: float | None = None,
    patience: float | None = None,
    abandon: float | None = None,
    max_servers: int = 1000,
) -> int:
    """The fewest windows meeting every target given: `share` of arrivals called within `within` minutes,
    mean wait strictly below `mean_wait` minutes, abandonment share at most `abandon` (needs `patience`).

    Without `patience` this is Erlang C; with it, Erlang A. Raises Unreachable for a target no finite number
    of windows meets (everyone called within t, a mean wait of 0, no abandonment at all) and when more than
    `max_servers` windows would be needed.
    """
    load = _offered_load(per_hour, mean_service)
    if patience is not None:
        _check_positive(patience, "patience", "平均耐心时间", allow_inf=True)
    if within is None and mean_wait is None and abandon is None:
        raise PlanningError(
            "至少需要一个目标：within（等待时限）、mean_wait（平均等待）或 abandon（放弃率）", field="within"
        )
    if within is not None:
        _check_nonnegative(within, "within", "等待时限")
        if not (isinstance(share, int | float) and 0.0 < share <= 1.0):
            raise PlanningError(f"share（按时叫号比例）必须在 0 到 1 之间，收到 {share!r}", field="share")
        if share >= 1.0:
            raise Unreachable(
                f"share：没有多少窗口能保证 100% 的人在 {within:g} 分钟内被叫号（总有人到达时窗口全忙）",
                field="share",
            )
    if mean_wait is not None:
        _check_nonnegative(mean_wait, "mean_wait", "平均等待目标")
        if mean_wait == 0:
            raise Unreachable("mean_wait：平均等待不可能小于 0 分钟", field="mean_wait")
    if abandon is not None:
        if patience is None or math.isinf(patience):
            raise PlanningError("abandon（放弃率目标）需要同时给出 patience（平均耐心时间）", field="abandon")
        if not (isinstance(abandon, int | float) and 0.0 <= abandon <= 1.0):
            raise PlanningError(f"abandon（放弃率目标）必须在 0 到 1 之间，收到 {abandon!r}", field="abandon")
        if abandon == 0:
            raise Unreachable("abandon：有限的耐心下，放弃率不可能为 0", field="abandon")
    if isinstance(max_servers, bool) or not isinstance(max_servers, int) or max_servers < 1:
        raise PlanningError(f"max_servers（窗口上限）必须是正整数，收到 {max_servers!r}", field="max_servers")
    leaving = patience is not None and not math.isinf(patience)
    b = 1.0
    for c in range(1, max_servers + 1):
        b = load * b / (c + load * b)
        if not leaving and load >= c:
            continue
        if leaving:
            perf = _erlang_a(per_hour, mean_service, c, patience, load, b)  # type: ignore[arg-type]
        else:
            perf = _erlang_c(per_hour, mean_service, c, load, b)
        if (
            (within is None or perf.service_level(within) >= share)
            and (mean_wait is None or perf.mean_wait < mean_wait)
            and (abandon is None or perf.abandon <= abandon)
        ):
            return c
    raise Unreachable(
        f"max_servers：{max_servers} 个窗口仍达不到目标（每小时 {per_hour:g} 人，平均办理 {mean_service:g} 分钟）",
        field="max_servers",
    )


def _erlang_c(per_hour: float, mean_service: float, servers: int, load: float, b: float) -> Performance:
    if load >= servers:
        p_wait, mean_wait = 1.0, math.inf
    else:
        p_wait = servers * b / (servers - load * (1.0 - b))
        mean_wait = p_wait * mean_service / (servers - load)
    return Performance(per_hour, mean_service, servers, math.inf, load, p_wait, mean_wait, 0.0)


def _erlang_a(
    per_hour: float, mean_service: float, servers: int, patience: float, load: float, b: float
) -> Performance:
    if b == 0.0:  # so many windows for the load that nobody ever waits (B underflowed)
        return Performance(per_hour, mean_service, servers, patience, load, 0.0, 0.0, 0.0)
    x = servers * patience / mean_service
    y = per_hour / 60.0 * patience
    if y < x + 1:  # every term of A below 1: sum it, and P(abandon | wait) = Σ j·T_j / (y·A) with it
        a, moment = _series(x, y)
        log_a = math.log(a)
        given_wait = moment / (y * a)
    else:  # overloaded: A from the incomplete gamma; 1 − (1 − 1/A)/ρ has no cancellation when ρ > 1
        log_a = math.lgamma(x + 1) + y - x * math.log(y) + _log_p(x, y)
        given_wait = 1.0 + math.expm1(-log_a) * x / y
    # P(wait) = A·B / (1 + (A − 1)·B) = 1 / (1 + (1 − B) / (A·B)), in logs so that a huge A is harmless
    p_wait = 1.0 / (1.0 + math.exp(math.log1p(-b) - math.log(b) - log_a)) if b < 1.0 else 1.0
    abandon = min(1.0, max(0.0, p_wait * given_wait))
    return Performance(per_hour, mean_service, servers, patience, load, p_wait, abandon * patience, abandon)


def _series(x: float, y: float) -> tuple[float, float]:
    """Σ_j T_j and Σ_j j·T_j with T_j = Π_{k=1..j} y/(x + k), for y < x + 1 where every ratio is below 1.

    The first is GMR's A(x, y) = x·e^y·y^(−x)·γ(x, y); the second is the queue-length moment that goes with it.
    """
    term, total, moment, n = 1.0, 1.0, 0.0, 0
    while term > _EPS * total:
        n += 1
        term *= y / (x + n)
        total += term
        moment += n * term
        if n > _MAX_TERMS:
            raise ArithmeticError(f"series({x}, {y}) did not converge")
    return total, moment


def _log_p(a: float, x: float) -> float:
    """log of the regularized lower incomplete gamma P(a, x) (series below a + 1, continued fraction above)."""
    if x <= 0.0:
        return -math.inf
    if x < a + 1:  # γ(a, x) = x^a·e^(−x)/a · Σ_n x^n / ((a+1)…(a+n))
        return a * math.log(x) - x - math.lgamma(a + 1) + math.log(_series(a, x)[0])
    # Q(a, x) by Lentz's continued fraction (Numerical Recipes' gcf); x ≥ a + 1 keeps Q below about 1/2
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    else:
        raise ArithmeticError(f"Q({a}, {x}) did not converge")
    log_q = -x + a * math.log(x) - math.lgamma(a) + math.log(h)
    return math.log1p(-math.exp(log_q))


def _offered_load(per_hour: float, mean_service: float) -> float:
    _check_positive(per_hour, "per_hour", "每小时到达人数")
    _check_positive(mean_service, "mean_service", "平均办理时长（分钟）")
    return per_hour / 60.0 * mean_service


def _check_positive(value: object, field: str, label: str, *, allow_inf: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    if ok and not allow_inf:
        ok = math.isfinite(value)  # type: ignore[arg-type]
    if not ok:
        raise PlanningError(f"{field}（{label}）必须是大于零的数，收到 {value!r}", field=field)


def _check_nonnegative(value: object, field: str, label: str) -> None:
    ok = (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
    )
    if not ok:
        raise PlanningError(f"{field}（{label}）必须是不小于零的有限数，收到 {value!r}", field=field)


def _check_servers(servers: object) -> None:
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise PlanningError(f"servers（窗口数）必须是正整数，收到 {servers!r}", field="servers")
