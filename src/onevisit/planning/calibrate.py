"""A hall model calibrated from its own event log. Pure: DuckDB over Arrow, no Django.

From the events of a period (tickets issued, called and missed; acceptances, further visits, completions; the
guide desk's triage) it measures, for each queue and each half hour of the day:

- arrivals: tickets issued per hour, by weekday (Monday 0 … Sunday 6) and local half hour, averaged over the
  days of that weekday on which the hall issued any ticket;
- the priority share of those tickets, the matters they came for, and the share that were second (or later)
  visits of a case — what better pre-review can remove;
- patience: the no-shows (过号) who never came back are read as visitors who left (one re-queued at the guide
  desk or called again at a window after 过号 did not leave); with exponential patience the estimate of its
  mean is the total time all tickets waited (issue → first call) over the number that left;
- window time per matter: from a call that led to an acceptance until the window was free to call again. A
  free window calls at once, so when the visitor it called next had already waited BUSY_WAIT minutes, the
  window was busy until that next call — provided it worked in between (no pause, no closed half hour such
  as lunch: a service is never stretched across one). Otherwise the end is the completion at the window or
  the hand-over to the back office (the case's first task starting after the acceptance), plus the wrap-up
  that busy windows show between a completion and their next call; otherwise it is unknown and left out.
  Kept as observed (empirical distribution) and fitted (lognormal by maximum likelihood, with the
  Kolmogorov–Smirnov distance between the two); a matter with fewer than MIN_SERVICES observations borrows
  its queue's pooled times. A call that ended in 过号 takes window time too (per queue, the same way);
- windows: which queues each window called from (windows calling the same queues form a group), and how many
  windows of each group were at work in each half hour, by weekday (today's staffing): a window works in
  stretches of calls without a pause or a closed half hour between them, from the session's opening to its
  closing where nobody it could have called waited meanwhile, and is at work in a half hour it covers at
  least half of;
- the day-to-day volume: the tickets of each day, and every ticket (time, queue, class, matter) to replay
  the hall's own days through the model;
- the channel mix at the guide desk (window, self-service, assisted online) and completeness at first visit.

Fewer than MIN_TICKETS issued tickets is too little to plan from: CalibrationError says how many there were.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import time, tzinfo
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from onevisit.core.verdicts import Verdict
from onevisit.metrics import engine
from onevisit.planning.erlang import PlanningError
from onevisit.planning.sim import SLOT

MIN_TICKETS = 200
MIN_SERVICES = 20
MIN_FEW = 5  # a queue with fewer timed services than MIN_SERVICES but this many uses them, saying so
MAX_SERVICE_MINUTES = 240.0  # a longer "service" is a window left open, not a visitor served
BUSY_WAIT = 1.0  # minutes the next visitor had waited when called: the window was busy until then
MAX_WRAPUP = 10.0  # minutes from a completion to the next call; longer is a break, not wrap-up
CLOSED_SHARE = 0.1  # a half hour in which the hall called on fewer of its days than this is closed
SLOTS_PER_DAY = 24 * 60 // SLOT
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
EVENT_TYPES = (
    "ticket.issued",
    "ticket.called",
    "ticket.no_show",
    "ticket.requeued",
    "case.accepted",
    "visit.recorded",
    "case.completed",
    "prereview.completed",
    "triage.routed",
    "task.started",
    "window.paused",
)
SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("local_at", pa.timestamp("us")),
        ("type", pa.string()),
        ("queue", pa.string()),
        ("window", pa.string()),
        ("matter", pa.string()),
        ("ticket", pa.string()),
        ("case", pa.string()),
        ("priority", pa.int32()),
        ("visit_seq", pa.int32()),
        ("at_window", pa.bool_()),
        ("first_visit", pa.bool_()),
        ("verdict", pa.string()),
        ("channel", pa.string()),
    ]
)


class CalibrationError(PlanningError):
    """Too little or unusable data to calibrate from; the message (Chinese) says what is missing."""


def table(rows: Iterable[tuple[Any, ...]], tz: tzinfo) -> pa.Table:
    """Arrow table from (at, type, queue, window, matter, ticket, case, data) rows in log order."""
    fields = [name for name in SCHEMA.names if name in engine.DATA_FIELDS]
    cols = engine.log_columns(rows, tz, ("queue", "window", "matter", "ticket", "case"), fields)
    return pa.Table.from_pydict(cols, schema=SCHEMA)


@dataclass(frozen=True)
class ServiceFit:
    """A matter's window service time: what was observed, and the lognormal fitted to it."""

    matter: str
    observed: np.ndarray  # minutes, sorted
    mu: float
    sigma: float
    ks: float  # Kolmogorov–Smirnov distance between the observed and the fitted distribution
    pooled_from: str = ""  # the queue whose times stand in when the matter has too few of its own

    @property
    def n(self) -> int:
        return int(self.observed.size)

    @property
    def mean(self) -> float:
        return float(self.observed.mean())

    @property
    def cv(self) -> float:
        return float(self.observed.std() / self.observed.mean()) if self.observed.mean() > 0 else 0.0

    @property
    def fitted_mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)


