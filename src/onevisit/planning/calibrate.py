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
- service time per matter: from a call that led to an acceptance to the end of that service at the window —
  the completion at the window, else the window's next call if the next visitor was already waiting then (a
  busy window calls again as soon as it is free; when it may have stood idle the end is unknown and the
  service is left out); kept as observed (empirical
  distribution) and fitted (lognormal by maximum likelihood, with the Kolmogorov–Smirnov distance between the
  two); a matter with fewer than MIN_SERVICES observations borrows its queue's pooled times;
- windows: which queues each window called from (windows calling the same queues form a group), and how many
  windows of each group called at least once in each half hour, by weekday (today's staffing);
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

from onevisit.metrics import engine
from onevisit.planning.erlang import PlanningError
from onevisit.planning.sim import SLOT

MIN_TICKETS = 200
MIN_SERVICES = 20
MAX_SERVICE_MINUTES = 240.0  # a longer "service" is a window left open, not a visitor served
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
    tickets = con.execute("SELECT count(*) FROM ev WHERE type = 'ticket.issued'").fetchone()[0]
    if tickets < MIN_TICKETS:
        raise CalibrationError(
            f"建模至少需要 {MIN_TICKETS} 张取号记录，所选时段只有 {tickets} 张；请选更长的时段", field="from"
        )
    days = dict(
        con.execute("""
        SELECT dow, count(*) FROM (
            SELECT DISTINCT CAST(local_at AS DATE) AS day, isodow(local_at) - 1 AS dow
            FROM ev WHERE type = 'ticket.issued')
        GROUP BY dow""").fetchall()
    )
    arrivals: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    for queue, dow, slot, n in con.execute(f"""
        SELECT queue, isodow(local_at) - 1, (hour(local_at) * 60 + minute(local_at)) // {SLOT}, count(*)
        FROM ev WHERE type = 'ticket.issued' GROUP BY ALL""").fetchall():
        row = arrivals[queue].setdefault(dow, np.zeros(SLOTS_PER_DAY))
        row[slot] = n * (60 / SLOT) / days[dow]
    issued = con.execute("""
        SELECT queue, count(*), avg(CASE WHEN priority > 0 THEN 1 ELSE 0 END)
        FROM ev WHERE type = 'ticket.issued' GROUP BY queue""").fetchall()
    priority_share = {q: float(p) for q, _, p in issued}
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
    services = _services(con, matter_mix)
    groups = _groups(con, days)
    channels = dict(
        con.execute("""
        SELECT channel, count(*) / sum(count(*)) OVER () FROM ev WHERE type = 'triage.routed'
        GROUP BY channel ORDER BY channel""").fetchall()
    )
    (completeness,) = con.execute("""
        SELECT avg(CASE WHEN verdict = 'complete' THEN 1 ELSE 0 END) FROM ev
        WHERE type = 'prereview.completed' AND first_visit""").fetchone()
    waits: dict[int, list[float]] = defaultdict(list)
    for dow, minutes in con.execute("""
        SELECT isodow(i.local_at) - 1, epoch(min(c."at") - i."at") / 60
        FROM ev i JOIN ev c ON c.ticket = i.ticket AND c.type = 'ticket.called'
        WHERE i.type = 'ticket.issued' GROUP BY i.ticket, i.local_at, i."at"
        HAVING min(c."at") >= i."at" """).fetchall():
        waits[dow].append(minutes)
    notes = []
    for matter, fit in services.items():
        if fit.pooled_from:
            notes.append(
                f"事项 {matter} 的办理时长样本不足 {MIN_SERVICES} 个，借用队列 {fit.pooled_from} 的合并样本"
            )
    return Calibration(
        start=start, end=end, tickets=int(tickets), days={int(k): int(v) for k, v in days.items()},
        arrivals=dict(arrivals), priority_share=priority_share, matter_mix=dict(matter_mix),
        repeat_share=repeat_share, patience=patience, no_show_share=no_show_share, services=services,
        groups=groups, channels={str(k): float(v) for k, v in channels.items()},
        completeness=None if completeness is None else float(completeness), notes=tuple(notes),
        waits={d: np.array(xs) for d, xs in waits.items()},
    )  # fmt: skip


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


def _services(
    con: duckdb.DuckDBPyConnection, matter_mix: dict[str, dict[str, float]]
) -> dict[str, ServiceFit]:
    rows = con.execute("""
        WITH issued AS (
            SELECT ticket, min("at") AS "at" FROM ev WHERE type = 'ticket.issued' GROUP BY ticket
        ), calls AS (
            SELECT ticket, "window", matter, "at", seq,
                   lead("at") OVER w AS next_call, lead(ticket) OVER w AS next_ticket
            FROM ev WHERE type = 'ticket.called' AND "window" <> ''
            WINDOW w AS (PARTITION BY "window", CAST(local_at AS DATE) ORDER BY seq)
        ), accepted AS (
            SELECT ticket, "at" FROM ev WHERE type IN ('case.accepted', 'visit.recorded') AND ticket <> ''
        ), done AS (
            SELECT ticket, "at" FROM ev WHERE type = 'case.completed' AND at_window AND ticket <> ''
        ), served AS (
            SELECT c.*, (SELECT min(d."at") FROM done d WHERE d.ticket = c.ticket AND d."at" >= c."at"
                         AND (c.next_call IS NULL OR d."at" <= c.next_call)) AS done_at,
                   i."at" AS next_issued
            FROM calls c LEFT JOIN issued i ON i.ticket = c.next_ticket
            WHERE EXISTS (SELECT 1 FROM accepted a WHERE a.ticket = c.ticket AND a."at" >= c."at"
                          AND (c.next_call IS NULL OR a."at" <= c.next_call))
        )
        -- the service ends at the completion at the window; else, when the next visitor was already waiting
        -- at this call, at the window's next call (a busy window calls again as soon as it is free); else
        -- the end is not known (the window may have been idle) and the service is left out
        SELECT matter, epoch(coalesce(done_at, CASE WHEN next_issued <= "at" THEN next_call END) - "at") / 60
        FROM served
        """).fetchall()
    by_matter: dict[str, list[float]] = defaultdict(list)
    for matter, minutes in rows:
        if minutes is not None and 0 < minutes <= MAX_SERVICE_MINUTES:
            by_matter[matter].append(float(minutes))
    queue_of = {m: q for q, mix in matter_mix.items() for m in mix}
    pooled: dict[str, list[float]] = defaultdict(list)
    for matter, xs in by_matter.items():
        pooled[queue_of.get(matter, "")].extend(xs)
    out = {}
    for queue, mix in matter_mix.items():
        for matter in mix:
            own = by_matter.get(matter, [])
            if len(own) >= MIN_SERVICES:
                out[matter] = fit(matter, own)
            elif len(pooled.get(queue, [])) >= MIN_SERVICES:
                out[matter] = fit(matter, pooled[queue], pooled_from=queue)
            else:
                raise CalibrationError(
                    f"队列 {queue} 只有 {len(pooled.get(queue, []))} 个可计时的办理（至少需要 {MIN_SERVICES} 个）："
                    "无法估计办理时长；请选更长的时段",
                    field="from",
                )
    return out


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


def _groups(con: duckdb.DuckDBPyConnection, days: dict[int, int]) -> tuple[Group, ...]:
    served: dict[str, set[str]] = defaultdict(set)
    for window, queue in con.execute("""
        SELECT DISTINCT "window", queue FROM ev WHERE type = 'ticket.called' AND "window" <> '' AND queue <> ''
        """).fetchall():
        served[window].add(queue)
    if not served:
        raise CalibrationError("所选时段没有叫号记录：无法得知各窗口服务哪些队列", field="from")
    members: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for window, queues in sorted(served.items()):
        members[tuple(sorted(queues))].append(window)
    active = con.execute(f"""
        SELECT "window", isodow(local_at) - 1 AS dow, (hour(local_at) * 60 + minute(local_at)) // {SLOT} AS slot,
               count(DISTINCT CAST(local_at AS DATE)) AS days
        FROM ev WHERE type = 'ticket.called' AND "window" <> '' GROUP BY ALL""").fetchall()
    worked: dict[str, dict[int, np.ndarray]] = defaultdict(dict)
    for window, dow, slot, n in active:
        row = worked[window].setdefault(dow, np.zeros(SLOTS_PER_DAY))
        row[slot] = n / days.get(dow, 1)
    groups = []
    for queues, windows in sorted(members.items()):
        staffed: dict[int, np.ndarray] = {}
        for dow in days:
            staffed[dow] = sum((worked[w].get(dow, np.zeros(SLOTS_PER_DAY)) for w in windows),
                               np.zeros(SLOTS_PER_DAY))  # fmt: skip
        code = windows[0] if len(windows) == 1 else f"{windows[0]}…{windows[-1]}"
        groups.append(Group(code=code, queues=queues, windows=tuple(windows), staffed=staffed))
    return tuple(groups)
