"""Metrics at 10 million events: the whole dashboard from the product's engine and from plain pandas.

Generates a seeded, realistic event log (about a million cases over 60 days in 2 halls, 6 windows and 10
matters: pre-reviews and triage, tickets issued, called, recalled and missed, acceptances with joint matters,
field entries with duplicates, second visits, completions at the window and hand-overs to the back office,
back-office completions, returns, continuations into a bundle, cases flagged as outliers, cross-department
verifications, consultations, materials marked not applicable, and each window's sign-in, lunch pause and
sign-out)
directly as an Arrow table with exactly engine.SCHEMA, laid out as the product's loader lays it out
(engine.grouped: by type, log order kept in `seq`; the pandas side gets it back in log order while loading).
Then it computes every indicator of the registry (indicators.py, engine.METRICS) grouped by window × matter ×
day twice:

- product: `engine.compute(table, ["window", "matter", "day"])` (DuckDB over the Arrow table, 2 threads);
- pandas: the same facts written again, vectorised, from engine.py's docstring and reference.py, not from the
  engine's SQL, and each indicator from them by its registry formula (`table.to_pandas()` is part of its timed
  work: both start from the Arrow table). An indicator whose facts it does not compute is named, not compared.

Each side runs in a child process of its own that loads the log from a temporary Arrow IPC file (the load is
printed but not timed: what is measured is the dashboard from an in-memory Arrow table) and reports its time
and peak memory, ru_maxrss: in all, and above the resident size once the log is loaded. The children are
started before the log is generated, as Linux carries ru_maxrss over execve from the process that starts them.

The two results must agree on every group and every metric: counts exactly, means, rates and the P90 within a
relative 1e-9; a group that only the engine lists must be one without facts (counts 0, rates empty).

Limits for the product at 10M events on this 2-core machine: under 3 s, and under 2 GiB peak memory for the
whole child process (the loaded log included). PASS/FAIL is printed, but the exit status stays 0 unless the
two sides disagree (then 1). Usage:

    .venv/bin/python benchmarks/metrics_10m.py [--events 10000000 | --quick] [--seed 7] [--repeat 1]
        [--dims window,matter,day]

--quick is 1 million events; --repeat computes the dashboard several times in each child (the limits are
checked against the slowest run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.table import Table

from onevisit.metrics import engine
from onevisit.metrics.indicators import INDICATORS, Count

console = Console(highlight=False, width=None if sys.stdout.isatty() else 110)
SIDES = ("product", "pandas")
THREADS = engine.THREADS

RULE = engine.DEFAULT_RULE  # both sides leave the same outliers out of the means
LIMIT_SECONDS = 3.0
LIMIT_BYTES = 2 * 1024**3
REL_TOL = 1e-9

TZ = ZoneInfo("Asia/Shanghai")  # UTC+8 all year: local = UTC + 8 h
DAYS = 60
FIRST_DAY = datetime(2026, 9, 1, tzinfo=TZ)  # local midnight
HALLS = ("demo", "east")
WINDOWS = ("w1", "w2", "w3", "w4", "w5", "w6")  # w1-w3 in demo, w4-w6 in east
MATTERS = (
    "cbdj",
    "gxzy",
    "jfhd",
    "business-setup",
    "seal-filing",
    "tax-setup",
    "si-unit-reg",
    "hf-unit-reg",
    "food-license",
    "signboard",
)
MATTER_P = np.array([18, 12, 14, 10, 6, 8, 9, 7, 9, 7], dtype=float) / 100
BUNDLES = ("company-change", "newborn")
VERDICTS = ("complete", "tolerance", "incomplete")
CHANNELS = ("window", "self_service", "online_assisted")
NOTES = ("业务系统故障，重启后继续办理",)
MATERIALS = ("ldht", "hkb", "rsda", "jfpz")  # marked not applicable at the guide desk
EVENTS_PER_CASE = 10.14  # what one case brings with it on average, with its share of visitors without a case

US = 1_000_000
DAY_US = 86_400 * US
OFFSET_US = 8 * 3600 * US
EPOCH0_US = int(FIRST_DAY.timestamp()) * US


# ---------------------------------------------------------------------------------------------- the log


class Log:
    """Blocks of events, each column an array (or a scalar for the whole block); joined once at the end."""

    COLUMNS: dict[str, tuple[Any, Any]] = {  # name: (dtype, default); -1 stands for ""
        "at": (np.int64, None),
        "type": (np.int8, None),
        "hall": (np.int8, None),
        "window": (np.int8, -1),
        "matter": (np.int8, None),
        "bundle": (np.int8, -1),
        "case": (np.int32, -1),
        "ticket": (np.int32, -1),
        "visit": (np.int32, -1),
        "duplicate": (np.bool_, False),
        "at_window": (np.bool_, True),  # as events_table reads a missing at_window
        "visits": (np.int32, 0),
        "visit_seq": (np.int32, 0),
        "n_matters": (np.int32, 0),
        "verdict": (np.int8, -1),
        "first_visit": (np.bool_, False),
        "channel": (np.int8, -1),
        "ref": (np.int32, -1),
        "note": (np.int8, -1),
        "material": (np.int8, -1),
    }

    def __init__(self) -> None:
        self.blocks: list[tuple[int, dict[str, Any]]] = []

    def add(self, type_: str, at: np.ndarray, **cols: Any) -> None:
        cols["type"] = engine.EVENT_TYPES.index(type_)
        cols["at"] = at
        unknown = set(cols) - set(self.COLUMNS)
        assert not unknown, unknown
        self.blocks.append((len(at), cols))

    def __len__(self) -> int:
        return sum(n for n, _ in self.blocks)

    def columns(self) -> dict[str, np.ndarray]:
        total = len(self)
        out = {}
        for name, (dtype, default) in self.COLUMNS.items():
            col = np.empty(total, dtype=dtype)
            start = 0
            for n, cols in self.blocks:
                value = cols.get(name, default)
                assert value is not None, (name, cols["type"])
                col[start : start + n] = value
                start += n
            out[name] = col
        return out


def generate(n_events: int, seed: int) -> tuple[pa.Table, dict[str, int]]:
    """The event log with exactly n_events rows (engine.SCHEMA), vectorised and seeded."""
    rng = np.random.default_rng(seed)
    n_cases = max(1, round(n_events / EVENTS_PER_CASE))
    log = Log()

    def secs(lo: float, hi: float, n: int) -> np.ndarray:
        return rng.integers(int(lo * US), int(hi * US), n, dtype=np.int64)

    def opening(day: np.ndarray) -> np.ndarray:
        """Instants on the given local days between 08:30 and 16:30, in UTC microseconds."""
        return EPOCH0_US + day.astype(np.int64) * DAY_US + secs(8.5 * 3600, 16.5 * 3600, len(day))

    def waits(n: int) -> np.ndarray:
        return np.minimum(rng.gamma(2.0, 330.0, n), 3 * 3600).astype(np.int64) * US + secs(1, 2, n)

    def window_in(hall: np.ndarray) -> np.ndarray:
        return (hall * 3 + rng.integers(0, 3, len(hall))).astype(np.int8)

    def queue(hall, matter, window, ticket, issued):
        """ticket.issued and 1-2 calls (a quarter are recalled); returns the last call's time."""
        n = len(issued)
        log.add("ticket.issued", issued, hall=hall, matter=matter, ticket=ticket)
        call1 = issued + waits(n)
        log.add("ticket.called", call1, hall=hall, window=window, matter=matter, ticket=ticket)
        recall = rng.random(n) < 0.25
        call2 = call1[recall] + secs(20, 240, int(recall.sum()))
        log.add(
            "ticket.called",
            call2,
            hall=hall[recall],
            window=window[recall],
            matter=matter[recall],
            ticket=ticket[recall],
        )
        last = call1.copy()
        last[recall] = call2
        return last

    def entries(case, hall, window, matter, after, most):
        """0..most-1 field entries per case after the given instants, 6% of them duplicates."""
        k = rng.integers(0, most, len(case))
        owner = np.repeat(np.arange(len(case)), k)
        gaps = secs(5, 90, len(owner))
        run = np.cumsum(gaps)
        starts = np.cumsum(k) - k
        before = np.concatenate(([0], run))[starts]  # running total before each case's first entry
        offset = run - np.repeat(before, k)
        log.add(
            "field.entered",
            after[owner] + offset,
            hall=hall[owner],
            window=window[owner],
            matter=matter[owner],
            case=case[owner],
            duplicate=rng.random(len(owner)) < 0.06,
        )

    # Cases: hall, first window, matter, day of the first visit; pks 1..n_cases (ids are pk - 1).
    case = np.arange(n_cases, dtype=np.int32)
    hall = rng.integers(0, 2, n_cases).astype(np.int8)
    window = window_in(hall)
    matter = rng.choice(len(MATTERS), n_cases, p=MATTER_P).astype(np.int8)
    day = rng.integers(0, DAYS, n_cases)
    arrive = opening(day)
    n_tickets = n_visits = n_cases

    # Pre-review and triage at the guide desk for 60% (routed to the window), then the queue.
    pre = rng.random(n_cases) < 0.6
    pre_at = arrive[pre] - secs(60, 900, int(pre.sum()))
    bundle = np.where(rng.random(int(pre.sum())) < 0.1, rng.integers(0, len(BUNDLES), int(pre.sum())), -1)
    log.add(
        "prereview.completed",
        pre_at,
        hall=hall[pre],
        matter=matter[pre],
        bundle=bundle,
        verdict=rng.choice(3, int(pre.sum()), p=[0.78, 0.14, 0.08]),
        first_visit=rng.random(int(pre.sum())) < 0.8,
    )
    log.add(
        "triage.routed",
        pre_at + secs(1, 20, int(pre.sum())),
        hall=hall[pre],
        matter=matter[pre],
        bundle=bundle,
        channel=0,
    )
    last_call = queue(hall, matter, window, case, arrive)
    accept1 = last_call + secs(15, 90, n_cases)
    n_matters = rng.choice([1, 2, 3, 4], n_cases, p=[0.72, 0.17, 0.07, 0.04]).astype(np.int32)
    log.add(
        "case.accepted",
        accept1,
        hall=hall,
        window=window,
        matter=matter,
        case=case,
        ticket=case,
        visit=case,
        visit_seq=1,
        n_matters=n_matters,
    )
    entries(case, hall, window, matter, accept1, 6)

    # A second visit for 22% (materials were missing): 1-7 days later, maybe at another window of the hall,
    # recorded as a new acceptance (visit_seq 2) or as visit.recorded.
    sv = rng.random(n_cases) < 0.22
    n_sv = int(sv.sum())
    sv_case, sv_hall, sv_matter = case[sv], hall[sv], matter[sv]
    sv_window = window_in(sv_hall)
    sv_ticket = (n_tickets + np.arange(n_sv)).astype(np.int32)
    sv_visit = (n_visits + np.arange(n_sv)).astype(np.int32)
    n_tickets, n_visits = n_tickets + n_sv, n_visits + n_sv
    sv_last_call = queue(
        sv_hall, sv_matter, sv_window, sv_ticket, opening(day[sv] + rng.integers(1, 8, n_sv))
    )
    accept2 = sv_last_call + secs(15, 90, n_sv)
    again = rng.random(n_sv) < 0.5
    for kind, mask in (("case.accepted", again), ("visit.recorded", ~again)):
        log.add(
            kind,
            accept2[mask],
            hall=sv_hall[mask],
            window=sv_window[mask],
            matter=sv_matter[mask],
            case=sv_case[mask],
            ticket=sv_ticket[mask],
            visit=sv_visit[mask],
            visit_seq=2,
            n_matters=n_matters[sv][mask] if kind == "case.accepted" else 0,
        )
    entries(sv_case, sv_hall, sv_window, sv_matter, accept2, 4)

    # The case's end: 3% returned, else 95% completed with the last visit, 82% of those at the window
    # (a few minutes of handling), the rest in the back office hours or days later; 1% completed again later.
    last_ticket, last_visit, last_accept = case.copy(), case.copy(), accept1.copy()
    last_ticket[sv], last_visit[sv], last_accept[sv] = sv_ticket, sv_visit, accept2
    visits = np.where(sv, 2, 1).astype(np.int32)
    returned = rng.random(n_cases) < 0.03
    log.add(
        "case.returned",
        last_accept[returned] + secs(3600, 2 * 86400, int(returned.sum())),
        hall=hall[returned],
        matter=matter[returned],
        case=case[returned],
    )
    done = ~returned & (rng.random(n_cases) < 0.95)
    n_done = int(done.sum())
    at_window = rng.random(n_done) < 0.82
    handling = np.exp(rng.normal(math.log(420), 0.6, n_done)).astype(np.int64) * US + secs(1, 2, n_done)
    done_at = np.where(
        at_window, last_accept[done] + handling, last_accept[done] + secs(1800, 3 * 86400, n_done)
    )
    log.add(
        "case.completed",
        done_at,
        hall=hall[done],
        window=window[done],
        matter=matter[done],
        case=case[done],
        ticket=last_ticket[done],
        visit=last_visit[done],
        visits=visits[done],
        at_window=at_window,
    )
    # 0.2% held up by a system failure and flagged by the clerk (outliers); 2% continued into a bundle.
    flagged = rng.random(n_done) < 0.002
    flag = np.flatnonzero(done)[flagged]
    log.add(
        "case.outlier_flagged",
        done_at[flagged] + secs(1, 60, len(flag)),
        hall=hall[flag],
        window=window[flag],
        matter=matter[flag],
        case=case[flag],
        note=0,
    )
    cont = np.flatnonzero(rng.random(n_cases) < 0.02)
    log.add(
        "case.continued",
        accept1[cont] + secs(60, 600, len(cont)),
        hall=hall[cont],
        window=window[cont],
        matter=matter[cont],
        case=case[cont],
        bundle=rng.integers(0, len(BUNDLES), len(cont)),
    )
    redo = rng.random(n_done) < 0.01
    sel = np.flatnonzero(done)[redo]
    log.add(
        "case.completed",
        done_at[redo] + secs(86400, 5 * 86400, len(sel)),
        hall=hall[sel],
        window=window[sel],
        matter=matter[sel],
        case=case[sel],
        ticket=last_ticket[sel],
        visit=last_visit[sel],
        visits=visits[sel],
        at_window=False,
    )

    # Cross-department verification for 12%: asked 10 min-3 h after acceptance, 93% answered hours later.
    ver = np.flatnonzero(rng.random(n_cases) < 0.12)
    ref = np.arange(len(ver), dtype=np.int32)
    started = accept1[ver] + secs(600, 3 * 3600, len(ver))
    log.add("verification.started", started, hall=hall[ver], matter=matter[ver], case=case[ver], ref=ref)
    answered = rng.random(len(ver)) < 0.93
    took = np.exp(rng.normal(math.log(3 * 3600), 0.8, int(answered.sum()))).astype(np.int64) * US
    a = ver[answered]
    log.add(
        "verification.finished",
        started[answered] + took,
        hall=hall[a],
        matter=matter[a],
        case=case[a],
        ref=ref[answered],
    )

    # Handed to the back office at the window (its first task starts) a few minutes after the last acceptance.
    office = np.flatnonzero(done)[~at_window]
    log.add(
        "task.started",
        last_accept[office] + secs(60, 600, len(office)),
        hall=hall[office],
        matter=matter[office],
        case=case[office],
    )

    # Each window's day: signed in before opening, out after closing; a third pause over lunch.
    n_wd = DAYS * len(WINDOWS)
    wd_window = np.tile(np.arange(len(WINDOWS), dtype=np.int8), DAYS)
    wd_hall = (wd_window // 3).astype(np.int8)
    wd_day = EPOCH0_US + np.repeat(np.arange(DAYS, dtype=np.int64), len(WINDOWS)) * DAY_US
    log.add(
        "window.signed_in",
        wd_day + secs(8.2 * 3600, 8.5 * 3600, n_wd),
        hall=wd_hall,
        window=wd_window,
        matter=-1,
    )
    log.add(
        "window.signed_out",
        wd_day + secs(16.7 * 3600, 17.5 * 3600, n_wd),
        hall=wd_hall,
        window=wd_window,
        matter=-1,
    )
    lunch = rng.random(n_wd) < 0.33
    log.add(
        "window.paused",
        wd_day[lunch] + secs(12 * 3600, 12.2 * 3600, int(lunch.sum())),
        hall=wd_hall[lunch],
        window=wd_window[lunch],
        matter=-1,
    )
    log.add(
        "window.resumed",
        wd_day[lunch] + secs(12.8 * 3600, 13.1 * 3600, int(lunch.sum())),
        hall=wd_hall[lunch],
        window=wd_window[lunch],
        matter=-1,
    )

    # Visitors without a case: tickets not answered (no-show), pre-reviews routed away from the window.
    n_ns = int(0.04 * n_cases)
    ns_hall = rng.integers(0, 2, n_ns).astype(np.int8)
    ns_window = window_in(ns_hall)
    ns_matter = rng.choice(len(MATTERS), n_ns, p=MATTER_P).astype(np.int8)
    ns_ticket = (n_tickets + np.arange(n_ns)).astype(np.int32)
    ns_last = queue(ns_hall, ns_matter, ns_window, ns_ticket, opening(rng.integers(0, DAYS, n_ns)))
    log.add(
        "ticket.no_show",
        ns_last + secs(60, 300, n_ns),
        hall=ns_hall,
        window=ns_window,
        matter=ns_matter,
        ticket=ns_ticket,
    )
    n_tr = int(0.15 * n_cases)
    tr_hall = rng.integers(0, 2, n_tr).astype(np.int8)
    tr_matter = rng.choice(len(MATTERS), n_tr, p=MATTER_P).astype(np.int8)
    tr_at = opening(rng.integers(0, DAYS, n_tr))
    log.add(
        "prereview.completed",
        tr_at,
        hall=tr_hall,
        matter=tr_matter,
        verdict=rng.choice(3, n_tr, p=[0.7, 0.2, 0.1]),
        first_visit=rng.random(n_tr) < 0.8,
    )
    log.add(
        "triage.routed",
        tr_at + secs(1, 20, n_tr),
        hall=tr_hall,
        matter=tr_matter,
        channel=np.where(rng.random(n_tr) < 0.6, 1, 2),
    )

    # Materials marked not applicable at the desk in 6% of the pre-reviews, one or two each.
    pr_at, pr_hall, pr_matter = (
        np.concatenate([pre_at, tr_at]),
        np.concatenate([hall[pre], tr_hall]),
        np.concatenate([matter[pre], tr_matter]),
    )
    na = np.flatnonzero(rng.random(len(pr_at)) < 0.06)
    na = np.concatenate([na, na[rng.random(len(na)) < 0.3]])  # a second material for some
    na_ref = (len(ver) + np.searchsorted(np.unique(na), na)).astype(np.int32)
    log.add(
        "material.not_applicable",
        pr_at[na],
        hall=pr_hall[na],
        matter=pr_matter[na],
        ref=na_ref,
        material=rng.integers(0, len(MATERIALS), len(na)).astype(np.int8),
    )

    # Consultations make up the exact count (should the rest overshoot, the log is cut at n_events).
    n_co = max(0, n_events - len(log))
    log.add(
        "consultation.recorded",
        opening(rng.integers(0, DAYS, n_co)),
        hall=rng.integers(0, 2, n_co),
        matter=rng.choice(len(MATTERS), n_co, p=MATTER_P),
    )

    cols = log.columns()
    order = np.argsort(cols["at"], kind="stable")[:n_events]  # ties keep block order, which is causal
    cols = {name: col[order] for name, col in cols.items()}
    # Laid out as the product's loader lays it out (engine.grouped): by type, log order kept in seq.
    cols["seq"] = np.arange(len(order), dtype=np.int64)
    rank = np.array([engine._CODE[t] for t in engine.EVENT_TYPES])[cols["type"]]
    layout = np.lexsort((cols["seq"], rank))
    cols = {name: col[layout] for name, col in cols.items()}
    stats = {"cases": n_cases, "tickets": n_tickets + n_ns, "verifications": len(ver), "consultations": n_co}
    return _arrow(cols), stats


def _strings(codes: np.ndarray, vocab: pa.Array) -> pa.Array:
    """codes index vocab, -1 gives ""."""
    return pa.concat_arrays([pa.array([""]), vocab]).take(pa.array(codes.astype(np.int32) + 1))


def _pks(n: int) -> pa.Array:
    return pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())