@dataclass(frozen=True)
class Group:
    """Windows that call from the same queues, with how many of them worked each half hour, by weekday."""

    code: str
    queues: tuple[str, ...]
    windows: tuple[str, ...]
    staffed: dict[int, np.ndarray]  # weekday → windows at work per half hour of the day (SLOTS_PER_DAY)


@dataclass(frozen=True)
class Calibration:
    start: str
    end: str
    tickets: int
    days: dict[int, int]  # weekday → days on which the hall issued tickets
    arrivals: dict[str, dict[int, np.ndarray]]  # queue → weekday → tickets per hour in each half hour
    priority_share: dict[str, float]
    matter_mix: dict[str, dict[str, float]]  # queue → matter → share of its tickets
    repeat_share: dict[str, float]  # queue → share of its acceptances that were a second or later visit
    patience: dict[str, float | None]  # queue → mean minutes before leaving (None: nobody left)
    no_show_share: dict[str, float]
    services: dict[str, ServiceFit]
    groups: tuple[Group, ...]
    channels: dict[str, float]  # triage channel → share
    completeness: float | None  # complete pre-reviews among first visits
    waits: dict[int, np.ndarray] = field(default_factory=dict)  # weekday → measured waits (issue → call), min
    no_show_minutes: dict[str, float] = field(default_factory=dict)  # queue → window time a 过号 call takes
    daily: dict[int, np.ndarray] = field(default_factory=dict)  # weekday → tickets issued on each of its days
    issued: dict[str, np.ndarray] = field(
        default_factory=dict
    )  # every ticket: day, dow, queue, priority, matter,
    # minute (of the local day); to replay the hall's own days
    wrapup: float = 0.0  # minutes between a completion at the window and the next call, when someone waited
    notes: tuple[str, ...] = field(default_factory=tuple)

    def measured(self, weekdays: Sequence[int]) -> tuple[float, float] | None:
        """Mean and P90 of the measured waits on these weekdays, to set the model's "today" against."""
        xs = np.concatenate([self.waits.get(d, np.empty(0)) for d in weekdays] or [np.empty(0)])
        return (float(xs.mean()), float(np.quantile(xs, 0.9))) if xs.size else None

    @property
    def queues(self) -> list[str]:
        return sorted(self.arrivals)

    def open_slots(self, weekdays: Sequence[int]) -> tuple[int, int]:
        """First and last half hour of the day (inclusive) with arrivals on these weekdays."""
        total = sum(self.rates(q, weekdays) for q in self.arrivals)
        busy = np.flatnonzero(total > 0)
        if busy.size == 0:
            days = "、".join(WEEKDAYS[d] for d in weekdays)
            raise CalibrationError(f"所选日期（{days}）没有取号记录，无法建模", field="weekday")
        return int(busy[0]), int(busy[-1])

    def rates(self, queue: str, weekdays: Sequence[int]) -> np.ndarray:
        """Tickets per hour in each half hour of the day, averaged over the given weekdays (by their days)."""
        return self._by_weekdays(self.arrivals[queue], weekdays)

    def staffed(self, group: Group, weekdays: Sequence[int]) -> np.ndarray:
        """Windows of the group at work in each half hour of the day, averaged the same way."""
        return self._by_weekdays(group.staffed, weekdays)

    def _by_weekdays(self, rows: dict[int, np.ndarray], weekdays: Sequence[int]) -> np.ndarray:
        seen = [d for d in weekdays if self.days.get(d)]
        if not seen:
            return np.zeros(SLOTS_PER_DAY)
        weights = np.array([self.days[d] for d in seen], dtype=float)
        values = np.array([rows.get(d, np.zeros(SLOTS_PER_DAY)) for d in seen])
        return (values * weights[:, None]).sum(axis=0) / weights.sum()

    @staticmethod
    def clock(slot: int) -> time:
        return time(slot * SLOT // 60, slot * SLOT % 60)


def _connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})


