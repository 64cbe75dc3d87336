"""The window plan: from a calibrated hall to windows per queue per half hour, the waiting curve, a reduction
plan and what-if scenarios. Pure: NumPy and the simulator, no Django.

- `day_from` turns a Calibration into the modelled day of some weekdays: half-hour slots from the first to the
  last one with arrivals; today's staffing per window group (the hall's own windows, each group calling the
  same queues) rounded to whole windows. A half hour in which no window worked (a lunch break) is closed:
  tickets taken then are counted as arriving when the hall opens again. Rounding keeps at least one window for
  a queue in every open half hour with arrivals for it (the group that worked it most). Each simulated day
  takes in turn the volume of one of the hall's own days (`daily_load`): waits grow faster than the volume,
  so an average day would understate them.
- `replay` runs the hall's own days through the model, ticket by ticket as they were taken; `as_measured`
  reads waits as the log measures them (to the first call, 过号 included, the uncalled at closing left out):
  the model's "today" to set beside the measured waits.
- A service level is the share called within the target time and the mean wait over all visitors of all
  simulated days, each with a 95% interval; it meets a target at its bound (the share's lower bound, the mean
  wait's upper bound). `decide` adds replications while the target is inside the interval.
- `recommend`: Erlang A (Erlang C when nobody leaves) gives each queue's fewest windows per half hour meeting
  the target as if its windows were its own; the simulator then runs the whole day — arrivals change by the
  half hour, queues carry over — and adds a window wherever a half hour still misses the target, until none
  does (at most MAX_ROUNDS rounds).
- `reductions`, "from N windows to M": N the windows that worked in the period, M the fewest windows at work
  in the busiest half hour that meet the target, in today's layout (closing windows) and in the joint one;
  found by bisection on common random numbers (one seed for every count), so the same data give the same M
  whatever the seed. 减窗 only when M < N.
- `curve`: waiting against the number of windows when every window serves every queue (综合窗口, the seed
  hall's reform), simulated.
- scenarios change the day and are simulated with today's staffing next to today, with the fewest windows
  meeting the target under each: better pre-review (fewer second visits), a share of a queue's or a matter's
  visitors handled online, verification moved to the back office (shorter window time), low-volume queues
  merged into one joint window, N windows closed; several at once joined by +.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import time

import numpy as np

from onevisit.planning import sim
from onevisit.planning.calibrate import Calibration, CalibrationError
from onevisit.planning.erlang import PlanningError, fewest_servers
from onevisit.planning.sim import SLOT

MAX_ROUNDS = 6
MIN_VISITORS = 20  # a half hour the simulation saw fewer visitors in (over all replications) is not judged


@dataclass(frozen=True)
class Target:
    """The service level to meet: `share` of visitors called within `within` minutes, mean wait below
    `mean_wait` minutes (None: no mean target)."""

    within: float = 15.0
    share: float = 0.8
    mean_wait: float | None = 10.0

    def __post_init__(self) -> None:
        if not isinstance(self.within, int | float) or not 0 < self.within <= 240:
            raise PlanningError(f"等待时限应在 0 到 240 分钟之间：{self.within!r}", field="within")
        if not isinstance(self.share, int | float) or not 0 < self.share <= 1:
            raise PlanningError(f"按时叫号比例应在 0 与 1 之间：{self.share!r}", field="share")
        if self.mean_wait is not None and (not isinstance(self.mean_wait, int | float) or self.mean_wait < 0):
            raise PlanningError(f"平均等待目标不能为负：{self.mean_wait!r}", field="mean_wait")

    @property
    def text(self) -> str:
        mean = f"，平均等待低于 {self.mean_wait:g} 分钟" if self.mean_wait else ""
        return f"{self.share * 100:g}% 的人 {self.within:g} 分钟内被叫号{mean}"


@dataclass(frozen=True)
class Day:
    """The modelled day: queues with arrival rates per half hour, today's window groups and their staffing."""

    weekdays: tuple[int, ...]
    first: int  # slot of the day (0 = 00:00-00:30) the model starts at
    closed: tuple[bool, ...]
    queues: tuple[sim.Queue, ...]
    groups: tuple[sim.WindowGroup, ...]
    windows: int  # distinct windows that worked in the period
    repeat_share: dict[str, float] = field(default_factory=dict)
    completeness: float | None = None
    load: tuple[float, ...] = ()  # the volume of each of the hall's days of these weekdays ÷ the average day

    @property
    def slots(self) -> int:
        return len(self.closed)

    @property
    def opens(self) -> time:
        return Calibration.clock(self.first)

    def label(self, k: int) -> str:
        a, b = (self.first + k) * SLOT, (self.first + k + 1) * SLOT
        return f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}"

    def hour_label(self, h: int) -> str:
        a = self.first * SLOT + h * 60
        return f"{a // 60:02d}:{a % 60:02d}"

    def queue(self, code: str) -> sim.Queue:
        return next(q for q in self.queues if q.code == code)

    def mean_service(self, queue: sim.Queue) -> float:
        total = sum(m.share for m in queue.matters)
        return sum(m.share / total * _mean(m.service) for m in queue.matters)

    def model(
        self, groups: Sequence[sim.WindowGroup] | None = None, target: Target | None = None
    ) -> sim.Model:
        return sim.Model(
            queues=self.queues,
            windows=tuple(groups or self.groups),
            interval=SLOT,
            opens=self.opens,
            threshold=(target or Target()).within,
            load=self.load,
        )