def _arrow(cols: dict[str, np.ndarray]) -> pa.Table:
    n = len(cols["at"])
    ids = {name: _pks(int(cols[name].max()) + 1 if n else 0) for name in ("case", "ticket", "visit", "ref")}
    words = {
        "type": engine.EVENT_TYPES,
        "hall": HALLS,
        "window": WINDOWS,
        "matter": MATTERS,
        "bundle": BUNDLES,
        "verdict": VERDICTS,
        "channel": CHANNELS,
        "note": NOTES,
        "material": MATERIALS,
    }
    arrays: dict[str, pa.Array] = {
        "seq": pa.array(cols["seq"]),
        "at": pa.array(cols["at"], type=pa.timestamp("us", tz="UTC")),
        "local_at": pa.array(cols["at"] + OFFSET_US, type=pa.timestamp("us")),
        "case_id": pa.array(cols["case"].astype(np.int64) + 1),  # as events_table numbers them: 0 is none
        "ticket_id": pa.array(cols["ticket"].astype(np.int64) + 1),
    }
    for field in engine.SCHEMA:
        name = field.name
        if name in arrays:
            continue
        if name in words:
            arrays[name] = _strings(cols[name], pa.array(words[name]))
        elif name in ids:
            arrays[name] = _strings(cols[name], ids[name])
        else:
            arrays[name] = pa.array(cols[name], type=field.type)
    missing = set(engine.SCHEMA.names) - set(arrays)
    assert not missing, f"the generator does not fill {missing}"
    return pa.Table.from_arrays([arrays[name] for name in engine.SCHEMA.names], schema=engine.SCHEMA)