def calibrate(events: pa.Table, *, start: str = "", end: str = "") -> Calibration:
    """The hall model's parameters from its events (SCHEMA, in log order); see the module docstring."""
    con = _connect()
    con.register("ev", events)
    tickets = con.execute("SELECT count(*) FROM ev WHERE type = 'ticket.issued'").fetchone()[0]  # type: ignore[index]
    if tickets < MIN_TICKETS:
        raise CalibrationError(
            f"建模至少需要 {MIN_TICKETS} 张取号记录，所选时段只有 {tickets} 张；请选更长的时段", field="from"
        )
    daily: dict[int, list[int]] = defaultdict(list)
    for dow, n in con.execute("""
        SELECT isodow(local_at) - 1, count(*) FROM ev WHERE type = 'ticket.issued'
        GROUP BY CAST(local_at AS DATE), isodow(local_at) - 1 ORDER BY CAST(local_at AS DATE)""").fetchall():
        daily[dow].append(n)
    days = {dow: len(ns) for dow, ns in daily.items()}
    arrivals: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    for queue, dow, slot, n in con.execute(f"""
        SELECT queue, isodow(local_at) - 1, (hour(local_at) * 60 + minute(local_at)) // {SLOT}, count(*)
        FROM ev WHERE type = 'ticket.issued' GROUP BY ALL""").fetchall():
        row = arrivals[queue].setdefault(dow, np.zeros(SLOTS_PER_DAY))
        row[slot] = n * (60 / SLOT) / days[dow]
    per_queue = con.execute("""
        SELECT queue, count(*), avg(CASE WHEN priority > 0 THEN 1 ELSE 0 END)
        FROM ev WHERE type = 'ticket.issued' GROUP BY queue""").fetchall()
    priority_share = {q: float(p) for q, _, p in per_queue}
    matter_mix: dict[str, dict[str, float]] = defaultdict(dict)
    for queue, matter, share in con.execute("""
        SELECT queue, matter, count(*) / sum(count(*)) OVER (PARTITION BY queue)
        FROM ev WHERE type = 'ticket.issued' GROUP BY queue, matter ORDER BY queue, matter""").fetchall():
        matter_mix[queue][matter] = float(share)
    repeat_share = {
        q: float(r)
        for q, r in con.execute("""
        SELECT i.queue, avg(CASE WHEN a.visit_seq > 1 THEN 1 ELSE 0 END)
        FROM ev a JOIN ev i ON i.ticket = a.ticket AND i.type = 'ticket.issued'
        WHERE a.type IN ('case.accepted', 'visit.recorded') AND a.ticket <> ''
        GROUP BY i.queue""").fetchall()
    }
    patience, no_show_share = _patience(con)
    calls = _calls(con)
    if calls.at.size == 0:
        raise CalibrationError("所选时段没有叫号记录：无法得知各窗口服务哪些队列", field="from")
    closed = _closed(calls)
    time_ = _window_time(calls, closed)
    services, no_show_minutes, notes = _services(calls, time_, matter_mix)
    groups = _groups(calls, time_, closed, days, services)
    channels = dict(
        con.execute("""
        SELECT channel, count(*) / sum(count(*)) OVER () FROM ev WHERE type = 'triage.routed'
        GROUP BY channel ORDER BY channel""").fetchall()
    )
    (completeness,) = con.execute(f"""
        SELECT avg(CASE WHEN verdict = '{Verdict.COMPLETE}' THEN 1 ELSE 0 END) FROM ev
        WHERE type = 'prereview.completed' AND first_visit""").fetchone()  # type: ignore[misc]
    issued_rows = con.execute("""
        SELECT epoch(CAST(local_at AS DATE)) // 86400, isodow(local_at) - 1, queue, priority > 0, matter,
               epoch(local_at - date_trunc('day', local_at)) / 60
        FROM ev WHERE type = 'ticket.issued' ORDER BY seq""").fetchall()
    columns = list(zip(*issued_rows, strict=True))
    issued: dict[str, np.ndarray] = {
        name: np.array(col, dtype=kind)
        for name, col, kind in zip(
            ("day", "dow", "queue", "priority", "matter", "minute"),
            columns,
            (int, int, object, bool, object, float),
            strict=True,
        )
    }
    waits: dict[int, list[float]] = defaultdict(list)
    for dow, minutes in con.execute("""
        SELECT isodow(i.local_at) - 1, epoch(min(c."at") - i."at") / 60
        FROM ev i JOIN ev c ON c.ticket = i.ticket AND c.type = 'ticket.called'
        WHERE i.type = 'ticket.issued' GROUP BY i.ticket, i.local_at, i."at"
        HAVING min(c."at") >= i."at" """).fetchall():
        waits[dow].append(minutes)
    return Calibration(
        start=start,
        end=end,
        tickets=int(tickets),
        days={int(k): int(v) for k, v in days.items()},
        arrivals=dict(arrivals),
        priority_share=priority_share,
        matter_mix=dict(matter_mix),
        repeat_share=repeat_share,
        patience=patience,
        no_show_share=no_show_share,
        services=services,
        no_show_minutes=no_show_minutes,
        wrapup=time_.wrapup,
        groups=groups,
        channels={str(k): float(v) for k, v in channels.items()},
        completeness=None if completeness is None else float(completeness),
        notes=tuple(notes),
        waits={d: np.array(xs) for d, xs in waits.items()},
        daily={d: np.array(ns) for d, ns in daily.items()},
        issued=issued,
    )


