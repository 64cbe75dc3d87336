"""Every indicator of engine.py again, in plain Python: slow, obviously correct, for the tests to check against.

Takes the same rows as engine.events_table — (at, type, hall, window, matter, bundle, case, ticket, visit, data)
in log order — and returns {group key tuple: {metric: value}} for the given dimensions. Written from the
definitions in engine.py's docstring, not from its SQL: it collects each group's facts (`FACTS`), and each
indicator's value is its reference formula in the registry (indicators.py) over them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from onevisit.core.verdicts import Verdict
from onevisit.metrics.indicators import INDICATORS


def _key(e: dict[str, Any], dims: Sequence[str], tz: tzinfo) -> tuple[Any, ...]:
    local = e["at"].astimezone(tz)
    values = {
        "hall": e["hall"],
        "window": e["window"],
        "matter": e["matter"],
        "bundle": e["bundle"],
        "day": local.date(),
        "hour": local.hour,
    }
    return tuple(values[d] for d in dims)


def _events(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The rows as dicts, each event about a case carrying its case's bundle: the one it was continued into,
    else the one it was accepted as (an event without a known case keeps its own)."""
    events = []
    for at, type_, hall, window, matter, bundle, case, ticket, visit, data in rows:
        events.append(
            {
                "at": at,
                "type": type_,
                "hall": hall or "",
                "window": window or "",
                "matter": matter or "",
                "bundle": bundle or "",
                "case": case or "",
                "ticket": ticket or "",
                "visit": visit or "",
                "data": data or {},
            }
        )
    accepted_as: dict[str, str] = {}
    continued_into: dict[str, str] = {}
    for e in events:
        if e["type"] == "case.accepted" and e["case"] and e["case"] not in accepted_as:
            accepted_as[e["case"]] = e["bundle"]
        if e["type"] == "case.continued" and e["case"] and e["bundle"]:
            continued_into[e["case"]] = e["bundle"]
    for e in events:
        case = e["case"]
        if case in continued_into:
            e["bundle"] = continued_into[case]
        elif case in accepted_as:
            e["bundle"] = accepted_as[case]
    return events


def _p90(xs: list[float], q: float = 0.9) -> float | None:
    """Linear interpolation between closest ranks (what quantile_cont computes)."""
    if not xs:
        return None
    xs = sorted(xs)
    pos = q * (len(xs) - 1)
    low = int(pos)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (xs[high] - xs[low]) * (pos - low)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _handlings(events: list[dict[str, Any]]) -> list[tuple[dict[str, Any], float]]:
    """(completion, seconds) for each completion at the window timed from its ticket's latest call before it."""
    latest_call: dict[str, dict[str, Any]] = {}
    out = []
    for e in events:
        if e["type"] == "ticket.called":
            latest_call[e["ticket"]] = e
        elif e["type"] == "case.completed" and e["data"].get("at_window", True):
            call = latest_call.get(e["ticket"])
            if call is not None and call["at"] <= e["at"]:
                out.append((e, (e["at"] - call["at"]).total_seconds()))
    return out


def outlier_cases(
    events: list[dict[str, Any]], percentile: float | None, min_cases: int
) -> dict[str, list[Any]]:
    """{case: [(completion, seconds, limit)]} for cases over their matter's percentile, and flagged ones."""
    timed = _handlings(events)
    by_matter: dict[str, list[float]] = defaultdict(list)
    for e, seconds in timed:
        by_matter[e["matter"]].append(seconds)
    out: dict[str, list[Any]] = {}
    if percentile is not None:
        limits = {m: _p90(xs, percentile) for m, xs in by_matter.items() if len(xs) >= min_cases}
        for e, seconds in timed:
            limit = limits.get(e["matter"])
            if limit is not None and seconds > limit:
                out.setdefault(e["case"], []).append((e, seconds, limit))
    for e in events:
        if e["type"] == "case.outlier_flagged" and e["case"]:
            out.setdefault(e["case"], []).append((e, None, None))
    return out


def _next_calls(events: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """{index of a visit event: the first call at its hall's window after it} — the end of its service."""
    calls: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, e in enumerate(events):
        if e["type"] == "ticket.called":
            calls[(e["hall"], e["window"])].append(i)
    out = {}
    for i, e in enumerate(events):
        if e["type"] in ("case.accepted", "visit.recorded"):
            later = calls.get((e["hall"], e["window"]), [])
            k = bisect_right(later, i)
            if k < len(later):
                out[i] = events[later[k]]
    return out


def _day_end(at: datetime, tz: tzinfo) -> datetime:
    local = at.astimezone(tz)
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=tz)


