"""The indicators as DuckDB queries over the event log loaded as Arrow (issue 7's engine, first part).

One statement per call: a handful of scans of the log, each feeding one family of facts grouped by any of the
dimensions, so the same definitions serve the day page, the weekly review and the 10-million-event benchmark
(benchmarks/metrics_10m.py). reference.py computes every one again in plain Python for the tests. The pilot's
own words are in the comments (DESIGN.md §5, docs/metrics.md).

A service: a case's acceptance (case.accepted) or further visit (visit.recorded) at a window, until that window's
next call (ticket.called there after it) — the end of "that same service". A visit: its ticket's issue (else the
visit itself) until the end of its service, and never past the end of its local day.

- accepted, one_visit_rate (一次性办成率, 以事项为单位统计当日首次受理是否当场办结): cases whose first acceptance is
  in the log, counted where and when it happened; on the spot = a completion at the window (at_window) of the
  same visit, on the same local day, before the accepting window's next call. A back-office completion, or one
  after the window called someone else, is not on the spot.
- mean_handling_seconds: ticket's last call → completion at the window (back-office completions excluded).
- duplicate_entries: field.entered events with duplicate = true.
- mean_round_trips (群众往返次数, 从受理到完成的到访次数): per completed case, the visits its completion counts less
  each visit that was the same visit as another: one whose ticket was taken, on the same day, while an earlier-
  taken visit's ticket still waited or was being served (seen in the log; at least 1); over completions that say
  how many visits they took. Supplying a material online or by mail records no visit.
- mean_wait_seconds, p90_wait_seconds: ticket issued → its first call. no_shows: ticket.no_show events.
- second_visit_ratio: of the accepted cases, those with two or more distinct visits in the log (the same rule).
- return_rate: of the accepted cases, those with a case.returned event. joint_2/3/4_plus: accepted cases
  whose first acceptance took 2, 3, 4 or more matters together (联办).
- completeness_at_first_visit: of the pre-reviews of first visits, those whose verdict was complete.
- prereviews, not_applicable_prereviews, not_applicable_share: pre-reviews completed; those in which staff
  marked a material not applicable (material.not_applicable, counted once per pre-review), and their share.
- online_share, self_service_share: of the triage decisions, those routed to assisted online / self-service.
- consultations: consultation.recorded events. mean_verification_seconds: verification started → finished
  (cross-department, reported apart from handling time).
- throughput_per_window_hour (窗口每小时办件量, target 10–12): served_to_end ÷ window_hours, empty under half an
  hour staffed (indicators.MIN_STAFFED_HOURS: two cases in minutes are no rate). served_to_end: the
  services with a ticket that ended at the window — the case completed at the window, or handed to the back
  office (its first task.started) — before the window's next call and on the same day; counted at the service's
  window and matter, at the hour it ended. window_hours: staffed hours (signed in, not paused) per window: from
  each of its marks (window.signed_in/signed_out/paused/resumed, and its calls, no-shows, acceptances, visits and
  completions at the window) to its next mark on the same local day, unless the mark is a sign-out or the window
  is paused (its latest pause not yet resumed). A window that works without signing in (a session kept from
  another day) is staffed from its first action; a day without a sign-out ends at its last mark. Staffed time
  belongs to a window, not to a matter or bundle (those are blank for it).
- outliers (样本外的极端案例): a case is an outlier when one of its timed completions took longer than its
  matter's `OutlierRule.percentile` of handling time (over the whole log given, once the matter has
  `min_cases` timed completions), or when staff flagged it (case.outlier_flagged, with a note). Its
  completions leave the means of handling time and round trips (and their counts `handled`,
  `completed_with_visits`); `outliers` counts the completions left out; `outlier_list` lists them with notes.
- relative volume (相对办件量, `relative_volume`): per bundle, its cases ÷ every case of its declared key matter
  (the catalog's, passed in) — the bundle's own cases, each handling it, and any other case accepted under it —
  so 1 means every such case went through the bundle. Undefined where the bundle declares no key matter.
- not_applicable (per matter and material): the pre-reviews that marked the material not applicable, and
  their share of the matter's pre-reviews.

Dimension bundle: an event about a case takes its case's bundle — the one it was continued into (接续受理),
else the one it was accepted as —, an event without a case its own (pre-review, triage, consultation), and
any other event its own (the pre-review's, the triage's, the consultation's; calls have none).

Dimensions: hall, window, matter, bundle, day (local date), hour (local hour). A fact takes its dimension values from
the event that makes it (the acceptance for one-visit, the completion for handling time and trips, the
ticket's issue for waiting time — so waiting has no window —, …).
The facts are computed here; each indicator's column over them (a share, a count, a mean), its name, unit and
words are declared once in the registry (indicators.py).
DuckDB runs in-process with extension auto-install switched off: nothing is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onevisit.core import event_types
from onevisit.core.verdicts import Verdict
from onevisit.metrics.indicators import INDICATORS, Codes

DIMENSIONS = ("hall", "window", "matter", "bundle", "day", "hour")
# Every indicator engine.compute gives, a column each, in the registry's order (indicators.py; read live).
METRICS = Codes(INDICATORS, lambda i: i.formula is not None)
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
    "case.continued",
    "case.outlier_flagged",
    "material.not_applicable",
    "window.signed_in",
    "window.signed_out",
    "window.paused",
    "window.resumed",
    "task.started",
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
        ("case_id", pa.int64()),  # the case and the ticket as dense integers (0: none), to group and join on
        ("ticket_id", pa.int64()),
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
        ("note", pa.string()),
        ("material", pa.string()),
    ]
)


class UnknownName(ValueError):
    """An unknown dimension or metric: the message names it and lists the known ones."""


class BadRule(ValueError):
    """An outlier rule out of range: the message says which part and why."""


@dataclass(frozen=True)
class OutlierRule:
    """Which cases leave the means. percentile None: only the cases staff flagged."""

    percentile: float | None = 0.99
    min_cases: int = 20

    def __post_init__(self) -> None:
        if self.percentile is not None and not 0.5 <= self.percentile < 1:
            raise BadRule(f"极端值分位数应在 0.5 与 1 之间（不含 1）：{self.percentile}")
        if self.min_cases < 2:
            raise BadRule(f"计算分位数至少需要 2 件：{self.min_cases}")


DEFAULT_RULE = OutlierRule()


# The data fields read from events, each as a column: what an event of a type says, with the default.
DATA_FIELDS: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "duplicate": lambda t, d: bool(d.get("duplicate")),
    "at_window": lambda t, d: bool(d.get("at_window", True)),
    "visits": lambda t, d: int(d.get("visits") or 0),
    "visit_seq": lambda t, d: int(d.get("visit_seq") or 0),
    "n_matters": lambda t, d: len(d.get("matters") or ()) if t == "case.accepted" else 0,
    "verdict": lambda t, d: str(d.get("verdict") or ""),
    "first_visit": lambda t, d: bool(d.get("first_visit")),
    "channel": lambda t, d: str(d.get("channel") or ""),
    # what the event refers to: the verification asked, or the pre-review a material was marked in
    "ref": lambda t, d: (
        str(d.get("prereview") or "") if t == "material.not_applicable" else str(d.get("verification") or "")
    ),
    "note": lambda t, d: str(d.get("note") or "") if t == "case.outlier_flagged" else "",
    "material": lambda t, d: str(d.get("material") or "") if t == "material.not_applicable" else "",
    "priority": lambda t, d: int(d.get("priority") or 0),
}


def log_columns(
    rows: Iterable[tuple[Any, ...]], tz: tzinfo, refs: Sequence[str], fields: Sequence[str]
) -> dict[str, list[Any]]:
    """Columns seq (log order), at, local_at, type, the references (blank for none) and the data fields named,
    from (at, type, *refs, data) rows in log order: what the engine and the planning calibration load."""
    cols: dict[str, list[Any]] = {name: [] for name in ("seq", "at", "local_at", "type", *refs, *fields)}
    getters = [(cols[name], DATA_FIELDS[name]) for name in fields]
    ref_cols = [cols[name] for name in refs]
    for seq, (at, type_, *values, data) in enumerate(rows):
        data = data or {}
        cols["seq"].append(seq)
        cols["at"].append(at)
        cols["local_at"].append(at.astimezone(tz).replace(tzinfo=None))
        cols["type"].append(type_)
        for col, value in zip(ref_cols, values, strict=True):
            col.append(value or "")
        for col, get in getters:
            col.append(get(type_, data))
    return cols


def _dense(values: list[str]) -> list[int]:
    """Each distinct value as a small integer, in order of appearance; blank is 0."""
    ids: dict[str, int] = {"": 0}
    return [ids.setdefault(v, len(ids)) for v in values]


def events_table(rows: Iterable[tuple[Any, ...]], tz: tzinfo) -> pa.Table:
    """Arrow table of events from (at, type, hall, window, matter, bundle, case, ticket, visit, data) rows in
    log order (kept in `seq`), grouped by type (see grouped); the data fields the indicators use become
    columns."""
    fields = [name for name in SCHEMA.names if name in DATA_FIELDS]
    cols = log_columns(rows, tz, ("hall", "window", "matter", "bundle", "case", "ticket", "visit"), fields)
    cols["case_id"], cols["ticket_id"] = _dense(cols["case"]), _dense(cols["ticket"])
    return grouped(pa.Table.from_pydict(cols, schema=SCHEMA))


def grouped(events: pa.Table) -> pa.Table:
    """The log grouped by event type in the engine's order, log order kept within a type and in `seq`: the
    layout in which each scan reads only its own part (see _register)."""
    rank = pc.fill_null(pc.index_in(events.column("type"), value_set=pa.array(_ORDER)), len(_ORDER))
    order = pc.sort_indices(
        pa.table({"rank": rank, "seq": events.column("seq")}),
        sort_keys=[("rank", "ascending"), ("seq", "ascending")],
    )
    return events.take(order)


THREADS = 2
BATCH_ROWS = 1 << 17  # DuckDB scans an Arrow table batch by batch: several batches let both threads scan

# Event types as small integers, in the registry's order (core.event_types), which makes the filters below
# ranges: what is counted where it happens (…no-shows), a window's marks of work (signed in…visits), what a ticket
# joins (issued, completed), what a case joins (completed…returned). An undeclared type here is an error.
_ORDER = event_types.in_order(EVENT_TYPES)
_CODE = {name: i for i, name in enumerate(_ORDER)}


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(f"SET threads TO {THREADS}")
    return con


def _coded(events: pa.Table) -> pa.Table:
    """The log in batches of BATCH_ROWS (zero-copy slices) with its type as a TINYINT `code` column (types the
    indicators do not use come last), so that every query filters on a small integer, not on a string."""
    value_set = pa.array(_ORDER)
    schema = events.schema.append(pa.field("code", pa.int8()))
    batches = events.to_batches(max_chunksize=BATCH_ROWS)

    def code(batch: pa.RecordBatch) -> pa.RecordBatch:
        codes = pc.fill_null(
            pc.cast(pc.index_in(batch.column("type"), value_set=value_set), pa.int8()), len(_ORDER)
        )
        return pa.RecordBatch.from_arrays([*batch.columns, codes], schema=schema)

    with ThreadPoolExecutor(THREADS) as pool:
        return pa.Table.from_batches(list(pool.map(code, batches)), schema=schema)


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


# The parts of the log each scan reads, as ranges of codes (see _ORDER).
_PARTS = {
    "ev_na": ("material.not_applicable", "material.not_applicable"),
    "ev_counted": ("material.not_applicable", "ticket.no_show"),
    "ev_marks": ("window.signed_in", "visit.recorded"),
    "ev_called": ("ticket.called", "ticket.called"),
    "ev_ticketed": ("ticket.issued", "case.completed"),
    "ev_done": ("case.completed", "case.completed"),
    "ev_accepted": ("case.accepted", "case.accepted"),
    "ev_visits": ("case.accepted", "visit.recorded"),
    "ev_ends": ("case.completed", "task.started"),
    "ev_cases": ("case.completed", "case.returned"),
    "ev_verify": ("verification.started", "verification.finished"),
    "ev_flagged": ("case.outlier_flagged", "case.outlier_flagged"),
}


def _register(con: duckdb.DuckDBPyConnection, events: pa.Table, keys: Sequence[str]) -> None:
    """The log as `ev`, and each part of it a scan reads as `ev_<part>`.

    DuckDB reads an Arrow table whole for every scan, whatever the filter. A log grouped by type (as
    events_table lays it out: log order kept in `seq`) gives each part as a zero-copy slice, so a scan reads
    only its own rows; any other order still works, every part being the whole log, filtered. Grouped by
    bundle, every event about a case carries its case's bundle."""
    c = _CODE
    coded = _coded(events)
    codes = np.concatenate(
        [np.asarray(b.column("code")) for b in coded.to_batches()] or [np.empty(0, np.int8)]
    )
    grouped = bool(codes.size == 0 or (np.diff(codes) >= 0).all())
    if "bundle" in keys:
        con.register("raw", coded)
        con.execute(f"""
CREATE TEMP VIEW ev AS
WITH bundles AS (
    SELECT "case", coalesce(arg_max(bundle, seq) FILTER (WHERE code = {c["case.continued"]} AND bundle <> ''),
                            arg_min(bundle, seq) FILTER (WHERE code = {c["case.accepted"]})) AS case_bundle
    FROM raw WHERE code IN ({c["case.accepted"]}, {c["case.continued"]}) AND "case" <> ''
    GROUP BY "case"
)
SELECT r.* REPLACE (coalesce(k.case_bundle, r.bundle) AS bundle)
FROM raw r LEFT JOIN bundles k ON k."case" = r."case" AND r."case" <> ''
""")
        for name in _PARTS:
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM ev")
        return
    con.register("ev", coded)
    for name, (first, last) in _PARTS.items():
        if grouped:
            lo, hi = np.searchsorted(codes, c[first], "left"), np.searchsorted(codes, c[last], "right")
            con.register(name, coded.slice(int(lo), int(hi - lo)))
        else:
            con.register(name, coded)