def _mean(service: sim.Sampler) -> float:
    if isinstance(service, sim.Empirical):
        return float(np.mean(service.durations))
    return float(service.mean)


def day_from(cal: Calibration, weekdays: Sequence[int], *, patience: bool = True) -> Day:
    """The modelled day of these weekdays (see the module docstring)."""
    weekdays = tuple(sorted(set(weekdays)))
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise PlanningError(f"星期应为 0（周一）到 6（周日）：{weekdays}", field="weekday")
    first, last = cal.open_slots(weekdays)
    span = slice(first, last + 1)
    staffed = {g.code: cal.staffed(g, weekdays)[span] for g in cal.groups}
    counts = {code: np.floor(s + 0.5).astype(int) for code, s in staffed.items()}
    n = last - first + 1
    closed = [sum(int(c[k]) for c in counts.values()) == 0 for k in range(n)]
    if all(closed):
        raise CalibrationError("所选日期没有窗口叫号记录，无法得知窗口排班", field="weekday")
    queues = []
    for code in cal.queues:
        rates = cal.rates(code, weekdays)[span].copy()
        for k in range(n):  # tickets taken while closed arrive when the hall opens again
            if closed[k] and rates[k] > 0:
                later = next((j for j in range(k + 1, n) if not closed[j]), None)
                target = later if later is not None else max(j for j in range(k) if not closed[j])
                rates[target] += rates[k]
                rates[k] = 0.0
        if rates.sum() <= 0:
            continue
        matters = tuple(
            sim.Matter(code=m, share=share, service=sim.Empirical(tuple(cal.services[m].observed)))
            for m, share in cal.matter_mix[code].items()
            if share > 0
        )
        wait = cal.patience.get(code) if patience else None
        queues.append(
            sim.Queue(
                code=code,
                per_hour=tuple(float(r) for r in rates),
                matters=matters,
                priority_share=cal.priority_share.get(code, 0.0),
                patience=wait,
                no_show=cal.no_show_minutes.get(code, 0.0) if wait else 0.0,
            )
        )
    known = {q.code for q in queues}
    for q in queues:  # every open half hour with arrivals keeps a window for the queue
        for k in range(n):
            if q.per_hour[k] > 0 and not any(
                q.code in g.queues and counts[g.code][k] > 0 for g in cal.groups
            ):
                best = max((g for g in cal.groups if q.code in g.queues), key=lambda g: staffed[g.code][k])
                counts[best.code][k] = 1
    groups = tuple(
        sim.WindowGroup(
            code=g.code,
            queues=tuple(x for x in g.queues if x in known),
            open=tuple(int(c) for c in counts[g.code]),
        )
        for g in cal.groups
        if any(x in known for x in g.queues) and counts[g.code].any()
    )
    return Day(
        weekdays=weekdays,
        first=first,
        closed=tuple(closed),
        queues=tuple(queues),
        groups=groups,
        windows=sum(len(g.windows) for g in cal.groups),
        repeat_share=dict(cal.repeat_share),
        completeness=cal.completeness,
        load=daily_load(cal, weekdays),
    )


def daily_load(cal: Calibration, weekdays: Sequence[int]) -> tuple[float, ...]:
    """Each day's ticket volume ÷ the mean day's, for the days of these weekdays in the period, shrunk towards
    1 by the Poisson part of their spread (the simulator draws that part again): what makes a simulated day a
    busy Monday or a quiet Friday. Waits grow faster than the volume, so an average day would understate them."""
    n = np.concatenate([cal.daily.get(d, np.empty(0)) for d in weekdays] or [np.empty(0)]).astype(float)
    if n.size < 2 or n.mean() <= 0:
        return ()
    f = n / n.mean()
    spread = float(f.var(ddof=1))
    shrink = math.sqrt(max(0.0, 1 - (1 / n.mean()) / spread)) if spread > 0 else 0.0
    return tuple(float(x) for x in 1 + (f - 1) * shrink)


def replay(cal: Calibration, day: Day, target: Target, *, repeats: int = 20, seed: int = 1) -> sim.Result:
    """The hall's own days of these weekdays replayed through the model: each ticket as it was taken (time,
    queue, class, matter), with window times and patience drawn, `repeats` times over. Unlike a drawn day it
    carries no noise of arrivals, so it is the model to set beside the hall's measured waits."""
    t = cal.issued
    keep = np.isin(t["dow"], day.weekdays)
    codes = [q.code for q in day.queues]
    keep &= np.isin(t["queue"], codes)
    days, day_no = np.unique(t["day"][keep], return_inverse=True)
    queue = np.array([codes.index(c) for c in t["queue"][keep]], dtype=np.int64)
    matters = [{m.code: i for i, m in enumerate(q.matters)} for q in day.queues]
    matter = np.array(
        [matters[qi].get(m, 0) for qi, m in zip(queue, t["matter"][keep], strict=True)], dtype=np.int64
    )
    at = np.maximum(t["minute"][keep] - day.first * SLOT, 0.0)
    trace = sim.Trace(
        day=day_no, queue=queue, priority=t["priority"][keep], matter=matter, at=at, days=int(days.size)
    )
    model = replace(day.model(target=target), load=())
    return sim.simulate(model, int(days.size) * repeats, seed, trace=trace)