def _merged_visits(
    events: list[dict[str, Any]], next_call: dict[int, dict[str, Any]], tz: tzinfo
) -> dict[str, list[tuple[int, bool]]]:
    """{case: [(index, merged)]}: a visit is merged (the same visit as another) when its ticket was taken before an
    earlier-taken visit of the case had ended — that one's ticket still waiting or being served, the same day."""
    issued: dict[str, datetime] = {}
    for e in events:
        if e["type"] == "ticket.issued" and e["ticket"]:
            issued.setdefault(e["ticket"], e["at"])
    spans: dict[str, list[tuple[datetime, int, datetime, bool]]] = defaultdict(list)
    for i, e in enumerate(events):
        if e["type"] not in ("case.accepted", "visit.recorded"):
            continue
        start = issued.get(e["ticket"], e["at"]) if e["ticket"] else e["at"]
        if not e["window"]:
            end = e["at"]
        else:
            day_end = _day_end(e["at"], tz)
            call = next_call.get(i)
            end = min(call["at"], day_end) if call is not None else day_end
        spans[e["case"]].append((start, i, end, bool(e["ticket"])))
    out: dict[str, list[tuple[int, bool]]] = {}
    for case, visits in spans.items():
        latest: datetime | None = None
        flags = []
        for start, i, end, ticketed in sorted(visits, key=lambda v: (v[0], v[1])):
            # Only a ticket is "taken": a visit without one (补正 recorded at the window) is its own trip.
            flags.append((i, ticketed and latest is not None and start < latest))
            latest = end if latest is None else max(latest, end)
        out[case] = flags
    return out


def _staffed(events: list[dict[str, Any]], tz: tzinfo, by_hour: bool) -> list[tuple[dict[str, Any], float]]:
    """(where, seconds) pieces of staffed time: a window's marks, each to its next on the same local day unless
    it is a sign-out or the window is paused; cut at local hours when by_hour. `where` holds the dimensions."""
    marks: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        t = e["type"]
        if not e["window"]:
            continue
        if t in (
            "window.signed_in",
            "window.signed_out",
            "window.paused",
            "window.resumed",
            "ticket.no_show",
            "ticket.called",
            "case.accepted",
            "visit.recorded",
        ) or (t == "case.completed" and e["data"].get("at_window", True)):
            marks[(e["hall"], e["window"])].append(e)
    out = []
    for (hall, window), seq in marks.items():
        paused = False
        for e, nxt in zip(seq, [*seq[1:], None], strict=True):
            if e["type"] == "window.paused":
                paused = True
            elif e["type"] == "window.resumed":
                paused = False
            if nxt is None or e["type"] == "window.signed_out" or paused:
                continue
            a, b = e["at"].astimezone(tz).replace(tzinfo=None), nxt["at"].astimezone(tz).replace(tzinfo=None)
            if a.date() != b.date():
                continue
            where = {"hall": hall, "window": window, "matter": "", "bundle": ""}
            if not by_hour:
                out.append(({**where, "local": a}, (nxt["at"] - e["at"]).total_seconds()))
                continue
            h = a.replace(minute=0, second=0, microsecond=0)
            while h < b:
                piece = (min(b, h + timedelta(hours=1)) - max(a, h)).total_seconds()
                out.append(({**where, "local": h}, piece))
                h += timedelta(hours=1)
    return out


def _key_local(where: dict[str, Any], dims: Sequence[str]) -> tuple[Any, ...]:
    local = where["local"]
    values = {**where, "day": local.date(), "hour": local.hour}
    return tuple(values[d] for d in dims)