def _patience(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, float | None], dict[str, float]]:
    rows = con.execute("""
        WITH first_call AS (
            SELECT ticket, min("at") AS called FROM ev WHERE type = 'ticket.called' GROUP BY ticket
        ), left_ AS (  -- 过号 and never back: neither re-queued at the desk nor called again afterwards
            SELECT DISTINCT n.ticket FROM ev n WHERE n.type = 'ticket.no_show' AND NOT EXISTS (
                SELECT 1 FROM ev b WHERE b.ticket = n.ticket AND b.type IN ('ticket.requeued', 'ticket.called')
                                     AND b.seq > n.seq)
        )
        SELECT i.queue, count(*) AS tickets, count(l.ticket) AS gone,
               sum(CASE WHEN c.called >= i."at" THEN epoch(c.called - i."at") / 60 ELSE 0 END) AS waited
        FROM ev i LEFT JOIN first_call c ON c.ticket = i.ticket LEFT JOIN left_ l ON l.ticket = i.ticket
        WHERE i.type = 'ticket.issued'
        GROUP BY i.queue""").fetchall()
    patience = {q: (float(w) / gone if gone else None) for q, _, gone, w in rows}
    return patience, {q: gone / n for q, n, gone, _ in rows}


@dataclass(frozen=True)
class _Calls:
    """Every window call of the period with what it led to, as arrays in (window, day, log) order.

    Times are minutes: `at` and the ends are minutes since local midnight of the call's day."""

    window: np.ndarray  # str
    queue: np.ndarray  # str
    matter: np.ndarray  # str
    dow: np.ndarray  # weekday of the call
    day: np.ndarray  # local day number (days since the epoch)
    at: np.ndarray
    next_call: np.ndarray  # the window's next call that day (NaN: none)
    waited: np.ndarray  # minutes the called visitor had waited since taking the ticket or re-queueing (NaN)
    paused: np.ndarray  # bool: the window paused between this call and its next
    accepted: np.ndarray  # bool: the call led to an acceptance (a case accepted, or a further visit recorded)
    done: np.ndarray  # completion at the window during this service (NaN: none)
    handed: np.ndarray  # the case left the window for the back office (its first task started later; NaN)
    no_show: np.ndarray  # 过号 during this call (NaN: none)