def compute(events: pa.Table, dims: Sequence[str] = (), rule: OutlierRule = DEFAULT_RULE) -> pa.Table:
    """Every metric, grouped by the dimensions (none: the whole log). One row per group that has any fact.

    Four statements, one after another, so that the working memory of each is freed before the next: the
    services and visits (the cases' facts, served to an end, the visits merged into another), the windows'
    staffed time, the rest (tickets, completions, verifications, what is counted where it happens), and the
    rows of the three put together per group."""
    check_names(dims)
    con = _connect()
    keys = list(dims)
    _register(con, events, keys)
    visits = _visit_statements(keys)
    con.execute(visits["visits"])
    con.execute(visits["merged"])
    parts = [con.sql(visits["facts"]).to_arrow_table()]
    con.register("trips", con.sql(visits["trips"]).to_arrow_table())
    con.execute("DROP TABLE visits")
    parts.append(con.sql(_staffed_query(keys)).to_arrow_table())
    # A completion's handling time starts at its ticket's latest call before it. That is the ticket's last call
    # unless the ticket was called again after the completion: only then is the slower exact lookup needed.
    main = con.sql(_query(keys, recalls=False, rule=rule)).to_arrow_table()
    if pc.sum(main["_recalls"]).as_py():
        main = con.sql(_query(keys, recalls=True, rule=rule)).to_arrow_table()
    parts.append(main.drop_columns(["_recalls"]))
    for n, part in enumerate(parts):
        con.register(f"part{n}", part)
    return con.sql(_together(keys, len(parts))).to_arrow_table()