# ------------------------------------------------------------------------------- pandas, from the definitions


def pandas_dashboard(table: pa.Table, dims: list[str]) -> Any:
    """Every metric by dims, written from the definitions in engine.py's docstring (not from its SQL)."""
    import pandas as pd

    ev = table.to_pandas()
    if not ev["seq"].is_monotonic_increasing:
        ev = ev.sort_values("seq", kind="stable", ignore_index=True)
    if "bundle" in dims:  # an event about a case takes its case's bundle: continued into, else accepted as
        t0 = ev["type"]
        accepted = ev.loc[(t0 == "case.accepted") & (ev["case"] != ""), ["case", "bundle"]]
        continued = ev.loc[
            (t0 == "case.continued") & (ev["case"] != "") & (ev["bundle"] != ""), ["case", "bundle"]
        ]
        of_case = accepted.drop_duplicates("case", keep="first").set_index("case")["bundle"]
        of_case = (
            continued.drop_duplicates("case", keep="last").set_index("case")["bundle"].combine_first(of_case)
        )
        known = ev["case"].isin(of_case.index)
        ev.loc[known, "bundle"] = ev.loc[known, "case"].map(of_case)
    ev["date"] = ev["local_at"].dt.floor("D")  # local day, needed by one-visit and window-hours
    ev["hour_"] = ev["local_at"].dt.hour
    derived = {"day": "date", "hour": "hour_"}
    keys = [derived.get(d, d) for d in dims] or ["all_"]
    if not dims:
        ev["all_"] = 0
    t = ev["type"]

    def grouped(frame: pd.DataFrame, **aggs: Any) -> pd.DataFrame:
        return frame.groupby(keys, sort=False, observed=True).agg(**aggs)

    def seconds(later: pd.Series, earlier: pd.Series) -> pd.Series:
        return (later - earlier).dt.total_seconds()

    parts = []

    # Services: acceptances and further visits, each with its window's next call (the end of the service).
    vcols = list(
        dict.fromkeys(
            [
                *keys,
                "seq",
                "type",
                "case",
                "ticket",
                "visit",
                "at",
                "local_at",
                "date",
                "hall",
                "window",
                "matter",
                "bundle",
                "n_matters",
            ]
        )
    )
    visits = ev.loc[t.isin(["case.accepted", "visit.recorded"]), vcols]
    nxt = ev.loc[t == "ticket.called", ["seq", "hall", "window", "at"]].rename(
        columns={"seq": "next_seq", "at": "next_at"}
    )
    visits = pd.merge_asof(
        visits,
        nxt,
        left_on="seq",
        right_on="next_seq",
        by=["hall", "window"],
        direction="forward",
        allow_exact_matches=False,
    )

    # Visits: from the ticket's issue to the end of the service, within the local day; a visit whose ticket was
    # taken while an earlier-taken one of the case still waited or was served is the same visit (merged).
    issue = ev.loc[t == "ticket.issued", ["ticket", "at"]].drop_duplicates("ticket").set_index("ticket")["at"]
    day_end = visits["at"] + ((visits["date"] + pd.Timedelta(days=1)) - visits["local_at"])
    start = visits["ticket"].map(issue).where(visits["ticket"] != "").fillna(visits["at"])
    end = (
        visits["next_at"]
        .where(visits["next_at"] < day_end, day_end)
        .where(visits["window"] != "", visits["at"])
    )
    spans = pd.DataFrame({"case": visits["case"], "seq": visits["seq"], "start": start, "end": end})
    spans = spans.sort_values(["case", "start", "seq"], kind="stable")
    before = spans.groupby("case", sort=False)["end"].cummax().groupby(spans["case"], sort=False).shift(1)
    spans["merged"] = (
        ((spans["start"] < before) & (visits["ticket"] != "").reindex(spans.index)).fillna(False).astype(bool)
    )
    distinct = spans.loc[~spans["merged"]].groupby("case").size()

    # Cases: the first acceptance (its dimensions); on the spot: completed at the window, same visit and day,
    # before the window's next call; distinct visits, returns, joint matters.
    first = visits[visits["type"] == "case.accepted"].drop_duplicates("case", keep="first")
    done_w = ev.loc[(t == "case.completed") & ev["at_window"], ["case", "seq", "visit", "date"]]
    cand = first[["case", "seq", "visit", "date", "next_seq"]].merge(
        done_w.rename(columns={"seq": "d_seq", "visit": "d_visit", "date": "d_date"}), on="case"
    )
    in_service = (
        (cand["d_visit"] == cand["visit"])
        & (cand["d_date"] == cand["date"])
        & (cand["d_seq"] > cand["seq"])
        & (cand["next_seq"].isna() | (cand["d_seq"] < cand["next_seq"]))
    )
    on_spot = cand.loc[in_service, "case"].unique()
    cases = first[list(dict.fromkeys([*keys, "case", "n_matters"]))].copy()
    returned = ev.loc[t == "case.returned", "case"].unique()
    cases["on_spot"] = cases["case"].isin(on_spot)
    cases["second"] = cases["case"].map(distinct).fillna(0) > 1
    cases["returned"] = cases["case"].isin(returned)
    cases["j2"], cases["j3"], cases["j4"] = (
        cases["n_matters"] == 2,
        cases["n_matters"] == 3,
        cases["n_matters"] >= 4,
    )
    parts.append(
        grouped(
            cases,
            accepted=("case", "size"),
            completed_on_the_spot=("on_spot", "sum"),
            second_visit_cases=("second", "sum"),
            returned_cases=("returned", "sum"),
            joint_2=("j2", "sum"),
            joint_3=("j3", "sum"),
            joint_4_plus=("j4", "sum"),
        )
    )

    # Served to an end: a service with a ticket whose case was completed at the window or handed to the back
    # office (task.started) before the next call, the same day; at the service's window and matter, when it ended.
    ends = ev.loc[
        ((t == "case.completed") & ev["at_window"]) | (t == "task.started"), ["case", "seq", "local_at"]
    ]
    ends = ends.rename(columns={"seq": "e_seq", "local_at": "e_local"})
    sv = visits.loc[
        (visits["ticket"] != "") & (visits["window"] != ""),
        ["hall", "window", "matter", "bundle", "seq", "case", "date", "next_seq"],
    ]
    j = sv.merge(ends, on="case")
    j = j[
        (j["e_seq"] > j["seq"])
        & (j["next_seq"].isna() | (j["e_seq"] < j["next_seq"]))
        & (j["e_local"].dt.floor("D") == j["date"])
    ]
    j = j.sort_values("e_seq", kind="stable").drop_duplicates("seq")
    served = j[["hall", "window", "matter", "bundle"]].assign(
        date=j["e_local"].dt.floor("D"), hour_=j["e_local"].dt.hour, all_=0
    )
    parts.append(served.groupby(keys, sort=False, observed=True).size().rename("served_to_end").to_frame())

    # Staffed time: each window mark to the next on the same day, unless a sign-out or paused; by hour, cut.
    kinds = [
        "window.signed_in",
        "window.signed_out",
        "window.paused",
        "window.resumed",
        "ticket.no_show",
        "ticket.called",
        "case.accepted",
        "visit.recorded",
    ]
    mk = ev.loc[
        (t.isin(kinds) | ((t == "case.completed") & ev["at_window"])) & (ev["window"] != ""),
        ["hall", "window", "type", "seq", "at", "local_at"],
    ]
    mk = mk.sort_values(["hall", "window", "seq"], kind="stable")
    by_window = mk.groupby(["hall", "window"], sort=False, observed=True)
    state = mk["type"].map({"window.paused": 1.0, "window.resumed": 0.0})
    paused = state.groupby([mk["hall"], mk["window"]], sort=False, observed=True).ffill().fillna(0.0) > 0
    mk = mk.assign(next_at=by_window["at"].shift(-1), next_local=by_window["local_at"].shift(-1))
    gap = mk[
        mk["next_at"].notna()
        & (mk["type"] != "window.signed_out")
        & ~paused
        & (mk["next_local"].dt.floor("D") == mk["local_at"].dt.floor("D"))
    ]
    if "hour_" in keys:
        h0 = gap["local_at"].dt.floor("h")
        n = np.ceil((gap["next_local"] - h0) / pd.Timedelta(hours=1)).astype(int).to_numpy()
        rep = gap.loc[gap.index.repeat(n)]
        k = np.concatenate([np.arange(x) for x in n]) if len(n) else np.empty(0, int)
        h = rep["local_at"].dt.floor("h") + pd.to_timedelta(k, unit="h")
        piece = rep["next_local"].where(
            rep["next_local"] < h + pd.Timedelta(hours=1), h + pd.Timedelta(hours=1)
        ) - (rep["local_at"].where(rep["local_at"] > h, h))
        staffed = rep[["hall", "window"]].assign(local=h, seconds=piece.dt.total_seconds())
    else:
        staffed = gap[["hall", "window"]].assign(
            local=gap["local_at"], seconds=seconds(gap["next_at"], gap["at"])
        )
    staffed = staffed.assign(
        matter="", bundle="", date=staffed["local"].dt.floor("D"), hour_=staffed["local"].dt.hour, all_=0
    )
    hours = staffed.groupby(keys, sort=False, observed=True)["seconds"].sum() / 3600
    parts.append(hours.rename("window_hours").to_frame())

    # Completions: the ticket's latest call before the completion (in log order), visits, at the window.
    calls = ev.loc[t == "ticket.called", ["seq", "ticket", "at"]]
    wanted = list(dict.fromkeys([*keys, "seq", "ticket", "at", "at_window", "visits", "case", "matter"]))
    done = ev.loc[t == "case.completed", wanted]
    done = pd.merge_asof(
        done,
        calls.rename(columns={"at": "call_at"}),
        on="seq",
        by="ticket",
        allow_exact_matches=False,
        direction="backward",
    )
    timed = done["at_window"] & done["call_at"].notna() & (done["call_at"] <= done["at"])
    took = seconds(done["at"], done["call_at"]).where(timed)
    # Outliers: over the matter's percentile (once it has enough timed completions), or flagged by staff.
    by_matter = took.groupby(done["matter"], observed=True)
    limit = by_matter.quantile(RULE.percentile).where(by_matter.count() >= RULE.min_cases)
    over = took > done["matter"].map(limit).astype("float64")
    flagged = ev.loc[t == "case.outlier_flagged", "case"]
    kept = ~done["case"].isin(pd.concat([done.loc[over, "case"], flagged]).unique())
    handled = timed & kept
    done["handled"] = handled
    done["handling"] = took.where(handled)
    done["outliers"] = ~kept
    done["with_visits"] = (done["visits"] > 0) & kept
    # Trips: the visits the completion counts less those of its case merged into another before it (at least 1).
    merged = spans.loc[spans["merged"], ["case", "seq"]].rename(columns={"seq": "m_seq"})
    early = done[["case", "seq"]].reset_index().merge(merged, on="case")
    early = early[early["m_seq"] < early["seq"]].groupby("index").size()
    less = early.reindex(done.index, fill_value=0)
    done["trips"] = (done["visits"] - less).clip(lower=1).where(done["with_visits"])
    parts.append(
        grouped(
            done,
            handled=("handled", "sum"),
            mean_handling_seconds=("handling", "mean"),
            outliers=("outliers", "sum"),
            completed_with_visits=("with_visits", "sum"),
            mean_round_trips=("trips", "mean"),
            completed_at_window=("at_window", "sum"),
        )
    )

    # Waits: each issued ticket to its first call.
    first_call = calls.drop_duplicates("ticket", keep="first")[["ticket", "at"]].rename(
        columns={"at": "call_at"}
    )
    issued = ev.loc[t == "ticket.issued", [*keys, "ticket", "at"]].merge(first_call, on="ticket")
    issued = issued[issued["call_at"] >= issued["at"]]
    issued["wait"] = seconds(issued["call_at"], issued["at"])
    waits = issued.groupby(keys, sort=False, observed=True)["wait"]
    parts.append(
        pd.DataFrame(
            {
                "waited": waits.size(),
                "mean_wait_seconds": waits.mean(),
                "p90_wait_seconds": waits.quantile(0.9),
            }
        )
    )

    # Events counted where they happen.
    simple = ev.loc[
        t.isin(
            [
                "field.entered",
                "ticket.no_show",
                "prereview.completed",
                "triage.routed",
                "consultation.recorded",
            ]
        ),
        [*keys, "type", "duplicate", "first_visit", "verdict", "channel"],
    ]
    st = simple["type"]
    simple = simple.assign(
        duplicate_entries=(st == "field.entered") & simple["duplicate"],
        no_shows=st == "ticket.no_show",
        first_visit_prereviews=(st == "prereview.completed") & simple["first_visit"],
        complete_at_first_visit=(st == "prereview.completed")
        & simple["first_visit"]
        & (simple["verdict"] == "complete"),
        triaged=st == "triage.routed",
        routed_online=(st == "triage.routed") & (simple["channel"] == "online_assisted"),
        routed_self_service=(st == "triage.routed") & (simple["channel"] == "self_service"),
        consultations=st == "consultation.recorded",
        prereviews=st == "prereview.completed",
    )
    counted = [
        "duplicate_entries",
        "no_shows",
        "first_visit_prereviews",
        "complete_at_first_visit",
        "triaged",
        "routed_online",
        "routed_self_service",
        "consultations",
        "prereviews",
    ]
    parts.append(simple.groupby(keys, sort=False, observed=True)[counted].sum())

    # Pre-reviews with a material marked not applicable, each once (marks without a pre-review each count).
    na = ev.loc[t == "material.not_applicable", [*keys, "ref"]]
    na_refs = (
        na[na["ref"] != ""].drop_duplicates([*keys, "ref"]).groupby(keys, sort=False, observed=True).size()
    )
    na_bare = na[na["ref"] == ""].groupby(keys, sort=False, observed=True).size()
    parts.append(na_refs.add(na_bare, fill_value=0).rename("not_applicable_prereviews").to_frame())

    # Verifications: started (with a reference) to the first finish of the same reference.
    finished = ev.loc[t == "verification.finished", ["ref", "at"]].drop_duplicates("ref", keep="first")
    started = ev.loc[(t == "verification.started") & (ev["ref"] != ""), [*keys, "ref", "at"]]
    started = started.merge(finished.rename(columns={"at": "fin_at"}), on="ref")
    started = started[started["fin_at"] >= started["at"]]
    started["took"] = seconds(started["fin_at"], started["at"])
    parts.append(grouped(started, verifications=("took", "size"), mean_verification_seconds=("took", "mean")))

    # Each indicator from these facts by its formula in the registry (shares of counts, counts, means); one whose
    # facts this peer does not compute is left out, and the report names it.
    out = pd.concat(parts, axis=1, join="outer")
    for name in out.columns:
        if name not in INDICATORS or isinstance(INDICATORS[name].formula, Count):
            out[name] = out[name].fillna(0).astype("int64")
    checked = []
    for ind in INDICATORS.computed():
        try:
            out[ind.code] = ind.formula.frame(ind.code, out) if ind.defined_by(dims) else float("nan")
        except (KeyError, NotImplementedError):
            continue
        checked.append(ind.code)
    out = out.reset_index().rename(columns={v: k for k, v in derived.items()})
    return out[[*dims, *checked]]


