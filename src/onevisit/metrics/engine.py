"""The indicators as DuckDB queries over the event log loaded as Arrow (issue 7's engine, first part).

One query per indicator family, each grouping its facts by any of the dimensions, so the same definitions serve
the day page, the weekly review and the 10-million-event benchmark. The definitions follow formulas.py (the
plain-Python reference the tests compare against) exactly:

- accepted, one_visit_rate: cases whose first acceptance is in the log; on the spot = completed in the same
  visit, on the same local day as that first acceptance (the case's last completion counts).
- mean_handling_seconds: ticket's last call → completion at the window (back-office completions excluded).
- duplicate_entries: field.entered events with duplicate = true.
- mean_round_trips: visits per completed case, over completions that say how many visits they took.
- mean_wait_seconds, p90_wait_seconds: ticket issued → its first call. no_shows: ticket.no_show events.
- second_visit_ratio: of the accepted cases, those with a visit numbered 2 or more (acceptance or visit.recorded).
- return_rate: of the accepted cases, those with a case.returned event. joint_2/3/4_plus: accepted cases
  whose first acceptance took 2, 3, 4 or more matters together (联办).
- completeness_at_first_visit: of the pre-reviews of first visits, those whose verdict was complete.
- online_share, self_service_share: of the triage decisions, those routed to assisted online / self-service.
- consultations: consultation.recorded events. mean_verification_seconds: verification started → finished
  (cross-department, reported apart from handling time).
- throughput_per_window_hour: completions at the window ÷ window-hours worked, a window-hour being a
  (window, local day, hour) in which that window called at least one ticket.

Dimensions: hall, window, matter, day (local date), hour (local hour). A fact takes its dimension values from
the event that makes it (the acceptance for one-visit, the completion for handling time and trips, the
ticket's issue for waiting time — so waiting has no window —, …).
DuckDB runs in-process with extension auto-install switched off: nothing is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import Any

import duckdb
import pyarrow as pa

DIMENSIONS = ("hall", "window", "matter", "day", "hour")
METRICS = (
    "accepted",
    "completed_on_the_spot",
    "one_visit_rate",
    "handled",
    "mean_handling_seconds",
    "duplicate_entries",
    "completed_with_visits",
    "mean_round_trips",
    "waited",
    "mean_wait_seconds",
    "p90_wait_seconds",
    "no_shows",
    "second_visit_cases",
    "second_visit_ratio",
    "returned_cases",
    "return_rate",
    "joint_2",
    "joint_3",
    "joint_4_plus",
    "first_visit_prereviews",
    "complete_at_first_visit",
    "completeness_at_first_visit",
    "triaged",
    "online_share",
    "self_service_share",
    "consultations",
    "verifications",
    "mean_verification_seconds",
    "completed_at_window",
    "window_hours",
    "throughput_per_window_hour",
)
EVENT_TYPES = (
    "ticket.issued",
    "ticket.called",
    "ticket.no_show",
    "case.accepted",
    "case.completed",
    "field.entered",
    "visit.recorded",
    "case.returned",
    "prereview.completed",
    "triage.routed",
    "consultation.recorded",
    "verification.started",
    "verification.finished",
)

SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("local_at", pa.timestamp("us")),
        ("type", pa.string()),
        ("hall", pa.string()),
        ("window", pa.string()),
        ("matter", pa.string()),
        ("bundle", pa.string()),
        ("case", pa.string()),
        ("ticket", pa.string()),
        ("visit", pa.string()),
        ("duplicate", pa.bool_()),
        ("at_window", pa.bool_()),
        ("visits", pa.int32()),
        ("visit_seq", pa.int32()),
        ("n_matters", pa.int32()),
        ("verdict", pa.string()),
        ("first_visit", pa.bool_()),
        ("channel", pa.string()),
        ("ref", pa.string()),
    ]
)


class UnknownName(ValueError):
    """An unknown dimension or metric: the message names it and lists the known ones."""


def events_table(rows: Iterable[tuple[Any, ...]], tz: tzinfo) -> pa.Table:
    """Arrow table of events from (at, type, hall, window, matter, bundle, case, ticket, visit, data) rows, in
    log order; the data fields the indicators use become columns."""
    cols: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for seq, (at, type_, hall, window, matter, bundle, case, ticket, visit, data) in enumerate(rows):
        data = data or {}
        cols["seq"].append(seq)
        cols["at"].append(at)
        cols["local_at"].append(at.astimezone(tz).replace(tzinfo=None))
        cols["type"].append(type_)
        cols["hall"].append(hall or "")
        cols["window"].append(window or "")
        cols["matter"].append(matter or "")
        cols["bundle"].append(bundle or "")
        cols["case"].append(case or "")
        cols["ticket"].append(ticket or "")
        cols["visit"].append(visit or "")
        cols["duplicate"].append(bool(data.get("duplicate")))
        cols["at_window"].append(bool(data.get("at_window", True)))
        cols["visits"].append(int(data.get("visits") or 0))
        cols["visit_seq"].append(int(data.get("visit_seq") or 0))
        cols["n_matters"].append(len(data.get("matters") or ()) if type_ == "case.accepted" else 0)
        cols["verdict"].append(str(data.get("verdict") or ""))
        cols["first_visit"].append(bool(data.get("first_visit")))
        cols["channel"].append(str(data.get("channel") or ""))
        cols["ref"].append(str(data.get("verification") or ""))
    return pa.Table.from_pydict(cols, schema=SCHEMA)


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET threads TO 2")
    return con


def _dim_expr(dim: str, alias: str) -> str:
    if dim == "day":
        return f"CAST({alias}.local_at AS DATE)"
    if dim == "hour":
        return f"EXTRACT(hour FROM {alias}.local_at)::INTEGER"
    return f'{alias}."{dim}"'


def check_names(dims: Sequence[str], metrics: Sequence[str] | None = None) -> None:
    for d in dims:
        if d not in DIMENSIONS:
            raise UnknownName(f"未知维度 {d!r}；可选：{', '.join(DIMENSIONS)}")
    for m in metrics or ():
        if m not in METRICS:
            raise UnknownName(f"未知指标 {m!r}；可选：{', '.join(METRICS)}")


def compute(events: pa.Table, dims: Sequence[str] = ()) -> pa.Table:
    """Every metric, grouped by the dimensions (none: the whole log). One row per group that has any fact."""
    check_names(dims)
    con = _connect()
    con.register("ev", events)
    keys = list(dims)

    def group(alias: str) -> tuple[str, str]:
        select = ", ".join(f'{_dim_expr(d, alias)} AS "{d}"' for d in keys)
        return (select + ", " if select else ""), (
            f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
        )

    parts = []
    sel, grp = group("a")
    parts.append(f"""
        WITH first_acc AS (
            SELECT "case", min_by(seq, seq) AS seq FROM ev WHERE type = 'case.accepted' GROUP BY "case"
        ), last_done AS (
            SELECT "case", max_by(seq, seq) AS seq FROM ev WHERE type = 'case.completed' GROUP BY "case"
        ), trips AS (
            SELECT "case", max(visit_seq) AS most FROM ev
            WHERE type IN ('case.accepted', 'visit.recorded') GROUP BY "case"
        ), returned AS (
            SELECT DISTINCT "case" FROM ev WHERE type = 'case.returned'
        )
        SELECT {sel} count(*) AS accepted,
               count(*) FILTER (WHERE d.seq IS NOT NULL AND d.visit = a.visit
                                AND CAST(d.local_at AS DATE) = CAST(a.local_at AS DATE)) AS completed_on_the_spot,
               count(*) FILTER (WHERE t.most > 1) AS second_visit_cases,
               count(r."case") AS returned_cases,
               count(*) FILTER (WHERE a.n_matters = 2) AS joint_2,
               count(*) FILTER (WHERE a.n_matters = 3) AS joint_3,
               count(*) FILTER (WHERE a.n_matters >= 4) AS joint_4_plus
        FROM first_acc f JOIN ev a ON a.seq = f.seq
        LEFT JOIN last_done l ON l."case" = f."case" LEFT JOIN ev d ON d.seq = l.seq
        LEFT JOIN trips t ON t."case" = f."case" LEFT JOIN returned r ON r."case" = f."case"
        {grp}""")
    sel, grp = group("d")
    parts.append(f"""
        WITH calls AS (SELECT seq, ticket, "at" FROM ev WHERE type = 'ticket.called'),
        done AS (
            SELECT d.*, (SELECT max(c.seq) FROM calls c WHERE c.ticket = d.ticket AND c.seq < d.seq) AS call_seq
            FROM ev d WHERE d.type = 'case.completed'
        )
        SELECT {sel}
               count(*) FILTER (WHERE d.at_window AND c.seq IS NOT NULL AND c."at" <= d."at") AS handled,
               avg((epoch_us(d."at") - epoch_us(c."at")) / 1e6) FILTER (WHERE d.at_window AND c.seq IS NOT NULL AND c."at" <= d."at")
                   AS mean_handling_seconds,
               count(*) FILTER (WHERE d.visits > 0) AS completed_with_visits,
               count(*) FILTER (WHERE d.at_window) AS completed_at_window,
               avg(d.visits) FILTER (WHERE d.visits > 0) AS mean_round_trips
        FROM done d LEFT JOIN calls c ON c.seq = d.call_seq
        {grp}""")
    sel, grp = group("e")
    parts.append(f"""
        SELECT {sel} count(*) FILTER (WHERE e.type = 'field.entered' AND e.duplicate) AS duplicate_entries,
               count(*) FILTER (WHERE e.type = 'ticket.no_show') AS no_shows
        FROM ev e WHERE e.type IN ('field.entered', 'ticket.no_show')
        {grp}""")
    sel, grp = group("i")
    parts.append(f"""
        WITH first_call AS (
            SELECT ticket, min_by(seq, seq) AS seq FROM ev WHERE type = 'ticket.called' GROUP BY ticket
        )
        SELECT {sel} count(*) AS waited, avg((epoch_us(c."at") - epoch_us(i."at")) / 1e6) AS mean_wait_seconds,
               quantile_cont((epoch_us(c."at") - epoch_us(i."at")) / 1e6, 0.9) AS p90_wait_seconds
        FROM ev i JOIN first_call f ON f.ticket = i.ticket JOIN ev c ON c.seq = f.seq
        WHERE i.type = 'ticket.issued' AND c."at" >= i."at"
        {grp}""")
    sel, grp = group("p")
    parts.append(f"""
        SELECT {sel}
               count(*) FILTER (WHERE p.type = 'prereview.completed' AND p.first_visit) AS first_visit_prereviews,
               count(*) FILTER (WHERE p.type = 'prereview.completed' AND p.first_visit AND p.verdict = 'complete')
                   AS complete_at_first_visit,
               count(*) FILTER (WHERE p.type = 'triage.routed') AS triaged,
               count(*) FILTER (WHERE p.type = 'triage.routed' AND p.channel = 'online_assisted') AS routed_online,
               count(*) FILTER (WHERE p.type = 'triage.routed' AND p.channel = 'self_service') AS routed_self_service,
               count(*) FILTER (WHERE p.type = 'consultation.recorded') AS consultations
        FROM ev p WHERE p.type IN ('prereview.completed', 'triage.routed', 'consultation.recorded')
        {grp}""")
    sel, grp = group("s")
    parts.append(f"""
        WITH finished AS (
            SELECT ref, min_by("at", seq) AS "at" FROM ev WHERE type = 'verification.finished' GROUP BY ref
        )
        SELECT {sel} count(*) AS verifications,
               avg((epoch_us(f."at") - epoch_us(s."at")) / 1e6) AS mean_verification_seconds
        FROM ev s JOIN finished f ON f.ref = s.ref
        WHERE s.type = 'verification.started' AND s.ref <> '' AND f."at" >= s."at"
        {grp}""")
    sel, grp = group("w")
    parts.append(f"""
        SELECT {sel} count(DISTINCT (w."window", CAST(w.local_at AS DATE), EXTRACT(hour FROM w.local_at)))
                   AS window_hours
        FROM ev w WHERE w.type = 'ticket.called'
        {grp}""")
    frames = [con.sql(sql).to_arrow_table() for sql in parts]
    return _merge(con, frames, keys)


def _merge(con: duckdb.DuckDBPyConnection, frames: list[pa.Table], keys: list[str]) -> pa.Table:
    for i, frame in enumerate(frames):
        con.register(f"f{i}", frame)
    if keys:
        all_keys = " UNION ".join(
            f"SELECT {', '.join(chr(34) + k + chr(34) for k in keys)} FROM f{i}" for i in range(len(frames))
        )
        joins = " ".join(
            f"LEFT JOIN f{i} USING ({', '.join(chr(34) + k + chr(34) for k in keys)})"
            for i in range(len(frames))
        )
        base = f"FROM ({all_keys}) k {joins}"
        order = "ORDER BY " + ", ".join(f'"{k}"' for k in keys)
        head = ", ".join(f'k."{k}"' for k in keys) + ", "
    else:
        base = "FROM " + ", ".join(f"f{i}" for i in range(len(frames)))
        order, head = "", ""
    zero = "coalesce({}, 0)"
    cols = {
        "accepted": zero.format("accepted"),
        "completed_on_the_spot": zero.format("completed_on_the_spot"),
        "one_visit_rate": "CASE WHEN coalesce(accepted, 0) > 0 THEN completed_on_the_spot / accepted END",
        "handled": zero.format("handled"),
        "mean_handling_seconds": "mean_handling_seconds",
        "duplicate_entries": zero.format("duplicate_entries"),
        "completed_with_visits": zero.format("completed_with_visits"),
        "mean_round_trips": "mean_round_trips",
        "waited": zero.format("waited"),
        "mean_wait_seconds": "mean_wait_seconds",
        "p90_wait_seconds": "p90_wait_seconds",
        "no_shows": zero.format("no_shows"),
        "second_visit_cases": zero.format("second_visit_cases"),
        "second_visit_ratio": "CASE WHEN coalesce(accepted, 0) > 0 THEN second_visit_cases / accepted END",
        "returned_cases": zero.format("returned_cases"),
        "return_rate": "CASE WHEN coalesce(accepted, 0) > 0 THEN returned_cases / accepted END",
        "joint_2": zero.format("joint_2"),
        "joint_3": zero.format("joint_3"),
        "joint_4_plus": zero.format("joint_4_plus"),
        "first_visit_prereviews": zero.format("first_visit_prereviews"),
        "complete_at_first_visit": zero.format("complete_at_first_visit"),
        "completeness_at_first_visit": "CASE WHEN coalesce(first_visit_prereviews, 0) > 0"
        " THEN complete_at_first_visit / first_visit_prereviews END",
        "triaged": zero.format("triaged"),
        "online_share": "CASE WHEN coalesce(triaged, 0) > 0 THEN routed_online / triaged END",
        "self_service_share": "CASE WHEN coalesce(triaged, 0) > 0 THEN routed_self_service / triaged END",
        "consultations": zero.format("consultations"),
        "verifications": zero.format("verifications"),
        "mean_verification_seconds": "mean_verification_seconds",
        "completed_at_window": zero.format("completed_at_window"),
        "window_hours": zero.format("window_hours"),
        "throughput_per_window_hour": "CASE WHEN coalesce(window_hours, 0) > 0"
        " THEN coalesce(completed_at_window, 0) / window_hours END",
    }
    select = head + ", ".join(f"{expr} AS {name}" for name, expr in cols.items())
    if not keys:
        # Each part has exactly one row without grouping (aggregates over nothing give one row of nulls/zeros).
        return con.sql(f"SELECT {select} {base}").to_arrow_table()
    return con.sql(f"SELECT {select} {base} {order}").to_arrow_table()