def as_measured(result: sim.Result) -> tuple[float, float]:
    """Mean and P90 wait from taking the ticket to the first call, over all replications, of the visitors
    called before the hall's last half hour ended: what the log measures. A 过号 ticket was called too (its
    owner had left), so it counts; a ticket still waiting at closing was never called and does not (the
    simulated windows serve it after closing)."""
    waits = result.called - result.arrival
    waits = waits[(result.outcome != -1) & (result.called <= result.model.minutes)]
    return (float(waits.mean()), float(np.quantile(waits, 0.9))) if waits.size else (math.nan, math.nan)


# ---- figures from a simulated day -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """A simulated service level: share called within the target, mean and P90 wait (minutes), left."""

    share: sim.Estimate
    mean_wait: sim.Estimate
    p90_wait: sim.Estimate
    abandoned: sim.Estimate

    def meets(self, target: Target) -> bool:
        """The target holds at the 95% bound: the share called in time at its lower bound, the mean wait at its
        upper bound (with a single replication, which has no interval, the estimates themselves)."""
        low = self.share.mean if math.isnan(self.share.low) else self.share.low
        high = self.mean_wait.mean if math.isnan(self.mean_wait.high) else self.mean_wait.high
        return low >= target.share and (target.mean_wait is None or high < target.mean_wait)

    def undecided(self, target: Target) -> bool:
        """Neither met at its bound nor missed beyond doubt (a share's upper bound below the target, a mean
        wait's lower bound above it): more replications could still decide either way."""
        s, m = self.share, self.mean_wait
        missed = s.high < target.share or (target.mean_wait is not None and m.low >= target.mean_wait)
        return not missed and not self.meets(target) and not math.isnan(s.low)


def level(result: sim.Result, **where: object) -> Level:
    """The share called in time and the mean wait over all visitors of all the simulated days (as a hall
    measures them over a period), P90 wait and those who left per day."""
    return _Tally.of(result, **where).level()  # type: ignore[arg-type]