def indicators(
    rows: Iterable[tuple[Any, ...]],
    dims: Sequence[str],
    tz: tzinfo,
    percentile: float | None = 0.99,
    min_cases: int = 20,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    events = _events(rows)
    outliers = outlier_cases(events, percentile, min_cases)
    facts: dict[tuple[Any, ...], dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))

    def add(e: dict[str, Any], name: str, value: Any = 1) -> None:
        facts[_key(e, dims, tz)][name].append(value)

    def local_date(e: dict[str, Any]) -> date:
        day: date = e["at"].astimezone(tz).date()
        return day

    next_call = _next_calls(events)
    merged = _merged_visits(events, next_call, tz)
    merged_at = {i: flag for flags in merged.values() for i, flag in flags}

    # Cases: the first acceptance — on the spot, distinct visits, returns, joint matters.
    first_accept: dict[str, int] = {}
    returned: set[str] = set()
    for i, e in enumerate(events):
        if e["type"] == "case.accepted" and e["case"] not in first_accept:
            first_accept[e["case"]] = i
        if e["type"] == "case.returned":
            returned.add(e["case"])
    for case, i in first_accept.items():
        a = events[i]
        add(a, "accepted")
        call = next_call.get(i)
        limit = len(events) if call is None else events.index(call)
        if any(
            d["type"] == "case.completed"
            and d["case"] == case
            and d["data"].get("at_window", True)
            and d["visit"] == a["visit"]
            and local_date(d) == local_date(a)
            for d in events[i + 1 : limit]
        ):
            add(a, "completed_on_the_spot")
        if sum(not flag for _, flag in merged.get(case, [])) > 1:
            add(a, "second_visit_cases")
        if case in returned:
            add(a, "returned_cases")
        joint = len(a["data"].get("matters") or ())
        if joint == 2:
            add(a, "joint_2")
        elif joint == 3:
            add(a, "joint_3")
        elif joint >= 4:
            add(a, "joint_4_plus")

    # Services served to an end: completed at the window or handed to the back office before the next call.
    for i, v in enumerate(events):
        if v["type"] not in ("case.accepted", "visit.recorded") or not v["ticket"] or not v["window"]:
            continue
        call = next_call.get(i)
        limit = len(events) if call is None else events.index(call)
        for e in events[i + 1 : limit]:
            ends = (e["type"] == "case.completed" and e["data"].get("at_window", True)) or e[
                "type"
            ] == "task.started"
            if ends and e["case"] == v["case"] and local_date(e) == local_date(v):
                where = {
                    "hall": v["hall"],
                    "window": v["window"],
                    "matter": v["matter"],
                    "bundle": v["bundle"],
                    "local": e["at"].astimezone(tz),
                }
                facts[_key_local(where, dims)]["served_to_end"].append(1)
                break

    # Staffed window time.
    for where, seconds in _staffed(events, tz, "hour" in dims):
        facts[_key_local(where, dims)]["staffed"].append(seconds)

    # Completions: handling time from the ticket's latest call before them, visits, at the window.
    latest_call: dict[str, dict[str, Any]] = {}
    first_call: dict[str, dict[str, Any]] = {}
    issued: list[dict[str, Any]] = []
    started: list[dict[str, Any]] = []
    finished: dict[str, dict[str, Any]] = {}
    marked: dict[tuple[Any, ...], set[Any]] = defaultdict(set)
    merged_before: dict[str, int] = defaultdict(int)
    for i, e in enumerate(events):
        t, data = e["type"], e["data"]
        if t in ("case.accepted", "visit.recorded") and merged_at.get(i):
            merged_before[e["case"]] += 1
        if t == "ticket.called":
            latest_call[e["ticket"]] = e
            first_call.setdefault(e["ticket"], e)
        elif t == "case.completed":
            call = latest_call.get(e["ticket"])
            outlier = e["case"] in outliers
            if outlier:
                add(e, "outliers")
            if data.get("at_window", True):
                add(e, "completed_at_window")
                if call is not None and call["at"] <= e["at"] and not outlier:
                    add(e, "handling", (e["at"] - call["at"]).total_seconds())
            if int(data.get("visits") or 0) > 0 and not outlier:
                add(e, "trips", max(1, int(data["visits"]) - merged_before[e["case"]]))
        elif t == "ticket.issued":
            issued.append(e)
        elif t == "ticket.no_show":
            add(e, "no_shows")
        elif t == "field.entered" and data.get("duplicate"):
            add(e, "duplicate_entries")
        elif t == "prereview.completed":
            add(e, "prereviews")
            if data.get("first_visit"):
                add(e, "first_visit_prereviews")
                if data.get("verdict") == Verdict.COMPLETE:
                    add(e, "complete_at_first_visit")
        elif t == "material.not_applicable":
            ref = str(data.get("prereview") or "")
            marked[_key(e, dims, tz)].add(ref or ("event", i))
        elif t == "triage.routed":
            add(e, "triaged")
            if data.get("channel") == "online_assisted":
                add(e, "routed_online")
            if data.get("channel") == "self_service":
                add(e, "routed_self_service")
        elif t == "consultation.recorded":
            add(e, "consultations")
        elif t == "verification.started" and data.get("verification"):
            started.append(e)
        elif t == "verification.finished" and data.get("verification"):
            finished.setdefault(str(data["verification"]), e)
    for e in issued:
        call = first_call.get(e["ticket"])
        if call is not None and call["at"] >= e["at"]:
            add(e, "wait", (call["at"] - e["at"]).total_seconds())
    for e in started:
        done = finished.get(str(e["data"]["verification"]))
        if done is not None and done["at"] >= e["at"]:
            add(e, "verification", (done["at"] - e["at"]).total_seconds())
    for key, refs in marked.items():
        facts[key]["not_applicable_prereviews"] = [1] * len(refs)

    return {key: values(f, dims) for key, f in facts.items()}