# ----------------------------------------------------------------------------------------------- children


def _rss_now() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _busy_seconds() -> float:
    """CPU time the whole machine spent busy so far (all CPUs, from /proc/stat)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(which: str, dims: list[str], repeat: int) -> None:
    """Wait for the work directory on stdin, load its log, compute the dashboard `repeat` times, write the
    (last) result and the figures there.

    Linux carries ru_maxrss over execve: a child started by the parent after generating 10M events would
    report the parent's peak as its own. So the parent starts both children first, while it is small, and
    they wait here; the ru_maxrss they start with is recorded to show it is below anything measured."""
    if which == "pandas":
        import pandas  # noqa: F401  (imported before the baseline, as duckdb is for the product)
    # pyarrow imports pandas (when installed, as here for the pandas side) the first time it converts Python
    # objects: a one-off of ~0.2 s in any process, done before the clock starts on both sides.
    pa.array([0])
    inherited = _peak()
    work = Path(sys.stdin.readline().strip())
    t0 = time.perf_counter()
    with pa.OSFile(str(work / "events.arrow")) as f:  # read into memory, not memory-mapped
        table = pa.ipc.open_file(f).read_all()
    if which == "pandas":  # pandas reads the log in log order, as a plain loader would give it (not timed)
        table = table.take(pc.sort_indices(table["seq"]))
    load = time.perf_counter() - t0
    # One-off process start-up (DuckDB's first connection and threads, pandas' first group-by) is not the
    # dashboard: a small slice of the log warms each side up first, as a serving process would be.
    warm = table.slice(0, 10_000)
    engine.compute(warm, dims) if which == "product" else pandas_dashboard(warm, dims)
    del warm
    baseline = _rss_now()
    times, others = [], []
    for _ in range(repeat):
        busy, own, t0 = _busy_seconds(), _own_seconds(), time.perf_counter()
        if which == "product":
            out = engine.compute(table, dims)
        else:
            out = pa.Table.from_pandas(pandas_dashboard(table, dims), preserve_index=False)
        times.append(time.perf_counter() - t0)
        # CPUs kept busy meanwhile by anything else on the machine: a shared machine makes times meaningless.
        others.append(max(0.0, (_busy_seconds() - busy) - (_own_seconds() - own)) / times[-1])
    peak = _peak()
    with pa.OSFile(str(work / f"{which}.arrow"), "wb") as f, pa.ipc.new_file(f, out.schema) as w:
        w.write_table(out)
    stats = {
        "load": load,
        "times": times,
        "others": others,
        "inherited": inherited,
        "baseline": baseline,
        "peak": peak,
    }
    (work / f"{which}.json").write_text(json.dumps(stats))


def start_child(which: str, dims: list[str], repeat: int) -> subprocess.Popen:
    args = [sys.executable, __file__, "--child", which, "--dims", ",".join(dims), "--repeat", str(repeat)]
    return subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_child(which: str, proc: subprocess.Popen, work: Path) -> tuple[dict, pa.Table]:
    out, err = proc.communicate(f"{work}\n")
    if proc.returncode != 0:
        console.print(f"[red]{which} failed[/red]\n{out}{err}")
        raise SystemExit(1)
    with pa.OSFile(str(work / f"{which}.arrow")) as f:
        table = pa.ipc.open_file(f).read_all()
    return json.loads((work / f"{which}.json").read_text()), table


# ---------------------------------------------------------------------------------------------- comparing


def _rows(table: pa.Table, dims: list[str]) -> dict[tuple, dict[str, Any]]:
    if "day" in dims and pa.types.is_timestamp(table.schema.field("day").type):
        table = table.set_column(
            table.schema.get_field_index("day"), "day", pc.cast(table["day"], pa.date32())
        )
    out = {}
    metrics = [m for m in engine.METRICS if m in table.column_names]
    for row in table.to_pylist():
        out[tuple(row[d] for d in dims)] = {
            m: None if isinstance(row[m], float) and math.isnan(row[m]) else row[m] for m in metrics
        }
    return out


def unchecked(pandas_: pa.Table) -> list[str]:
    """The registry's indicators the pandas peer has no facts for: not cross-checked, and said so."""
    return [m for m in engine.METRICS if m not in pandas_.column_names]