def _calls(con: duckdb.DuckDBPyConnection) -> _Calls:
    rows = con.execute(f"""
        WITH wev AS (  -- a window's calls and pauses, with the number of pauses so far that day
            SELECT "window", queue, matter, ticket, seq, "at", type, isodow(local_at) - 1 AS dow,
                   CAST(local_at AS DATE) AS day, epoch(local_at - date_trunc('day', local_at)) / 60 AS minute,
                   sum(CASE WHEN type = 'window.paused' THEN 1 ELSE 0 END)
                       OVER (PARTITION BY "window", CAST(local_at AS DATE) ORDER BY seq) AS pauses
            FROM ev WHERE type IN ('ticket.called', 'window.paused') AND "window" <> ''
        ), calls AS (
            SELECT *, lead(seq) OVER w AS next_seq, lead(ticket) OVER w AS next_ticket,
                   lead(minute) OVER w AS next_call, lead(pauses) OVER w - pauses AS paused
            FROM wev WHERE type = 'ticket.called'
            WINDOW w AS (PARTITION BY "window", day ORDER BY seq)
        ), after AS (  -- what the called ticket did during this call: up to the window's next call
            SELECT c.seq, bool_or(e.type IN ('case.accepted', 'visit.recorded')) AS accepted,
                   min(e."at") FILTER (WHERE e.type = 'case.completed' AND e.at_window) AS done,
                   min(e."at") FILTER (WHERE e.type = 'ticket.no_show') AS no_show,
                   min(e."at") FILTER (WHERE e.type IN ('case.accepted', 'visit.recorded')) AS accepted_at,
                   min(e."case") FILTER (WHERE e.type IN ('case.accepted', 'visit.recorded')) AS "case"
            FROM calls c JOIN ev e ON e.ticket = c.ticket AND e.seq > c.seq
                AND (c.next_seq IS NULL OR e.seq < c.next_seq) AND e."at" <= c."at" + INTERVAL {int(MAX_SERVICE_MINUTES)} MINUTE
                AND e.type IN ('case.accepted', 'visit.recorded', 'case.completed', 'ticket.no_show')
            GROUP BY c.seq
        ), handed AS (  -- 移交后台: the case's first task starts when the window hands it over
            SELECT c.seq, min(t."at") AS handed
            FROM calls c JOIN after a ON a.seq = c.seq JOIN ev t ON t.type = 'task.started' AND t."case" = a."case"
                AND t."at" > a.accepted_at AND (c.next_seq IS NULL OR t.seq < c.next_seq)
                AND t."at" <= c."at" + INTERVAL {int(MAX_SERVICE_MINUTES)} MINUTE
            GROUP BY c.seq
        ), entered AS (  -- when the called visitor joined the queue (took the ticket, or was re-queued)
            SELECT c.seq, max(e."at") AS entered
            FROM calls c JOIN ev e ON e.ticket = c.ticket AND e.seq < c.seq
                AND e.type IN ('ticket.issued', 'ticket.requeued')
            GROUP BY c.seq
        )
        SELECT c."window", c.queue, c.matter, c.dow, epoch(c.day) // 86400, c.minute, c.next_call,
               epoch(c."at" - n.entered) / 60, coalesce(c.paused, 0) > 0,
               coalesce(a.accepted, false), c.minute + epoch(a.done - c."at") / 60,
               c.minute + epoch(h.handed - c."at") / 60, c.minute + epoch(a.no_show - c."at") / 60
        FROM calls c LEFT JOIN after a ON a.seq = c.seq LEFT JOIN handed h ON h.seq = c.seq
            LEFT JOIN entered n ON n.seq = c.seq
        ORDER BY c."window", c.day, c.seq""").fetchall()
    cols = list(zip(*rows, strict=True)) if rows else [()] * 13

    def num(i: int) -> np.ndarray:
        return np.array([np.nan if v is None else float(v) for v in cols[i]], dtype=float)

    return _Calls(
        window=np.array(cols[0], dtype=object),
        queue=np.array(cols[1], dtype=object),
        matter=np.array(cols[2], dtype=object),
        dow=np.array(cols[3], dtype=int),
        day=np.array(cols[4], dtype=int),
        at=num(5),
        next_call=num(6),
        waited=num(7),
        paused=np.array(cols[8], dtype=bool),
        accepted=np.array(cols[9], dtype=bool),
        done=num(10),
        handed=num(11),
        no_show=num(12),
    )