# The facts collected above, per group: what the registry's formulas may name. A name not here is a mistake, not
# an empty fact.
FACTS = frozenset(
    {
        "accepted",
        "completed_on_the_spot",
        "second_visit_cases",
        "returned_cases",
        "joint_2",
        "joint_3",
        "joint_4_plus",
        "served_to_end",
        "staffed",
        "outliers",
        "completed_at_window",
        "handling",
        "trips",
        "no_shows",
        "duplicate_entries",
        "prereviews",
        "first_visit_prereviews",
        "complete_at_first_visit",
        "triaged",
        "routed_online",
        "routed_self_service",
        "consultations",
        "wait",
        "verification",
        "not_applicable_prereviews",
    }
)


class UnknownFact(KeyError):
    """A formula names a fact the reference does not collect."""


class _Facts:
    """One group's facts for the registry's formulas: each fact's values, and the indicators computed so far."""

    def __init__(self, facts: dict[str, list[Any]]) -> None:
        self._facts = facts
        self.computed: dict[str, Any] = {}
        unknown = set(facts) - FACTS
        assert not unknown, f"reference.FACTS does not declare {sorted(unknown)}"

    def _known(self, name: str) -> list[Any]:
        if name not in FACTS:
            raise UnknownFact(f"reference.py collects no fact {name!r}")
        return self._facts.get(name, [])

    def count(self, name: str) -> int:
        return len(self._known(name))

    def values(self, name: str) -> list[float]:
        return list(self._known(name))

    def value(self, name: str) -> Any:
        return self.computed[name] if name in self.computed else self.count(name)


def values(facts: dict[str, list[Any]], dims: Sequence[str] = ()) -> dict[str, Any]:
    """Every indicator of the registry from one group's facts, each by its own reference formula, in order;
    None where the grouping by `dims` gives it no meaning (its `not_by`)."""
    group = _Facts(facts)
    for ind in INDICATORS.computed():
        group.computed[ind.code] = ind.reference(group) if ind.defined_by(dims) else None
    return group.computed


def relative_volume(
    rows: Iterable[tuple[Any, ...]],
    dims: Sequence[str],
    tz: tzinfo,
    key_matters: dict[str, str] | None = None,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """{(bundle, *dims): {key_matter, bundle_cases, key_matter_cases, relative_volume}} as
    engine.relative_volume: the bundle's cases ÷ every case of its declared key matter, its own included."""
    key_matters = key_matters or {}
    events = _events(rows)
    first: dict[str, dict[str, Any]] = {}
    for e in events:
        if e["type"] == "case.accepted" and e["case"] not in first:
            first[e["case"]] = e
    matters = {a["matter"] for a in first.values()}
    listed = {a["bundle"] for a in first.values() if a["bundle"]}
    listed |= {b for b, key in key_matters.items() if key in matters}
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for bundle in listed:
        key = key_matters.get(bundle)
        for a in first.values():
            mine = a["bundle"] == bundle
            if not mine and not (key and a["matter"] == key):
                continue
            row = out.setdefault(
                (bundle, *_key(a, dims, tz)),
                {"key_matter": key, "bundle_cases": 0, "key_matter_cases": 0 if key else None},
            )
            row["bundle_cases"] += mine
            if key:
                row["key_matter_cases"] += 1
    for row in out.values():
        row["relative_volume"] = _ratio(row["bundle_cases"], row["key_matter_cases"] or 0)
    return out


def not_applicable(
    rows: Iterable[tuple[Any, ...]], dims: Sequence[str], tz: tzinfo
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """{(*dims, matter, material): {marks, prereviews, share}} as engine.not_applicable."""
    events = _events(rows)
    marked: dict[tuple[Any, ...], set[Any]] = defaultdict(set)
    reviewed: dict[tuple[Any, ...], int] = defaultdict(int)
    for i, e in enumerate(events):
        if e["type"] == "material.not_applicable":
            ref = str(e["data"].get("prereview") or "")
            marked[(*_key(e, dims, tz), e["matter"], str(e["data"].get("material") or ""))].add(
                ref or ("event", i)
            )
        elif e["type"] == "prereview.completed":
            reviewed[(*_key(e, dims, tz), e["matter"])] += 1
    out = {}
    for key, refs in marked.items():
        prereviews = reviewed.get(key[:-1], 0)
        out[key] = {"marks": len(refs), "prereviews": prereviews, "share": _ratio(len(refs), prereviews)}
    return out