def compare(product: pa.Table, pandas_: pa.Table, dims: list[str]) -> tuple[list[str], dict[str, float], int]:
    """Differences (empty when they agree), the largest relative difference per float metric, values compared."""
    got, want = _rows(product, dims), _rows(pandas_, dims)
    problems: list[str] = []
    worst: dict[str, float] = {}
    compared = 0
    for key in want.keys() - got.keys():
        problems.append(f"group {key} only in pandas")
    for key in got.keys() - want.keys():
        if any(v not in (0, None) for v in got[key].values()):
            problems.append(f"group {key} only in the product, with facts: {got[key]}")
    for key in got.keys() & want.keys():
        for m in want[key]:
            a, b = got[key][m], want[key][m]
            compared += 1
            if a is None or b is None:
                ok = a is None and b is None
            elif isinstance(b, int) and not isinstance(b, bool) and m not in _FLOATS:
                ok = a == b and float(a).is_integer()
            else:
                diff = abs(a - b) / max(abs(a), abs(b)) if a != b else 0.0
                worst[m] = max(worst.get(m, 0.0), diff)
                ok = math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
            if not ok:
                problems.append(f"{key} {m}: product {a!r}, pandas {b!r}")
    return problems, worst, compared


_FLOATS = {i.code for i in INDICATORS.computed() if not isinstance(i.formula, Count)}  # shares, means, hours