@dataclass(frozen=True)
class _WindowTime:
    busy: np.ndarray  # bool per call: the window called its next visitor as soon as it was free
    linked: (
        np.ndarray
    )  # bool per call: the window worked on until its next call (no pause, no closed half hour)
    wrapup: float  # minutes from a completion to the next call when a visitor was waiting
    end: np.ndarray  # minutes since midnight: when the window was free again after each call (NaN: unknown)


def _window_time(calls: _Calls, closed: np.ndarray) -> _WindowTime:
    """When each call's window time ended.

    A window that is free calls the next visitor at once; so when the visitor it called next had already
    waited BUSY_WAIT minutes, the window was busy until that call, provided the window worked in between (no
    pause, no closed half hour of the hall). Otherwise the end is the completion at the window, the hand-over
    to the back office or the 过号, plus the wrap-up that busy windows show between a completion and their next
    call; else it is unknown.
    """
    with np.errstate(invalid="ignore"):
        slot_at = np.floor(calls.at / SLOT).astype(int)
        slot_next = np.floor(np.nan_to_num(calls.next_call, nan=-1) / SLOT).astype(int)
        shut = np.concatenate([[0], np.cumsum(closed)])  # closed half hours before each slot
        crosses = (
            shut[np.clip(slot_next, 0, SLOTS_PER_DAY)] - shut[np.clip(slot_at + 1, 0, SLOTS_PER_DAY)] > 0
        )
        linked = ~np.isnan(calls.next_call) & ~calls.paused & ~crosses
        next_waited = np.where(
            linked, np.roll(calls.waited, -1), np.nan
        )  # linked: the next row is the next call
        busy = linked & (next_waited >= BUSY_WAIT)
        gaps = calls.next_call - calls.done
        ok = busy & (gaps >= 0) & (gaps <= MAX_WRAPUP)
    wrapup = float(gaps[ok].mean()) if ok.any() else 0.0
    known = np.fmin(np.fmin(calls.done, calls.handed), calls.no_show) + wrapup
    end = np.where(busy, calls.next_call, known)
    return _WindowTime(busy=busy, linked=linked, wrapup=wrapup, end=end)