def outlier_list(events: pa.Table, rule: OutlierRule = DEFAULT_RULE) -> list[dict[str, Any]]:
    """The completions left out of the means, each with its case, matter, window, local day, handling time, the
    limit it passed and a note (staff's own, or the rule's reason), slowest first."""
    con = _connect()
    _register(con, events, ())
    c = _CODE
    sql = f"""
WITH {_timed_ctes([], recalls=True, rule=rule)}
, listed AS (
    SELECT x."case", x.matter, x."window", CAST(x.local_at AS DATE) AS day,
           h.seconds, t.limit_seconds, '' AS note
    FROM handlings h JOIN ev_done x ON x.seq = h.seq JOIN thresholds t ON t._matter = h._matter
    WHERE h.seconds > t.limit_seconds
    UNION ALL
    SELECT f."case", f.matter, f."window", CAST(f.local_at AS DATE), h.seconds, NULL, f.note
    FROM ev_flagged f LEFT JOIN (SELECT _case, max(seconds) AS seconds FROM handlings GROUP BY _case) h
         ON h._case = f.case_id
    WHERE f.code = {c["case.outlier_flagged"]} AND f.case_id <> 0
)
SELECT * FROM listed ORDER BY seconds DESC NULLS LAST, "case"
"""
    rows: list[dict[str, Any]] = con.sql(sql).to_arrow_table().to_pylist()
    return rows