@dataclass
class _Tally:
    """Per replication: visitors served, called in time, their total wait, the P90 wait, those who left; and
    each replication's day volume (stratum)."""

    served: np.ndarray
    in_time: np.ndarray
    waited: np.ndarray
    p90: np.ndarray
    left: np.ndarray
    strata: np.ndarray | None

    @classmethod
    def of(cls, result: sim.Result, offset: int = 0, **where: object) -> _Tally:
        mask = (result.outcome == sim.SERVED) & result.select(**where)  # type: ignore[arg-type]
        n = len(result.model.load)
        return cls(
            served=mask.sum(axis=1),
            in_time=(mask & (result.wait <= result.model.threshold)).sum(axis=1),
            waited=np.where(mask, result.wait, 0.0).sum(axis=1),
            p90=result.wait_quantile(0.9, **where),
            left=result.abandoned(**where).astype(float),
            strata=(np.arange(result.replications) + offset) % n if n > 1 else None,
        )

    def add(self, other: _Tally) -> _Tally:
        def cat(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
            return None if a is None or b is None else np.concatenate([a, b])

        return _Tally(
            *(
                cat(getattr(self, f), getattr(other, f))
                for f in ("served", "in_time", "waited", "p90", "left", "strata")  # type: ignore[arg-type]
            )
        )

    def level(self) -> Level:
        return Level(
            share=sim.ratio(self.in_time, self.served, self.strata),
            mean_wait=sim.ratio(self.waited, self.served, self.strata),
            p90_wait=sim.estimate(self.p90),
            abandoned=sim.estimate(self.left),
        )


def by_slot(result: sim.Result, slots: int, within: float, queue: int | None = None) -> dict[str, np.ndarray]:
    """Per half hour of arrival, pooled over replications: visitors served, share within, mean wait."""
    served = result.outcome == sim.SERVED
    if queue is not None:
        served &= result.queue == queue
    slot = np.clip(np.nan_to_num(result.arrival, nan=0.0) // SLOT, 0, slots - 1).astype(np.int64)
    n = np.bincount(slot[served], minlength=slots).astype(float)
    ok = np.bincount(slot[served], weights=(result.wait[served] <= within).astype(float), minlength=slots)
    total = np.bincount(slot[served], weights=result.wait[served], minlength=slots)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "served": n,
            "share": np.where(n > 0, ok / n, np.nan),
            "mean": np.where(n > 0, total / n, np.nan),
        }


def hourly(result: sim.Result, slots: int) -> list[tuple[int, float, float]]:
    """(hour index, mean wait, P90 wait) of the visitors arriving in each hour, pooled over replications."""
    served = result.outcome == sim.SERVED
    hour = np.nan_to_num(result.arrival, nan=0.0) // 60
    out = []
    for h in range(math.ceil(slots / 2)):
        w = result.wait[served & (hour == h)]
        if w.size:
            out.append((h, float(w.mean()), float(np.quantile(w, 0.9))))
        else:
            out.append((h, math.nan, math.nan))
    return out


# ---- the plan ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePlan:
    queue: str
    erlang: tuple[int, ...]  # Erlang's first answer per half hour
    windows: tuple[int, ...]  # after the simulator's check


@dataclass(frozen=True)
class Plan:
    day: Day
    target: Target
    queues: tuple[QueuePlan, ...]
    level: Level  # the plan, simulated
    today: Level  # today's staffing, simulated
    slot_share: tuple[float, ...]  # the plan's share called within the target, per half hour
    rounds: int

    @property
    def needed(self) -> int:
        """Windows at work in the plan's busiest half hour."""
        return max(self.per_slot, default=0)

    @property
    def per_slot(self) -> list[int]:
        return [sum(q.windows[k] for q in self.queues) for k in range(self.day.slots)]

    @property
    def today_peak(self) -> int:
        return max((sum(g.open[k] for g in self.day.groups) for k in range(self.day.slots)), default=0)  # type: ignore[index,misc]

    @property
    def text(self) -> str:
        return f"高峰时段共需 {self.needed} 个窗口：{_level_text(self.level, self.target)}"


def _level_text(lv: Level, target: Target) -> str:
    s, m = lv.share, lv.mean_wait
    return (
        f"预计 {s.mean * 100:.1f}%（95% 区间 {s.low * 100:.1f}–{s.high * 100:.1f}%）的人 {target.within:g} 分钟内"
        f"被叫号，平均等待 {m.mean:.1f} 分钟"
    )


@dataclass(frozen=True)
class Reduction:
    """The fewest windows at work that meet the target in one layout of the hall, against the N it has."""

    layout: (
        str  # 现有布局 (today's window groups, fewer windows) | 综合窗口 (every window serves every queue)
    )
    windows: int  # M
    level: Level
    target: Target
    before: int  # N: the windows that worked in the period

    @property
    def verdict(self) -> str:
        """减窗 only when M < N."""
        return "减窗" if self.windows < self.before else "增窗" if self.windows > self.before else "维持"

    @property
    def text(self) -> str:
        n, m, lv = self.before, self.windows, _level_text(self.level, self.target)
        if m < n:
            return f"{self.layout}：从 {n} 个窗口减到 {m} 个（减窗 {n - m} 个），{lv}"
        if m > n:
            return f"{self.layout}：现有 {n} 个窗口达不到目标，需增至 {m} 个，{lv}"
        return f"{self.layout}：现有 {n} 个窗口正是达标所需的最少，维持不变，{lv}"


DECIDE_VISITORS = 1_000_000  # simulated visitors at most for one decision (replications × visitors a day)
DECIDE_MAX = 25_600  # and replications at most


def decide(model: sim.Model, target: Target, replications: int, seed: int) -> Level:
    """The model's service level, judged at its 95% bound: while the target still lies inside the interval,
    as many replications again are added (a new stream of the same seed), up to DECIDE_VISITORS simulated
    visitors (DECIDE_MAX replications). Every window count of a layout is simulated on the same seed, so on
    the same arrivals, window times and patience (common random numbers): counts differ by their windows
    only, and the decision does not turn on one count's luck or on the seed."""
    tally, done, batch = None, 0, replications
    per_day = sum(sum(q.per_hour) * model.interval / 60 for q in model.queues) or 1.0
    cap = max(replications, min(DECIDE_MAX, int(DECIDE_VISITORS / per_day)))
    while True:
        part = replace(model, load=_rotate(model.load, done)) if done and len(model.load) else model
        result = sim.simulate(part, batch, seed if not done else np.random.default_rng([seed, done]))
        got = _Tally.of(result, offset=done)
        tally = got if tally is None else tally.add(got)
        done += batch
        lv = tally.level()
        if not lv.undecided(target) or done >= cap:
            return lv
        batch = min(done, cap - done)


def _rotate(load: Sequence[float], by: int) -> tuple[float, ...]:
    k = by % len(load)
    return tuple(load[k:]) + tuple(load[:k])


def reductions(
    day: Day,
    target: Target,
    points: Sequence[Point] = (),
    *,
    replications: int = 200,
    seed: int = 1,
    progress: Progress | None = None,
    today: sim.Result | None = None,
    guesses: dict[str, int] | None = None,
    layouts: Sequence[str] = ("现有布局", "综合窗口"),
) -> list[Reduction]:
    """ "From N windows to M" in two layouts: today's, with windows closed one at a time from the least loaded
    group; and the joint one, every window serving every queue (综合窗口, the seed hall's reform). M is the
    fewest windows at work in the busiest half hour whose service level meets the target at its 95% bound
    (see decide), searched from a guess (Erlang's, or `guesses` by layout) and bisected; the waiting curve's
    `points`, judged the same way, are reused for the joint layout. Fewest windows first; a layout that cannot
    meet the target even as it is today is left out; `layouts` may leave today's out (its search simulates
    every window group, the costly part in a big hall). (`today` is accepted for earlier callers.)"""
    say = progress or (lambda _: None)
    guesses = guesses or {}
    peak = max((sum(g.open[k] for g in day.groups) for k in range(day.slots)), default=0)  # type: ignore[index,misc]

    def closing(m: int) -> Level | None:  # today's layout with peak - m windows closed
        try:
            fewer = close(peak - m).apply(day) if m < peak else day
            lv = decide(fewer.model(target=target), target, replications, seed)
        except PlanningError:  # no window left for some queue: too many closed
            return None
        say(f"close {peak - m}")
        return lv if lv.meets(target) else None

    out = []
    joint = joint_fewest(
        day,
        target,
        replications=replications,
        seed=seed,
        progress=say,
        known={p.windows: p.level for p in points},
        guess=guesses.get("综合窗口"),
    )
    if joint is not None:
        out.append(Reduction("综合窗口", joint[0], joint[1], target, day.windows))
    if layouts and "现有布局" in layouts:
        # Erlang overstates both layouts alike: the joint M corrected by their difference is a close guess
        dedicated = max(map(sum, zip(*erlang(day, target).values(), strict=True)), default=peak)
        guess = guesses.get("现有布局") or (
            joint[0] + dedicated - pooled_erlang(day, target) if joint else dedicated
        )
        fewest = _fewest(closing, 1, peak, guess=min(peak, max(1, guess)))
        if fewest is not None:
            m = fewest[0]
            kept = close(peak - m).apply(day) if m < peak else day
            at_peak = max(sum(g.open[k] for g in kept.groups) for k in range(day.slots))  # type: ignore[index,misc]
            out.append(Reduction("现有布局", at_peak, fewest[1], target, day.windows))
    return sorted(out, key=lambda r: r.windows)


def _fewest(
    at: Callable[[int], Level | None],
    low: int,
    high: int,
    guess: int | None = None,
    known: dict[int, Level] | None = None,
    target: Target | None = None,
) -> tuple[int, Level] | None:
    """The fewest count in low..high whose level meets (at gives None where it does not): from a guess, steps
    doubling away from it until the answer is bracketed, then bisection. More windows never do worse on
    common random numbers. None when even `high` does not meet."""
    memo: dict[int, Level | None] = {
        c: (lv if target is not None and lv.meets(target) else None) for c, lv in (known or {}).items()
    }
    if known and target is not None and guess is None:  # start at the first known count that meets
        guess = min((c for c, lv in memo.items() if lv is not None), default=None)
        if guess is not None:  # and bracket it by the last known count below that does not
            below = [c for c, lv in memo.items() if lv is None and c < guess]
            low = max(low, max(below) + 1) if below else low

    def meets(c: int) -> bool:
        if c not in memo:
            memo[c] = at(c)
        return memo[c] is not None

    c = min(max(guess if guess is not None else high, low), high)
    step = 1
    if meets(c):
        good, bad = c, low - 1
        while good > low:
            c = max(low, good - step)
            if not meets(c):
                bad = c
                break
            good, step = c, step * 2
    else:
        bad = c
        while True:
            if bad >= high:
                return None
            c = min(high, bad + step)
            if meets(c):
                good = c
                break
            bad, step = c, step * 2
    while good - bad > 1:
        mid = (good + bad) // 2
        if meets(mid):
            good = mid
        else:
            bad = mid
    level_ = memo[good]
    assert level_ is not None
    return good, level_


def joint_fewest(
    day: Day,
    target: Target,
    *,
    replications: int = 200,
    seed: int = 1,
    progress: Progress | None = None,
    known: dict[int, Level] | None = None,
    guess: int | None = None,
) -> tuple[int, Level] | None:
    """The fewest joint windows (every window serves every queue, open in every open half hour) meeting the
    target at its 95% bound; None if even MAX_JOINT times today's windows do not. `known` levels (the curve's)
    are not simulated again."""
    say = progress or (lambda _: None)

    def at(c: int) -> Level | None:
        lv = decide(day.model([joint_group(day, c)], target), target, replications, seed)
        say(f"joint {c}")
        return lv if lv.meets(target) else None

    low = max(1, _floor_load(day))
    if guess is None and not known:
        guess = max(low, pooled_erlang(day, target))
    return _fewest(at, low, MAX_JOINT * max(day.windows, 1) + 10, guess=guess, known=known, target=target)


def pooled_erlang(day: Day, target: Target) -> int:
    """Erlang's fewest joint windows: the busiest open half hour with all queues pooled (a first guess)."""
    best = 1
    for k, closed in enumerate(day.closed):
        rate = sum(q.per_hour[k] for q in day.queues)
        if closed or rate <= 0:
            continue
        mean = sum(q.per_hour[k] * day.mean_service(q) for q in day.queues) / rate
        best = max(
            best,
            fewest_servers(rate, mean, within=target.within, share=target.share, mean_wait=target.mean_wait),
        )
    return best


MAX_JOINT = 4
CURVE_POINTS = 12


def joint_group(day: Day, windows: int) -> sim.WindowGroup:
    return sim.WindowGroup(
        code="joint",
        queues=tuple(q.code for q in day.queues),
        open=tuple(0 if x else windows for x in day.closed),
    )


def _work(day: Day) -> float:
    """Window-minutes of work a day brings (arrivals × mean window time)."""
    return sum(sum(q.per_hour) * day.mean_service(q) for q in day.queues)


def _floor_load(day: Day) -> int:
    """The average number of windows kept busy over the open half hours: fewer and the queue only grows."""
    means = [day.mean_service(q) for q in day.queues]
    load = [
        sum(q.per_hour[k] * m / 60 for q, m in zip(day.queues, means, strict=True)) for k in range(day.slots)
    ]
    open_load = [x for x, closed in zip(load, day.closed, strict=True) if not closed]
    return math.floor(sum(open_load) / len(open_load)) if open_load else 1


Progress = Callable[[str], None]


def erlang(day: Day, target: Target) -> dict[str, list[int]]:
    """Each queue's fewest windows per half hour by Erlang A (C when nobody leaves), as if they were its own."""
    out = {}
    for q in day.queues:
        mean = day.mean_service(q)
        out[q.code] = [
            0
            if rate <= 0 or closed
            else fewest_servers(
                rate,
                mean,
                within=target.within,
                share=target.share,
                mean_wait=target.mean_wait,
                patience=q.patience,
            )
            for rate, closed in zip(q.per_hour, day.closed, strict=True)
        ]
    return out


def simulate_today(day: Day, target: Target, replications: int, seed: int) -> sim.Result:
    """Today's staffing simulated: the figure the plan, the reductions and the scenarios are set against."""
    return sim.simulate(day.model(target=target), replications, seed)


def recommend(
    day: Day,
    target: Target,
    *,
    replications: int = 200,
    seed: int = 1,
    progress: Progress | None = None,
    today: sim.Result | None = None,
) -> Plan:
    """Windows per queue per half hour: Erlang's answer, checked and corrected by the simulator."""
    say = progress or (lambda _: None)
    erlang_ = erlang(day, target)
    say("erlang")
    windows = {code: list(row) for code, row in erlang_.items()}
    rounds = 0
    while True:
        rounds += 1
        result = sim.simulate(day.model(_dedicated(windows), target), replications, seed)
        say(f"round {rounds}")
        short = False
        for qi, q in enumerate(day.queues):
            got = by_slot(result, day.slots, target.within, queue=qi)
            for k in range(day.slots):
                if day.closed[k] or got["served"][k] < MIN_VISITORS:
                    continue
                if got["share"][k] < target.share or (
                    target.mean_wait and got["mean"][k] >= target.mean_wait
                ):
                    windows[q.code][k] += 1
                    short = True
        if not short or rounds >= MAX_ROUNDS:
            break
    plan_result = (
        result if not short else sim.simulate(day.model(_dedicated(windows), target), replications, seed)
    )
    today = today or simulate_today(day, target, replications, seed)
    share = by_slot(plan_result, day.slots, target.within)["share"]
    return Plan(
        day=day,
        target=target,
        queues=tuple(QueuePlan(q.code, tuple(erlang_[q.code]), tuple(windows[q.code])) for q in day.queues),
        level=level(plan_result),
        today=level(today),
        slot_share=tuple(float(x) for x in share),
        rounds=rounds,
    )


def _dedicated(windows: dict[str, list[int]]) -> list[sim.WindowGroup]:
    return [
        sim.WindowGroup(code=code, queues=(code,), open=tuple(row))
        for code, row in windows.items()
        if any(row)
    ]


@dataclass(frozen=True)
class Point:
    windows: int
    level: Level


def curve(
    day: Day,
    target: Target,
    *,
    low: int | None = None,
    high: int | None = None,
    replications: int = 200,
    seed: int = 1,
    progress: Progress | None = None,
) -> list[Point]:
    """Waiting against the number of windows when every window serves every queue, open in every open half
    hour: from the average load of the open half hours (below it the queue only grows) to `high`. Each point
    is judged as the reductions judge it (decide), so its 达标 agrees with the joint layout's M."""
    say = progress or (lambda _: None)
    means = [day.mean_service(q) for q in day.queues]
    load = [
        sum(q.per_hour[k] * m / 60 for q, m in zip(day.queues, means, strict=True)) for k in range(day.slots)
    ]
    low = low or max(1, _floor_load(day))
    high = high or max(low + 4, math.ceil(max(load)) + 2, day.windows + 1)
    points = []
    step = max(1, math.ceil((high - low) / CURVE_POINTS))
    for c in range(low, high + 1, step):
        points.append(Point(c, decide(day.model([joint_group(day, c)], target), target, replications, seed)))
        say(f"curve {c}")
    return points


# ---- what-if scenarios ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    code: str
    label: str
    apply: Callable[[Day], Day]


def prereview(points: float = 0.20) -> Scenario:
    """Completeness at the first visit up by `points`: second visits fall in proportion to incompleteness."""
    if not 0 < points < 1:
        raise PlanningError(f"预审提升的百分点应在 0 与 1 之间：{points!r}", field="scenario")

    def apply(day: Day) -> Day:
        c = day.completeness if day.completeness is not None else 0.7
        cut = min(1.0, points / max(1 - c, 1e-9))
        queues = tuple(
            replace(q, per_hour=tuple(r * (1 - day.repeat_share.get(q.code, 0.0) * cut) for r in q.per_hour))
            for q in day.queues
        )
        return replace(day, queues=queues)

    return Scenario(f"prereview:{points:g}", f"导引台预审：材料一次备齐率 +{points * 100:g} 个百分点", apply)


def online(what: str, share: float, name: str = "") -> Scenario:
    """`share` of the visitors of a queue (all its matters: the seed hall's social-insurance windows, 87.88%
    online) or of one matter handled online instead: their arrivals thin out, the windows stay."""
    if not 0 < share <= 1:
        raise PlanningError(f"网办比例应在 0 与 1 之间：{share!r}", field="scenario")

    def apply(day: Day) -> Day:
        whole = any(q.code == what for q in day.queues)
        queues = []
        found = False
        for q in day.queues:
            total = sum(m.share for m in q.matters)
            moving = (lambda m: True) if q.code == what else (lambda m: not whole and m.code == what)  # noqa: B023
            mine = sum(m.share for m in q.matters if moving(m)) / total
            if not mine:
                queues.append(q)
                continue
            found = True
            kept = 1 - mine * share
            if kept <= 1e-9:
                continue  # the whole queue moves online
            matters = tuple(replace(m, share=m.share * (1 - share)) if moving(m) else m for m in q.matters)
            queues.append(replace(q, per_hour=tuple(r * kept for r in q.per_hour), matters=matters))
        if not found:
            raise PlanningError(f"所选时段没有队列或事项 {what} 的取号记录", field="scenario")
        return _without_empty(day, queues)

    return Scenario(f"online:{what}:{share:g}", f"{name or what} 的 {share * 100:g}% 转网上办理", apply)


def together(parts: Sequence[Scenario]) -> Scenario:
    """Several scenarios at once, applied in order (the seed hall moved work online and merged small queues)."""

    def apply(day: Day) -> Day:
        for part in parts:
            day = part.apply(day)
        return day

    return Scenario("+".join(p.code for p in parts), " + ".join(p.label for p in parts), apply)


def back_office(cut: float = 0.2, matters: Sequence[str] = ()) -> Scenario:
    """Verification moved to the back office: window time of the matters (all if none) shorter by `cut`."""
    if not 0 < cut < 1:
        raise PlanningError(f"窗口时长压减比例应在 0 与 1 之间：{cut!r}", field="scenario")

    def shorter(m: sim.Matter) -> sim.Matter:
        if matters and m.code not in matters:
            return m
        s = m.service
        if isinstance(s, sim.Empirical):
            return replace(m, service=sim.Empirical(tuple(x * (1 - cut) for x in s.durations)))
        return replace(m, service=replace(s, mean=s.mean * (1 - cut)))

    def apply(day: Day) -> Day:
        return replace(
            day, queues=tuple(replace(q, matters=tuple(shorter(m) for m in q.matters)) for q in day.queues)
        )

    which = "、".join(matters) if matters else "全部事项"
    return Scenario(f"backoffice:{cut:g}", f"核验移至后台：{which}窗口时长压减 {cut * 100:g}%", apply)


def merge(per_day: float = 40.0) -> Scenario:
    """Queues with fewer than `per_day` visitors a day: the windows serving only them become one joint window
    group serving all of them (综合窗口)."""

    def apply(day: Day) -> Day:
        hours = day.slots * SLOT / 60
        small = {q.code for q in day.queues if sum(q.per_hour) / len(q.per_hour) * hours < per_day}
        if len(small) < 2:
            raise PlanningError(f"日均少于 {per_day:g} 人的队列不足两个，无需合并", field="scenario")
        mine = [g for g in day.groups if set(g.queues) <= small]
        if not mine:
            raise PlanningError("低量队列都由服务其他队列的窗口兼办，无需合并", field="scenario")
        joint = sim.WindowGroup(
            code="joint",
            queues=tuple(sorted(small)),
            open=tuple(sum(sim.staffing_by_slot(g, day.slots)[k] for g in mine) for k in range(day.slots)),
        )
        return replace(day, groups=tuple(g for g in day.groups if g not in mine) + (joint,))

    return Scenario(f"merge:{per_day:g}", f"日均少于 {per_day:g} 人的队列合并为综合窗口", apply)


def close(n: int) -> Scenario:
    """N windows fewer: each time from the group with the least load per window, never a queue's last one."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise PlanningError(f"关闭窗口数应为正整数：{n!r}", field="scenario")

    def apply(day: Day) -> Day:
        groups = {g.code: list(g.open) for g in day.groups}  # type: ignore[arg-type]
        queues = {g.code: g.queues for g in day.groups}
        demand = {q.code: sum(q.per_hour) * day.mean_service(q) for q in day.queues}

        def last_for_some_queue(code: str) -> bool:
            others = {q for c, row in groups.items() if c != code and max(row) > 0 for q in queues[c]}
            return max(groups[code]) == 1 and not set(queues[code]) <= others

        for _ in range(n):
            open_ = {c: max(row) for c, row in groups.items() if max(row) > 0 and not last_for_some_queue(c)}
            if not open_:
                raise PlanningError(f"窗口不足 {n} 个，无法关闭（每个队列至少留一个窗口）", field="scenario")
            code = min(open_, key=lambda c: sum(demand[q] for q in queues[c]) / open_[c])
            groups[code] = [max(0, x - 1) if x == open_[code] else x for x in groups[code]]
        return replace(day, groups=tuple(replace(g, open=tuple(groups[g.code])) for g in day.groups))

    return Scenario(f"close:{n}", f"关闭 {n} 个窗口", apply)


def _without_empty(day: Day, queues: list[sim.Queue]) -> Day:
    known = {q.code for q in queues}
    groups = tuple(
        replace(g, queues=tuple(c for c in g.queues if c in known))
        for g in day.groups
        if any(c in known for c in g.queues)
    )
    return replace(day, queues=tuple(queues), groups=groups)


def parse(text: str, names: dict[str, str] | None = None) -> Scenario:
    """A scenario from its code: prereview[:0.2] | online:<queue or matter>[:0.8788] | backoffice[:0.2[:m1,m2]] |
    merge[:40] | close:<n>; several joined by + apply together. `names` name queues and matters in labels."""
    if "+" in (text or ""):
        return together([parse(part, names) for part in text.split("+") if part.strip()])
    parts = [p.strip() for p in (text or "").split(":")]
    kind, args = parts[0], parts[1:]
    try:
        if kind == "prereview":
            return prereview(float(args[0]) if args else 0.20)
        if kind == "online" and args:
            return online(
                args[0], float(args[1]) if len(args) > 1 else 0.8788, (names or {}).get(args[0], "")
            )
        if kind == "backoffice":
            return back_office(
                float(args[0]) if args else 0.2,
                [m for m in (args[1] if len(args) > 1 else "").split(",") if m],
            )
        if kind == "merge":
            return merge(float(args[0]) if args else 40.0)
        if kind == "close" and args:
            return close(int(args[0]))
    except ValueError as exc:
        if isinstance(exc, PlanningError):
            raise
        raise PlanningError(f"情景参数应为数字：{text[:40]}", field="scenario") from None
    raise PlanningError(
        f"未知情景 {text[:40]!r}；可选：prereview[:0.2]、online:<队列或事项>[:0.8788]、backoffice[:0.2]、merge[:40]、"
        "close:<n>，可用 + 组合",
        field="scenario",
    )


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    today: Level
    then: Level
    hours: list[tuple[str, float, float]]  # (hour, today's mean wait, the scenario's mean wait)
    windows_needed: int  # Erlang's busiest half hour under the scenario
    fewest: Reduction | None = (
        None  # "from N windows to M" in the joint layout under the scenario (None: not met)
    )


def what_if(
    day: Day,
    scenarios: Sequence[Scenario],
    target: Target,
    *,
    replications: int = 200,
    seed: int = 1,
    progress: Progress | None = None,
    today: sim.Result | None = None,
    sizes: bool = True,
    cuts: Sequence[Reduction] = (),
) -> list[Outcome]:
    """Each scenario simulated with today's staffing (as the scenario leaves it) next to today; with `sizes`,
    also the fewest joint windows meeting the target under it (searched from today's joint M in `cuts` scaled
    by the scenario's window load)."""
    say = progress or (lambda _: None)
    base = today or simulate_today(day, target, replications, seed)
    base_level, base_hours = level(base), hourly(base, day.slots)
    out = []
    for s in scenarios:
        changed = s.apply(day)
        result = sim.simulate(changed.model(target=target), replications, seed)
        hours = [
            (day.hour_label(h), a, b)
            for (h, a, _), (_, b, _) in zip(base_hours, hourly(result, day.slots), strict=True)
        ]
        needed = max(map(sum, zip(*erlang(changed, target).values(), strict=True)), default=0)
        scale = _work(changed) / max(_work(day), 1e-9)
        guesses = {r.layout: max(1, round(r.windows * scale)) for r in cuts}
        fewest = (
            reductions(
                changed, target, replications=replications, seed=seed, guesses=guesses, layouts=("综合窗口",)
            )
            if sizes
            else []
        )
        out.append(Outcome(s, base_level, level(result), hours, needed, fewest[0] if fewest else None))
        say(s.code)
    return out