def _services(
    calls: _Calls, time_: _WindowTime, matter_mix: dict[str, dict[str, float]]
) -> tuple[dict[str, ServiceFit], dict[str, float], list[str]]:
    """Window time per matter (fitted), per queue the window time a 过号 costs, and notes on borrowed samples:
    a matter with fewer than MIN_SERVICES timed services takes its queue's, and a queue with fewer than
    MIN_FEW the hall's."""
    minutes = time_.end - calls.at
    usable = (minutes > 0) & (minutes <= MAX_SERVICE_MINUTES)
    by_matter: dict[str, list[float]] = defaultdict(list)
    for matter, x in zip(
        calls.matter[usable & calls.accepted], minutes[usable & calls.accepted], strict=True
    ):
        by_matter[matter].append(float(x))
    missed = usable & ~calls.accepted & ~np.isnan(calls.no_show)
    no_show: dict[str, float] = {}
    for queue in set(calls.queue[missed]):
        no_show[str(queue)] = float(minutes[missed & (calls.queue == queue)].mean())
    queue_of = {m: q for q, mix in matter_mix.items() for m in mix}
    pooled: dict[str, list[float]] = defaultdict(list)
    for matter, xs in by_matter.items():
        pooled[queue_of.get(matter, "")].extend(xs)
    hall = [x for xs in by_matter.values() for x in xs]
    out, notes = {}, []
    for queue, mix in matter_mix.items():
        mine = pooled.get(queue, [])
        for matter in mix:
            own = by_matter.get(matter, [])
            if len(own) >= MIN_SERVICES:
                out[matter] = fit(matter, own)
            elif len(mine) >= MIN_FEW:
                out[matter] = fit(matter, mine, pooled_from=queue)
                notes.append(
                    f"事项 {matter} 的办理时长样本不足 {MIN_SERVICES} 个，借用队列 {queue} 的合并样本"
                    + (f"（只有 {len(mine)} 个，误差较大）" if len(mine) < MIN_SERVICES else "")
                )
            elif len(hall) >= MIN_SERVICES:
                out[matter] = fit(matter, hall, pooled_from="全厅")
                notes.append(
                    f"队列 {queue} 只有 {len(mine)} 个可计时的办理：事项 {matter} 借用全厅的办理时长"
                )
            else:
                raise CalibrationError(
                    f"全厅只有 {len(hall)} 个可计时的办理（至少需要 {MIN_SERVICES} 个）：无法估计办理时长；请选更长的时段",
                    field="from",
                )
    return out, no_show, notes


def fit(matter: str, minutes: Sequence[float], pooled_from: str = "") -> ServiceFit:
    """Lognormal by maximum likelihood (the mean and deviation of the logs) and its KS distance."""
    x = np.sort(np.asarray(minutes, dtype=float))
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std())
    if sigma > 0:
        z = (logs - mu) / (sigma * math.sqrt(2))
        cdf = 0.5 * (1 + np.array([math.erf(v) for v in z]))
        n = x.size
        ks = float(max((np.arange(1, n + 1) / n - cdf).max(), (cdf - np.arange(n) / n).max()))
    else:
        ks = 0.0
    return ServiceFit(matter, x, mu, sigma, ks, pooled_from)


def _closed(calls: _Calls) -> np.ndarray:
    """Half hours of the day in which the hall hardly ever called anyone (lunch, night): the windows were not
    at work then, so no window time or working stretch runs across them."""
    days = np.unique(calls.day).size
    slot = np.floor(calls.at / SLOT).astype(int)
    called = np.zeros(SLOTS_PER_DAY)
    for k in range(SLOTS_PER_DAY):
        called[k] = np.unique(calls.day[slot == k]).size
    return called < CLOSED_SHARE * max(days, 1)