def trivial_metrics(table: pa.Table, dims: list[str]) -> list[str]:
    """Metrics that are zero or empty in every group (the log would not exercise them). Throughput is left out
    when grouped by matter or bundle: staffed time belongs to a window, so no such group has both its parts."""
    out = []
    by_matter = bool({"matter", "bundle"} & set(dims))
    for m in [m for m in engine.METRICS if m in table.column_names]:
        if by_matter and m == "throughput_per_window_hour":
            continue
        col = table[m]
        if col.null_count == len(col) or not pc.any(pc.not_equal(pc.fill_null(col, 0), 0)).as_py():
            out.append(m)
    return out


# --------------------------------------------------------------------------------------------------- main


def gib(n: float) -> str:
    return f"{n / 1024**3:.2f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="1 million events")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=1, help="compute the dashboard this many times per side"
    )
    parser.add_argument("--dims", default="window,matter,day")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    dims = [d for d in args.dims.split(",") if d]
    engine.check_names(dims)
    if args.child:
        child(args.child, dims, args.repeat)
        return 0

    n_events = 1_000_000 if args.quick else args.events
    started = time.perf_counter()
    procs = {which: start_child(which, dims, args.repeat) for which in SIDES}  # before the parent grows
    results: dict[str, tuple[dict, pa.Table]] = {}
    try:
        with console.status(f"generating {n_events:,} events …"):
            t0 = time.perf_counter()
            table, info = generate(n_events, args.seed)
            gen_s = time.perf_counter() - t0
        first, last = (v.as_py() for v in pc.min_max(table["local_at"]).values())
        console.print(
            f"generated {table.num_rows:,} events in {gen_s:.1f} s (not measured): {info['cases']:,} cases, "
            f"{info['tickets']:,} tickets, {info['verifications']:,} verifications, {info['consultations']:,} "
            f"consultations; local {first:%Y-%m-%d} .. {last:%Y-%m-%d}; Arrow {gib(table.nbytes)}"
        )
        with tempfile.TemporaryDirectory(prefix="onevisit-metrics-") as tmp:
            work = Path(tmp)
            with console.status("writing the log to a temporary Arrow IPC file …"):
                t0 = time.perf_counter()
                source = work / "events.arrow"
                with pa.OSFile(str(source), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
                    w.write_table(table, max_chunksize=1 << 20)
                fd = os.open(source, os.O_RDONLY)
                try:
                    os.fsync(fd)  # no write-back competing with the measured runs
                finally:
                    os.close(fd)
                size = source.stat().st_size
                console.print(f"wrote {size / 1024**3:.2f} GiB in {time.perf_counter() - t0:.1f} s")
            del table
            for which in SIDES:
                with console.status(
                    f"{which}: loading the log, computing the dashboard by {' × '.join(dims)} …"
                ):
                    results[which] = finish_child(which, procs[which], work)
                console.print(f"{which}: {', '.join(f'{x:.2f} s' for x in results[which][0]['times'])}")
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return report(results, dims, n_events, time.perf_counter() - started)


def report(results: dict[str, tuple[dict, pa.Table]], dims: list[str], n_events: int, elapsed: float) -> int:
    (p_stats, p_table), (d_stats, d_table) = results["product"], results["pandas"]
    problems, worst, compared = compare(p_table, d_table, dims)
    out = Table(title=f"The dashboard by {' × '.join(dims)} over {n_events:,} events, {THREADS} cores")
    for col in ("", "load (not timed)", "compute", "peak above the loaded log", "peak in all", "groups"):
        out.add_column(col, justify="right")
    for name, (s, t) in (("product (DuckDB)", results["product"]), ("pandas", results["pandas"])):
        out.add_row(
            name,
            f"{s['load']:.2f} s",
            " / ".join(f"{x:.2f} s" for x in s["times"]),
            gib(s["peak"] - s["baseline"]),
            gib(s["peak"]),
            f"{t.num_rows:,}",
        )
    console.print(out)
    for name, s in (("product", p_stats), ("pandas", d_stats)):
        busy = max(s["others"])
        note = "" if busy < 0.2 else " [yellow](too much: the times are not to be trusted)[/yellow]"
        console.print(
            f"{name}: other processes kept {busy:.2f} of {os.cpu_count()} CPUs busy during its run{note}"
        )
        if s["inherited"] >= s["baseline"]:
            console.print(
                f"[yellow]{name}: ru_maxrss started at {gib(s['inherited'])}: its peak may not be its own"
            )
    p_time, d_time = max(p_stats["times"]), max(d_stats["times"])
    p_extra, d_extra = p_stats["peak"] - p_stats["baseline"], d_stats["peak"] - d_stats["baseline"]
    console.print(
        f"pandas / product: {d_time / p_time:.1f}× the time, {d_extra / max(p_extra, 1):.1f}× the memory above "
        f"the loaded log, {d_stats['peak'] / p_stats['peak']:.1f}× the peak in all"
    )
    common = len(set(_rows(p_table, dims)) & set(_rows(d_table, dims)))
    largest = sorted(worst.items(), key=lambda kv: -kv[1])[:3]
    console.print(
        f"compared {compared:,} values in {common:,} groups; largest relative differences: "
        + (", ".join(f"{m} {v:.1e}" for m, v in largest) or "none")
    )
    missing = unchecked(d_table)
    if missing:
        console.print(
            f"[yellow]not cross-checked (the pandas peer computes no facts for them): {', '.join(missing)}"
        )
    trivial = trivial_metrics(d_table, dims)
    if trivial:
        console.print(f"[yellow]zero or empty in every group: {', '.join(trivial)}[/yellow]")
    if n_events != 10_000_000:
        console.print("[yellow]the limits are set for 10,000,000 events; this run has another size[/yellow]")
    verdict = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]"}
    console.print(f"product time {p_time:.2f} s < {LIMIT_SECONDS:.0f} s: {verdict[p_time < LIMIT_SECONDS]}")
    console.print(
        f"product peak memory {gib(p_stats['peak'])} (the log loaded: {gib(p_stats['baseline'])}, the "
        f"computation: {gib(p_extra)}) < {gib(LIMIT_BYTES)}: {verdict[p_stats['peak'] < LIMIT_BYTES]}"
    )
    console.print(f"whole benchmark: {elapsed:.1f} s")
    if problems:
        console.print(f"[red]DISAGREE: {len(problems):,} differences[/red]")
        for line in problems[:20]:
            console.print(f"  {line}")
        return 1
    console.print("[green]product and pandas agree on every group and every metric[/green]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
