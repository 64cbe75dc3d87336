"""The window plan: from a calibrated hall to windows per queue per half hour, the waiting curve, a reduction
plan and what-if scenarios. Pure: NumPy and the simulator, no Django.

- `day_from` turns a Calibration into the modelled day of some weekdays: half-hour slots from the first to the
  last one with arrivals; today's staffing per window group (the hall's own windows, each group calling the
  same queues) rounded to whole windows. A half hour in which no window worked (a lunch break) is closed:
  tickets taken then are counted as arriving when the hall opens again. Rounding keeps at least one window for
  a queue in every open half hour with arrivals for it (the group that worked it most).
- `recommend`: Erlang A (Erlang C when nobody leaves) gives each queue's fewest windows per half hour meeting
  the target as if its windows were its own; the simulator then runs the whole day — arrivals change by the
  half hour, queues carry over — and adds a window wherever a half hour still misses the target, until none
  does (at most MAX_ROUNDS rounds). "From N windows to M": N the windows that worked in the period, M the
  plan's busiest half hour.
- `curve`: waiting against the number of windows when every window serves every queue (综合窗口, the seed
  hall's reform), simulated.
- scenarios change the day and are simulated with today's staffing next to today: better pre-review (fewer
  second visits), a share of a matter handled online, verification moved to the back office (shorter window
  time), low-volume queues merged into one joint window, N windows closed.
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
        return sim.Model(queues=self.queues, windows=tuple(groups or self.groups), interval=SLOT,
                         opens=self.opens, threshold=(target or Target()).within)  # fmt: skip


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
            for m, share in cal.matter_mix[code].items() if share > 0
        )  # fmt: skip
        wait = cal.patience.get(code) if patience else None
        queues.append(sim.Queue(code=code, per_hour=tuple(float(r) for r in rates), matters=matters,
                                priority_share=cal.priority_share.get(code, 0.0), patience=wait))  # fmt: skip
    known = {q.code for q in queues}
    for q in queues:  # every open half hour with arrivals keeps a window for the queue
        for k in range(n):
            if q.per_hour[k] > 0 and not any(
                q.code in g.queues and counts[g.code][k] > 0 for g in cal.groups
            ):
                best = max((g for g in cal.groups if q.code in g.queues), key=lambda g: staffed[g.code][k])
                counts[best.code][k] = 1
    groups = tuple(
        sim.WindowGroup(code=g.code, queues=tuple(x for x in g.queues if x in known),
                        open=tuple(int(c) for c in counts[g.code]))
        for g in cal.groups if any(x in known for x in g.queues) and counts[g.code].any()
    )  # fmt: skip
    return Day(weekdays=weekdays, first=first, closed=tuple(closed), queues=tuple(queues), groups=groups,
               windows=sum(len(g.windows) for g in cal.groups), repeat_share=dict(cal.repeat_share),
               completeness=cal.completeness)  # fmt: skip


# ---- figures from a simulated day -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """A simulated service level: share called within the target, mean and P90 wait (minutes), left."""

    share: sim.Estimate
    mean_wait: sim.Estimate
    p90_wait: sim.Estimate
    abandoned: sim.Estimate

    def meets(self, target: Target) -> bool:
        return self.share.mean >= target.share and (
            target.mean_wait is None or self.mean_wait.mean < target.mean_wait
        )


def level(result: sim.Result, **where: object) -> Level:
    return Level(
        share=sim.estimate(result.share_within(**where)),  # type: ignore[arg-type]
        mean_wait=sim.estimate(result.mean_wait(**where)),  # type: ignore[arg-type]
        p90_wait=sim.estimate(result.wait_quantile(0.9, **where)),  # type: ignore[arg-type]
        abandoned=sim.estimate(result.abandoned(**where).astype(float)),  # type: ignore[arg-type]
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
        return max((sum(g.open[k] for g in self.day.groups) for k in range(self.day.slots)), default=0)  # type: ignore[index]

    @property
    def text(self) -> str:
        return f"高峰时段共需 {self.needed} 个窗口：{_level_text(self.level, self.target)}"


def _level_text(lv: Level, target: Target) -> str:
    s, m = lv.share, lv.mean_wait
    return (f"预计 {s.mean * 100:.1f}%（95% 区间 {s.low * 100:.1f}–{s.high * 100:.1f}%）的人 {target.within:g} 分钟内"
            f"被叫号，平均等待 {m.mean:.1f} 分钟")  # fmt: skip


@dataclass(frozen=True)
class Reduction:
    """The fewest windows that still meet the target in one layout of the hall."""

    layout: (
        str  # 现有布局 (today's window groups, fewer windows) | 综合窗口 (every window serves every queue)
    )
    windows: int
    level: Level
    target: Target
    before: int

    @property
    def text(self) -> str:
        if self.windows == self.before:
            return f"{self.layout}：{self.before} 个窗口已是达标所需的最少，{_level_text(self.level, self.target)}"
        return f"{self.layout}：从 {self.before} 个窗口到 {self.windows} 个，{_level_text(self.level, self.target)}"


def reductions(day: Day, target: Target, points: Sequence[Point], *, replications: int = 200, seed: int = 1,
               progress: Progress | None = None, today: sim.Result | None = None) -> list[Reduction]:  # fmt: skip
    """ "From N windows to M": today's layout with as many windows closed as the target allows (closed one at a
    time from the least loaded group, found by bisection, each count simulated), and the waiting curve's
    fewest comprehensive windows that meet it. Fewest windows first; a layout that cannot meet the target even
    as it is today is left out."""
    say = progress or (lambda _: None)

    def closing(k: int) -> Level | None:
        try:
            if k:
                lv = level(sim.simulate(close(k).apply(day).model(target=target), replications, seed))
            else:
                lv = level(today or simulate_today(day, target, replications, seed))
        except PlanningError:  # no window left for some queue: too many closed
            return None
        say(f"close {k}")
        return lv if lv.meets(target) else None

    out = []
    as_is = closing(0)
    if as_is is not None:
        low, high, best = 1, day.windows - 1, (0, as_is)
        while low <= high:
            mid = (low + high) // 2
            got = closing(mid)
            if got is not None:
                best, low = (mid, got), mid + 1
            else:
                high = mid - 1
        out.append(Reduction("现有布局", day.windows - best[0], best[1], target, day.windows))
    pooled = next((p for p in points if p.level.meets(target)), None)
    if pooled is not None:
        out.append(Reduction("综合窗口", pooled.windows, pooled.level, target, day.windows))
    return sorted(out, key=lambda r: r.windows)


Progress = Callable[[str], None]


def erlang(day: Day, target: Target) -> dict[str, list[int]]:
    """Each queue's fewest windows per half hour by Erlang A (C when nobody leaves), as if they were its own."""
    out = {}
    for q in day.queues:
        mean = day.mean_service(q)
        out[q.code] = [0 if rate <= 0 or closed else fewest_servers(
            rate, mean, within=target.within, share=target.share, mean_wait=target.mean_wait,
            patience=q.patience) for rate, closed in zip(q.per_hour, day.closed, strict=True)]  # fmt: skip
    return out