def relative_volume(
    events: pa.Table, dims: Sequence[str] = (), *, key_matters: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """相对办件量 per bundle (and dims): the bundle's accepted cases ÷ every accepted case of its declared key matter
    (`key_matters`: bundle → matter, from the catalog) — the bundle's own cases, each handling it, and any other
    case accepted under it. Listed: the bundles with cases, and those whose key matter has cases; a bundle that
    declares no key matter has key_matter, key_matter_cases and relative_volume None."""
    check_names(dims)
    if set(dims) & {"matter", "bundle"}:
        raise UnknownName("相对办件量已按一件事及其主事项分组，不能再按 matter 或 bundle 分组")
    c = _CODE
    con = _connect()
    _register(con, events, ["bundle"])
    keys_table = pa.table(
        {"bundle": list(key_matters or {}), "key_matter": list((key_matters or {}).values())},
        schema=pa.schema([("bundle", pa.string()), ("key_matter", pa.string())]),
    )
    con.register("declared", keys_table)
    keys = list(dims)
    extra = "".join(f', a."{d}"' for d in keys)
    outer = "".join(f', "{d}"' for d in keys)
    sql = f"""
WITH firsts AS (
    SELECT "case", min(seq) AS seq FROM ev WHERE code = {c["case.accepted"]} GROUP BY "case"
), accepted AS (
    SELECT {_dims(keys, "e")} e.matter, e.bundle FROM ev e JOIN firsts f ON f.seq = e.seq
), listed AS (
    SELECT b.bundle, d.key_matter
    FROM (SELECT DISTINCT bundle FROM accepted WHERE bundle <> ''
          UNION SELECT bundle FROM declared WHERE key_matter IN (SELECT matter FROM accepted)) b
    LEFT JOIN declared d ON d.bundle = b.bundle
)
SELECT bundle{outer}, key_matter, bundle_cases, CASE WHEN key_matter IS NOT NULL THEN matched END AS key_matter_cases,
       CASE WHEN key_matter IS NOT NULL AND matched > 0 THEN bundle_cases / matched END AS relative_volume
FROM (
    SELECT k.bundle{extra}, k.key_matter, count(*) FILTER (WHERE a.bundle = k.bundle) AS bundle_cases,
           count(*) AS matched
    FROM listed k JOIN accepted a ON a.bundle = k.bundle OR a.matter = k.key_matter
    GROUP BY ALL
)
ORDER BY bundle{outer}
"""
    rows: list[dict[str, Any]] = con.sql(sql).to_arrow_table().to_pylist()
    return rows


def not_applicable(events: pa.Table, dims: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Per matter and material (and dims): the pre-reviews in which staff marked the material not applicable
    (`marks`), the matter's pre-reviews (`prereviews`) and the share (None without pre-reviews)."""
    check_names(dims)
    if "matter" in dims:
        raise UnknownName("不适用标记已按事项和材料分组，不能再按 matter 分组")
    c = _CODE
    con = _connect()
    _register(con, events, list(dims))
    keys = list(dims)
    names = "".join(f'"{d}", ' for d in keys)
    sql = f"""
WITH marked AS (
    SELECT {_dims(keys, "e")} e.matter, e.material, count(DISTINCT nullif(e.ref, '')) + count(*) FILTER
           (WHERE e.ref = '') AS marks
    FROM ev_na e WHERE code = {c["material.not_applicable"]} GROUP BY ALL
), reviewed AS (
    SELECT {_dims(keys, "e")} e.matter, count(*) AS prereviews
    FROM ev_counted e WHERE code = {c["prereview.completed"]} GROUP BY ALL
)
SELECT {"".join(f'm."{d}", ' for d in keys)}m.matter, m.material, m.marks, coalesce(r.prereviews, 0) AS prereviews,
       CASE WHEN r.prereviews > 0 THEN m.marks / r.prereviews END AS share
FROM marked m LEFT JOIN reviewed r USING ({names}matter)
ORDER BY {"".join(f'm."{d}", ' for d in keys)}m.matter, m.marks DESC, m.material
"""
    rows: list[dict[str, Any]] = con.sql(sql).to_arrow_table().to_pylist()
    return rows


def _dims(keys: Sequence[str], alias: str) -> str:
    """The dimensions of the event behind alias, as columns named after them."""
    return "".join(f'{_dim_expr(d, alias)} AS "{d}", ' for d in keys)


_SECS = "(epoch_us({}) - epoch_us({})) / 1e6"


def _timed_ctes(keys: Sequence[str], recalls: bool, rule: OutlierRule) -> str:
    """CTEs shared by the indicators and the outlier list: `timed` (issued tickets that were called afterwards,
    and completions, each with its ticket's first call and the call its handling starts at), `handlings` (the
    timed completions at the window), `thresholds` (each matter's limit) and `outlier_cases`."""
    c = _CODE
    issued, done, called = c["ticket.issued"], c["case.completed"], c["ticket.called"]
    if recalls:
        call_at = 'coalesce(x.last_call, r."at")'
        recall_join = "LEFT JOIN recalled r ON r.seq = x.seq"
    else:
        call_at, recall_join = "x.last_call", ""
    if rule.percentile is None:
        thresholds = "SELECT NULL::VARCHAR AS _matter, NULL::DOUBLE AS limit_seconds WHERE false"
    else:
        thresholds = (
            f"SELECT _matter, quantile_cont(seconds, {float(rule.percentile)!r}) AS limit_seconds "
            f"FROM handlings GROUP BY _matter HAVING count(*) >= {int(rule.min_cases)}"
        )
    return f"""calls AS {"MATERIALIZED " if recalls else ""}(
    SELECT ticket_id, arg_min("at", seq) AS first_call, max(seq) AS last_seq, arg_max("at", seq) AS last_call
    FROM ev_called WHERE code = {called} GROUP BY ticket_id
), recalled AS (  -- completions whose ticket was called again after them: the latest call before, looked up
    SELECT d.seq, arg_max(e."at", e.seq) AS "at"
    FROM ev_done d JOIN calls k ON k.ticket_id = d.ticket_id AND k.last_seq > d.seq
    JOIN ev_called e ON e.ticket_id = d.ticket_id AND e.seq < d.seq AND e.code = {called}
    WHERE d.code = {done}
    GROUP BY d.seq
), ticketed AS (
    SELECT {_dims(keys, "e")} e.code, e.seq, e."at", e.at_window, e.visits, e.case_id AS _case,
           e.matter AS _matter, k.first_call,
           CASE WHEN k.last_seq < e.seq THEN k.last_call END AS last_call,
           e.code = {done} AND k.last_seq > e.seq AS recall
    FROM ev_ticketed e LEFT JOIN calls k ON k.ticket_id = e.ticket_id
    WHERE e.code BETWEEN {issued} AND {done} AND (e.code = {done} OR k.first_call >= e."at")
), timed AS MATERIALIZED (
    SELECT x.*, {call_at} AS call_at FROM ticketed x {recall_join}
), handlings AS MATERIALIZED (
    SELECT seq, _case, _matter, {_SECS.format('"at"', "call_at")} AS seconds
    FROM timed WHERE code = {done} AND at_window AND call_at <= "at"
), thresholds AS (
    {thresholds}
), outlier_cases AS (
    SELECT DISTINCT h._case FROM handlings h JOIN thresholds t ON t._matter = h._matter
    WHERE h.seconds > t.limit_seconds
    UNION
    SELECT case_id FROM ev_flagged WHERE code = {c["case.outlier_flagged"]} AND case_id <> 0
)"""


def _group(keys: Sequence[str]) -> str:
    return "GROUP BY " + ", ".join(f'"{k}"' for k in keys) if keys else ""


def _visit_statements(keys: list[str]) -> dict[str, str]:
    """The services and visits: a temporary table of them (each acceptance and further visit with its window's
    next call), one of the visits that were the same visit as another, the facts per group they give (the
    cases: accepted, on the spot, second visits, returns, joint handling; served to an end) and each completion's
    round trips where some of its case's visits were merged."""
    c = _CODE
    done, called, issued = c["case.completed"], c["ticket.called"], c["ticket.issued"]
    accepted, visit = c["case.accepted"], c["visit.recorded"]
    group = _group(keys)
    cols = "".join(f'a."{d}", ' for d in keys)
    # the dimensions a fact takes from its visit, and the local time it takes from where it happened
    held = [d for d in keys if d not in ("day", "hour")]
    day_end = "epoch_us(CAST(CAST(v.local_at AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) - epoch_us(v.local_at)"
    visits = f"""
CREATE TEMP TABLE visits AS  -- acceptances and further visits, each with its window's next call after it
SELECT {"".join(f'v."{d}", ' for d in held)}v.seq, v.code, v.case_id, v.ticket_id, v.visit, v."at", v.local_at,
       v."window" = '' AS no_window, v.n_matters, CAST(v.local_at AS DATE) AS date, n.seq AS next_seq,
       n."at" AS next_at
FROM (SELECT seq, code, case_id, ticket_id, visit, "at", local_at, hall, "window", matter, bundle, n_matters
      FROM ev_visits WHERE code IN ({accepted}, {visit})) v
ASOF LEFT JOIN (SELECT hall, "window", seq, "at" FROM ev_called WHERE code = {called}) n
    ON n.hall = v.hall AND n."window" = v."window" AND v.seq < n.seq
"""
    merged = f"""
CREATE TEMP TABLE merged AS  -- taken while an earlier-taken visit of the case still waited or was served
WITH multi AS (  -- the visits of cases with more than one: only they can be the same visit
    SELECT v.seq, v.case_id, v.ticket_id, v."at", v.local_at, v.no_window, v.next_at FROM visits v
    WHERE v.case_id IN (SELECT case_id FROM visits GROUP BY case_id HAVING count(*) > 1)
), issued_at AS (
    SELECT ticket_id, min("at") AS "at" FROM ev_ticketed
    WHERE code = {issued} AND ticket_id IN (SELECT ticket_id FROM multi WHERE ticket_id <> 0)
    GROUP BY ticket_id
), spans AS (  -- a visit: its ticket's issue (else itself) to the end of its service, within its local day
    SELECT v.seq, v.case_id, v.ticket_id, epoch_us(coalesce(i."at", v."at")) AS start_us,
           CASE WHEN v.no_window THEN epoch_us(v."at")
                ELSE least(coalesce(epoch_us(v.next_at), epoch_us(v."at") + ({day_end})),
                           epoch_us(v."at") + ({day_end})) END AS end_us
    FROM multi v LEFT JOIN issued_at i ON i.ticket_id = v.ticket_id AND v.ticket_id <> 0
)
SELECT seq, case_id FROM (  -- only a ticket is "taken": a visit without one (补正 at the window) is its own trip
    SELECT seq, case_id, ticket_id <> 0 AND start_us < max(end_us) OVER (
        PARTITION BY case_id ORDER BY start_us, seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS merged
    FROM spans
) WHERE merged
"""
    facts = f"""
WITH firsts AS (
    SELECT case_id, min(seq) AS seq FROM visits WHERE code = {accepted} GROUP BY case_id
), ends AS (
    SELECT case_id, seq, code, visit, local_at FROM ev_ends
    WHERE (code = {done} AND at_window) OR code = {c["task.started"]}
), service_ends AS MATERIALIZED (  -- each service's first end at the window, and whether it was completed there
    SELECT v.seq, arg_min(e.local_at, e.seq) AS local_at, bool_or(e.code = {done} AND e.visit = v.visit) AS done
    FROM visits v JOIN ends e ON e.case_id = v.case_id AND e.seq > v.seq
         AND (v.next_seq IS NULL OR e.seq < v.next_seq) AND CAST(e.local_at AS DATE) = v.date
    GROUP BY v.seq
), returned AS (
    SELECT DISTINCT case_id FROM ev_cases WHERE code = {c["case.returned"]}
), merged_in AS (
    SELECT case_id, count(*) AS merged FROM merged GROUP BY case_id
), counts AS (  -- the cases with more than one visit (some may have been merged into another)
    SELECT case_id, count(*) AS visits FROM visits GROUP BY case_id HAVING count(*) > 1
), cases AS (  -- on the spot: completed at the window in the first acceptance's own service, on its day
    SELECT {cols} count(*) AS accepted,
           count(*) FILTER (WHERE s.done) AS completed_on_the_spot,
           count(*) FILTER (WHERE n.visits - coalesce(m.merged, 0) > 1) AS second_visit_cases,
           count(r.case_id) AS returned_cases,
           count(*) FILTER (WHERE a.n_matters = 2) AS joint_2,
           count(*) FILTER (WHERE a.n_matters = 3) AS joint_3,
           count(*) FILTER (WHERE a.n_matters >= 4) AS joint_4_plus
    FROM (SELECT {_dims(keys, "v")} v.seq, v.case_id, v.n_matters FROM visits v JOIN firsts f ON f.seq = v.seq) a
    LEFT JOIN service_ends s ON s.seq = a.seq
    LEFT JOIN counts n ON n.case_id = a.case_id
    LEFT JOIN merged_in m ON m.case_id = a.case_id
    LEFT JOIN returned r ON r.case_id = a.case_id
    {group}
), served AS (  -- services with a ticket that ended at the window: completed there, or handed over
    SELECT {"".join(f'x."{d}" AS "{d}", ' if d in held else f'{_dim_expr(d, "x")} AS "{d}", ' for d in keys)}
           count(*) AS served_to_end
    FROM (SELECT {"".join(f'v."{d}", ' for d in held)}s.local_at
          FROM service_ends s JOIN visits v ON v.seq = s.seq WHERE v.ticket_id <> 0 AND NOT v.no_window) x
    {group}
)
SELECT * FROM cases UNION ALL BY NAME SELECT * FROM served
"""
    trips = f"""
SELECT d.seq, greatest(1, d.visits - count(*)) AS trips  -- a completion's visits less those merged (at least 1)
FROM ev_done d JOIN merged m ON m.case_id = d.case_id AND m.seq < d.seq
WHERE d.code = {done} AND d.visits > 0
GROUP BY d.seq, d.visits
"""
    return {"visits": visits, "merged": merged, "facts": facts, "trips": trips}


def _staffed_query(keys: list[str]) -> str:
    """window_hours per group: each window's staffed stretches (signed in, not paused), cut at local hours when
    grouped by hour. Staffed time has no matter or bundle."""
    c = _CODE
    done, issued, visit = c["case.completed"], c["ticket.issued"], c["visit.recorded"]
    if "hour" in keys:
        rows = """SELECT hall, "window", '' AS matter, '' AS bundle, h AS local_at,
           (epoch_us(least(next_local, h + INTERVAL 1 HOUR)) - epoch_us(greatest(local_at, h))) / 1e6 AS seconds
    FROM (SELECT *, unnest(range(date_trunc('hour', local_at), next_local, INTERVAL 1 HOUR)) AS h FROM staffed)"""
    else:
        rows = """SELECT hall, "window", '' AS matter, '' AS bundle, local_at, seconds FROM staffed"""
    return f"""
WITH work AS (  -- a window's actions and its sessions' events (sign-in/out, pause/resume)
    SELECT hall, "window", code, seq, "at", local_at, date_trunc('minute', local_at) AS minute
    FROM ev_marks
    WHERE code BETWEEN {c["window.signed_in"]} AND {visit} AND code <> {issued} AND "window" <> ''
          AND (code <> {done} OR at_window)
), session_minutes AS (
    SELECT DISTINCT hall, "window", minute FROM work WHERE code <= {c["window.resumed"]}
), runs AS (  -- actions in a minute without a session event: only the first and the last bound a stretch
    SELECT hall, "window", min(seq) AS first_seq, max(seq) AS last_seq, min("at") AS first_at, max("at") AS last_at,
           min(local_at) AS first_local, max(local_at) AS last_local
    FROM work w ANTI JOIN session_minutes s USING (hall, "window", minute)
    GROUP BY hall, "window", minute
), marks AS (
    SELECT hall, "window", code, seq, "at", local_at FROM work w SEMI JOIN session_minutes s USING (hall, "window", minute)
    UNION ALL SELECT hall, "window", {c["ticket.called"]}, first_seq, first_at, first_local FROM runs
    UNION ALL SELECT hall, "window", {c["ticket.called"]}, last_seq, last_at, last_local FROM runs
    WHERE last_seq > first_seq
), following AS (  -- each mark with the next one and whether the window is paused after it
    SELECT hall, "window", code, "at", local_at,  -- the latest pause or resume, as 2 × seq + 1 if a pause
           coalesce(max(CASE code WHEN {c["window.paused"]} THEN 2 * seq + 1 WHEN {c["window.resumed"]} THEN 2 * seq
                        END) OVER w % 2 = 1, false) AS paused,
           lead("at") OVER w AS next_at, lead(local_at) OVER w AS next_local
    FROM marks
    WINDOW w AS (PARTITION BY hall, "window" ORDER BY seq)
), staffed AS (  -- signed in and not paused, from one mark to the next on the same local day
    SELECT hall, "window", local_at, next_local, (epoch_us(next_at) - epoch_us("at")) / 1e6 AS seconds
    FROM following
    WHERE next_at IS NOT NULL AND code <> {c["window.signed_out"]} AND NOT paused
          AND CAST(next_local AS DATE) = CAST(local_at AS DATE)
)
SELECT {_dims(keys, "s")} sum(seconds) / 3600 AS window_hours FROM ({rows}) s {_group(keys)}
"""


def _together(keys: list[str], parts: int) -> str:
    """The parts' rows as one row per group (each part has at most one row for a group), with the rates."""
    names = ", ".join(f'"{k}"' for k in keys)
    union = " UNION ALL BY NAME ".join(f"SELECT * FROM part{n}" for n in range(parts))
    return f"""
WITH facts AS (
    SELECT {names}{", " if keys else ""} {", ".join(f"max({f}) AS {f}" for f in _FACTS)}
    FROM ({union})
    {_group(keys)}
)
SELECT {names}{", " if keys else ""}{", ".join(f"{expr} AS {name}" for name, expr in _output(keys).items())}
FROM facts
{"ORDER BY " + names if keys else ""}
"""


def _query(keys: list[str], recalls: bool, rule: OutlierRule) -> str:
    """Tickets and completions (waits, handling time, outliers, round trips with the `trips` table),
    verifications and what is counted where it happens, per group."""
    c = _CODE

    def dims(alias: str) -> str:
        return _dims(keys, alias)

    def cols(alias: str) -> str:  # the dimensions, already computed
        return "".join(f'{alias}."{d}", ' for d in keys)

    group = _group(keys)
    wait, handling = _SECS.format("x.first_call", 'x."at"'), _SECS.format('x."at"', "x.call_at")
    issued, done = c["ticket.issued"], c["case.completed"]
    kept = "o._case IS NULL"
    handled = f'x.code = {done} AND x.at_window AND x.call_at <= x."at" AND {kept}'
    return f"""
WITH {_timed_ctes(keys, recalls, rule)}, tickets AS (
    SELECT {cols("x")}
           count(*) FILTER (WHERE x.code = {issued}) AS waited,
           avg({wait}) FILTER (WHERE x.code = {issued}) AS mean_wait_seconds,
           quantile_cont({wait}, 0.9) FILTER (WHERE x.code = {issued}) AS p90_wait_seconds,
           count(*) FILTER (WHERE {handled}) AS handled,
           avg({handling}) FILTER (WHERE {handled}) AS mean_handling_seconds,
           count(*) FILTER (WHERE x.code = {done} AND NOT {kept}) AS outliers,
           count(*) FILTER (WHERE x.code = {done} AND x.visits > 0 AND {kept}) AS completed_with_visits,
           avg(coalesce(t.trips, x.visits)) FILTER (WHERE x.code = {done} AND x.visits > 0 AND {kept})
               AS mean_round_trips,
           count(*) FILTER (WHERE x.code = {done} AND x.at_window) AS completed_at_window,
           count(*) FILTER (WHERE x.recall) AS _recalls
    FROM timed x LEFT JOIN outlier_cases o ON o._case = x._case AND x.code = {done}
    LEFT JOIN trips t ON t.seq = x.seq AND x.code = {done}
    {group}
), verifying AS MATERIALIZED (
    SELECT {dims("e")} code, seq, ref, "at" FROM ev_verify e
    WHERE code IN ({c["verification.started"]}, {c["verification.finished"]})
), finished AS (
    SELECT ref, arg_min("at", seq) AS "at" FROM verifying WHERE code = {c["verification.finished"]} GROUP BY ref
), verifications AS (
    SELECT {cols("v")} count(*) AS verifications,
           avg({_SECS.format('f."at"', 'v."at"')}) AS mean_verification_seconds
    FROM (SELECT * FROM verifying WHERE code = {c["verification.started"]} AND ref <> '') v
    JOIN finished f ON f.ref = v.ref
    WHERE f."at" >= v."at"
    {group}
), counted AS (  -- events counted where they happen
    SELECT {dims("e")}
           count(*) FILTER (WHERE code = {c["field.entered"]} AND duplicate) AS duplicate_entries,
           count(*) FILTER (WHERE code = {c["ticket.no_show"]}) AS no_shows,
           count(*) FILTER (WHERE code = {c["prereview.completed"]}) AS prereviews,
           count(*) FILTER (WHERE code = {c["prereview.completed"]} AND first_visit) AS first_visit_prereviews,
           count(*) FILTER (WHERE code = {c["prereview.completed"]} AND first_visit AND verdict = '{Verdict.COMPLETE}')
               AS complete_at_first_visit,
           count(*) FILTER (WHERE code = {c["triage.routed"]}) AS triaged,
           count(*) FILTER (WHERE code = {c["triage.routed"]} AND channel = 'online_assisted') AS routed_online,
           count(*) FILTER (WHERE code = {c["triage.routed"]} AND channel = 'self_service') AS routed_self_service,
           count(*) FILTER (WHERE code = {c["consultation.recorded"]}) AS consultations
    FROM ev_counted e WHERE code <= {c["ticket.no_show"]} AND code NOT BETWEEN {c["window.signed_in"]}
         AND {c["window.resumed"]}
    {group}
), marked AS (  -- pre-reviews with a material marked not applicable, each once
    SELECT {dims("e")} count(DISTINCT nullif(ref, '')) + count(*) FILTER (WHERE ref = '') AS not_applicable_prereviews
    FROM ev_na e WHERE code = {c["material.not_applicable"]}
    {group}
)
SELECT * FROM counted UNION ALL BY NAME SELECT * FROM tickets UNION ALL BY NAME SELECT * FROM verifications
UNION ALL BY NAME SELECT * FROM marked
"""


_COUNTED = (
    "duplicate_entries",
    "no_shows",
    "prereviews",
    "first_visit_prereviews",
    "complete_at_first_visit",
    "triaged",
    "routed_online",
    "routed_self_service",
    "consultations",
)
# The facts the registry's formulas may name (indicators.py): a Count, Mean or Hours indicator's fact is
# computed under its code; a Share names two of these.
_FACTS = (
    *_COUNTED,
    "not_applicable_prereviews",
    "window_hours",
    "served_to_end",
    "accepted",
    "completed_on_the_spot",
    "second_visit_cases",
    "returned_cases",
    "joint_2",
    "joint_3",
    "joint_4_plus",
    "waited",
    "mean_wait_seconds",
    "p90_wait_seconds",
    "handled",
    "mean_handling_seconds",
    "outliers",
    "completed_with_visits",
    "mean_round_trips",
    "completed_at_window",
    "verifications",
    "mean_verification_seconds",
)


def _output(keys: Sequence[str] = ()) -> dict[str, str]:
    """Each indicator's column as SQL over the facts, as the registry declares it (counts: 0 where a group has
    none; means and shares: empty), and empty under a grouping that gives it no meaning (its `not_by`)."""
    return {
        ind.code: ind.column if ind.defined_by(keys) else "CAST(NULL AS DOUBLE)"
        for ind in INDICATORS.computed()
    }