def _groups(
    calls: _Calls,
    time_: _WindowTime,
    closed: np.ndarray,
    days: dict[int, int],
    services: dict[str, ServiceFit],
) -> tuple[Group, ...]:
    """Windows calling the same queues form a group, and how many of them were at work in each half hour.

    A window works in stretches: from a call through the calls that follow without a pause or a closed half
    hour between them, to the end of the last one's window time. A window idle at the start or the end of one
    of the hall's sessions (a run of open half hours: the morning, the afternoon) was still there when nobody
    it could have called was waiting meanwhile: its first stretch then starts when the session opens (the half
    hour of the hall's first call) and its last ends when it closes (the half hour of the hall's last call).
    It is at work in a half hour of a day when its stretches cover at least half of it, never in a closed half
    hour (a service running into lunch does not open the window for new visitors). Where a call's end is
    not known (the last of the day, handed to the back office), it is taken to last its matter's median.
    """
    served: dict[str, set[str]] = defaultdict(set)
    for window, queue in set(zip(calls.window, calls.queue, strict=True)):
        if queue:
            served[window].add(queue)
    if not served:
        raise CalibrationError("所选时段没有叫号记录：无法得知各窗口服务哪些队列", field="from")
    spent = time_.end - calls.at
    overall = float(np.nanmedian(spent)) if np.isfinite(spent).any() else float(SLOT)
    median = {m: float(np.median(f.observed)) for m, f in services.items()}
    typical = np.array([median.get(m, overall) for m in calls.matter], dtype=float)
    end = np.where(np.isnan(time_.end), calls.at + typical, time_.end)
    run = np.cumsum(
        closed
    )  # the session (run of open half hours) a slot belongs to, by the closed ones before
    slot = np.clip(np.floor(calls.at / SLOT).astype(int), 0, SLOTS_PER_DAY - 1)
    session = run[slot]
    opens: dict[tuple[int, int], float] = {}  # (day, session) → when the hall's session opened and closed
    closes: dict[tuple[int, int], float] = {}
    for d, r, k in zip(calls.day, session, slot, strict=True):
        key = (int(d), int(r))
        opens[key] = min(opens.get(key, math.inf), k * SLOT)
        closes[key] = max(closes.get(key, -math.inf), (k + 1) * SLOT)
    waiting = (calls.waited >= BUSY_WAIT) & ~np.isnan(calls.waited)  # someone waited for a call: [from, to]
    wait_day, wait_queue = calls.day[waiting], calls.queue[waiting]
    wait_from, wait_to = calls.at[waiting] - calls.waited[waiting], calls.at[waiting]

    def nobody_waited(day: int, queues: set[str], a: float, b: float) -> bool:
        mine = (wait_day == day) & np.isin(wait_queue, list(queues))
        overlap = np.minimum(wait_to[mine], b) - np.maximum(wait_from[mine], a)
        return not bool((overlap >= BUSY_WAIT).any())

    worked: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    edges = np.arange(SLOTS_PER_DAY + 1) * SLOT
    n = calls.at.size
    i = 0
    while i < n:  # one window-day at a time
        j = i
        while j + 1 < n and calls.window[j + 1] == calls.window[i] and calls.day[j + 1] == calls.day[i]:
            j += 1
        window, day = calls.window[i], int(calls.day[i])
        stretches: list[list[float]] = []
        begin, finish = calls.at[i], end[i]
        for k in range(i, j + 1):
            finish = max(finish, end[k])
            if k == j or not time_.linked[k]:
                stretches.append([begin, finish, int(session[k])])
                if k < j:
                    begin, finish = calls.at[k + 1], end[k + 1]
        for s, stretch in enumerate(stretches):
            key = (day, stretch[2])  # type: ignore[assignment]
            first = s == 0 or stretches[s - 1][2] != stretch[2]  # the window's first stretch of the session
            last = s == len(stretches) - 1 or stretches[s + 1][2] != stretch[2]  # and its last
            if first and nobody_waited(day, served[window], opens[key], stretch[0]):
                stretch[0] = min(stretch[0], opens[key])
            if last and nobody_waited(day, served[window], stretch[1], closes[key]):
                stretch[1] = max(stretch[1], closes[key])
        covered = np.zeros(SLOTS_PER_DAY)
        for a, b, _ in stretches:
            covered += np.clip(np.minimum(edges[1:], b) - np.maximum(edges[:-1], a), 0, SLOT)
        covered[closed] = 0  # a service running into lunch does not open the window for new visitors there
        row = worked[window].setdefault(int(calls.dow[i]), np.zeros(SLOTS_PER_DAY))
        row += covered >= SLOT / 2
        i = j + 1
    members: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for window, called in sorted(served.items()):
        members[tuple(sorted(called))].append(window)
    groups = []
    for queues, windows in sorted(members.items()):
        staffed = {
            dow: sum((worked[w].get(dow, np.zeros(SLOTS_PER_DAY)) for w in windows), np.zeros(SLOTS_PER_DAY))
            / n_days
            for dow, n_days in days.items()
        }
        code = windows[0] if len(windows) == 1 else f"{windows[0]}…{windows[-1]}"
        groups.append(Group(code=code, queues=queues, windows=tuple(windows), staffed=staffed))
    return tuple(groups)