def simulate_today(day: Day, target: Target, replications: int, seed: int) -> sim.Result:
    """Today's staffing simulated: the figure the plan, the reductions and the scenarios are set against."""
    return sim.simulate(day.model(target=target), replications, seed)


def recommend(day: Day, target: Target, *, replications: int = 200, seed: int = 1,
              progress: Progress | None = None, today: sim.Result | None = None) -> Plan:  # fmt: skip
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
    return Plan(day=day, target=target,
                queues=tuple(QueuePlan(q.code, tuple(erlang_[q.code]), tuple(windows[q.code])) for q in day.queues),
                level=level(plan_result), today=level(today), slot_share=tuple(float(x) for x in share),
                rounds=rounds)  # fmt: skip


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


def curve(day: Day, target: Target, *, low: int | None = None, high: int | None = None, replications: int = 100,
          seed: int = 1, progress: Progress | None = None) -> list[Point]:  # fmt: skip
    """Waiting against the number of windows when every window serves every queue, open in every open half
    hour: from the average load of the open half hours (below it the queue only grows) to `high`."""
    say = progress or (lambda _: None)
    means = [day.mean_service(q) for q in day.queues]
    load = [
        sum(q.per_hour[k] * m / 60 for q, m in zip(day.queues, means, strict=True)) for k in range(day.slots)
    ]
    open_load = [x for x, closed in zip(load, day.closed, strict=True) if not closed]
    low = low or max(1, math.floor(sum(open_load) / len(open_load)))
    high = high or max(low + 4, math.ceil(max(load)) + 2, day.windows + 1)
    codes = tuple(q.code for q in day.queues)
    points = []
    step = max(1, (high - low) // 16)
    for c in range(low, high + 1, step):
        group = sim.WindowGroup(code="joint", queues=codes, open=tuple(0 if x else c for x in day.closed))
        points.append(Point(c, level(sim.simulate(day.model([group], target), replications, seed))))
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
        queues = tuple(replace(q, per_hour=tuple(r * (1 - day.repeat_share.get(q.code, 0.0) * cut)
                                                  for r in q.per_hour)) for q in day.queues)  # fmt: skip
        return replace(day, queues=queues)

    return Scenario(f"prereview:{points:g}", f"导引台预审：材料一次备齐率 +{points * 100:g} 个百分点", apply)


def online(matter: str, share: float) -> Scenario:
    """`share` of a matter's visitors handled online instead (the seed's hall: 87.88% for social insurance)."""
    if not 0 < share <= 1:
        raise PlanningError(f"网办比例应在 0 与 1 之间：{share!r}", field="scenario")

    def apply(day: Day) -> Day:
        queues = []
        found = False
        for q in day.queues:
            total = sum(m.share for m in q.matters)
            mine = sum(m.share for m in q.matters if m.code == matter) / total
            if not mine:
                queues.append(q)
                continue
            found = True
            kept = 1 - mine * share
            if kept <= 1e-9:
                continue  # the whole queue moves online
            matters = tuple(
                replace(m, share=m.share * (1 - share)) if m.code == matter else m for m in q.matters
            )
            queues.append(replace(q, per_hour=tuple(r * kept for r in q.per_hour), matters=matters))
        if not found:
            raise PlanningError(f"所选时段没有事项 {matter} 的取号记录", field="scenario")
        return _without_empty(day, queues)

    return Scenario(f"online:{matter}:{share:g}", f"事项 {matter} 的 {share * 100:g}% 转网上办理", apply)


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
        return replace(m, service=replace(s, mean=s.mean * (1 - cut)))  # type: ignore[arg-type]

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
        joint = sim.WindowGroup(code="joint", queues=tuple(sorted(small)),
                                open=tuple(sum(g.open[k] for g in mine) for k in range(day.slots)))  # type: ignore[index]  # fmt: skip
        return replace(day, groups=tuple(g for g in day.groups if g not in mine) + (joint,))

    return Scenario(f"merge:{per_day:g}", f"日均少于 {per_day:g} 人的队列合并为综合窗口", apply)


def close(n: int) -> Scenario:
    """N windows fewer: each time from the group with the least load per window."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise PlanningError(f"关闭窗口数应为正整数：{n!r}", field="scenario")

    def apply(day: Day) -> Day:
        groups = {g.code: list(g.open) for g in day.groups}  # type: ignore[arg-type]
        queues = {g.code: g.queues for g in day.groups}
        demand = {q.code: sum(q.per_hour) * day.mean_service(q) for q in day.queues}
        for _ in range(n):
            open_ = {c: max(row) for c, row in groups.items() if max(row) > 0}
            if not open_:
                raise PlanningError(f"窗口不足 {n} 个，无法关闭", field="scenario")
            code = min(open_, key=lambda c: sum(demand[q] for q in queues[c]) / open_[c])
            groups[code] = [max(0, x - 1) if x == open_[code] else x for x in groups[code]]
        return replace(day, groups=tuple(replace(g, open=tuple(groups[g.code])) for g in day.groups))

    return Scenario(f"close:{n}", f"关闭 {n} 个窗口", apply)


def _without_empty(day: Day, queues: list[sim.Queue]) -> Day:
    known = {q.code for q in queues}
    groups = tuple(replace(g, queues=tuple(c for c in g.queues if c in known))
                   for g in day.groups if any(c in known for c in g.queues))  # fmt: skip
    return replace(day, queues=tuple(queues), groups=groups)


def parse(text: str) -> Scenario:
    """A scenario from its code: prereview[:0.2] | online:<matter>[:0.8788] | backoffice[:0.2[:m1,m2]] |
    merge[:40] | close:<n>."""
    parts = [p.strip() for p in (text or "").split(":")]
    kind, args = parts[0], parts[1:]
    try:
        if kind == "prereview":
            return prereview(float(args[0]) if args else 0.20)
        if kind == "online" and args:
            return online(args[0], float(args[1]) if len(args) > 1 else 0.8788)
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
        f"未知情景 {text[:40]!r}；可选：prereview[:0.2]、online:<事项>[:0.8788]、backoffice[:0.2]、merge[:40]、close:<n>",
        field="scenario",
    )


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    today: Level
    then: Level
    hours: list[tuple[str, float, float]]  # (hour, today's mean wait, the scenario's mean wait)
    windows_needed: int  # Erlang's busiest half hour under the scenario


def what_if(day: Day, scenarios: Sequence[Scenario], target: Target, *, replications: int = 200, seed: int = 1,
            progress: Progress | None = None, today: sim.Result | None = None) -> list[Outcome]:  # fmt: skip
    """Each scenario simulated with today's staffing (as the scenario leaves it) next to today."""
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
        out.append(Outcome(s, base_level, level(result), hours, needed))
        say(s.code)
    return out
