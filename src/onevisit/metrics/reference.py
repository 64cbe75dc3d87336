"""Every indicator of engine.py again, in plain Python: slow, obviously correct, for the tests to check against.

Takes the same rows as engine.events_table — (at, type, hall, window, matter, bundle, case, ticket, visit, data)
in log order — and returns {group key tuple: {metric: value}} for the given dimensions. Written from the
definitions in engine.py's docstring, not from its SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import Any


def _key(e: dict[str, Any], dims: Sequence[str], tz: tzinfo) -> tuple:
    local = e["at"].astimezone(tz)
    values = {"hall": e["hall"], "window": e["window"], "matter": e["matter"], "bundle": e["bundle"],
              "day": local.date(), "hour": local.hour}  # fmt: skip
    return tuple(values[d] for d in dims)


def _events(rows: Iterable[tuple]) -> list[dict[str, Any]]:
    """The rows as dicts, each event about a case carrying its case's bundle: the one it was continued into,
    else the one it was accepted as (an event without a known case keeps its own)."""
    events = []
    for at, type_, hall, window, matter, bundle, case, ticket, visit, data in rows:
        events.append({"at": at, "type": type_, "hall": hall or "", "window": window or "", "matter": matter or "",
                       "bundle": bundle or "", "case": case or "", "ticket": ticket or "", "visit": visit or "",
                       "data": data or {}})  # fmt: skip
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


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


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


def _handlings(events: list[dict]) -> list[tuple[dict, float]]:
    """(completion, seconds) for each completion at the window timed from its ticket's latest call before it."""
    latest_call: dict[str, dict] = {}
    out = []
    for e in events:
        if e["type"] == "ticket.called":
            latest_call[e["ticket"]] = e
        elif e["type"] == "case.completed" and e["data"].get("at_window", True):
            call = latest_call.get(e["ticket"])
            if call is not None and call["at"] <= e["at"]:
                out.append((e, (e["at"] - call["at"]).total_seconds()))
    return out


def outlier_cases(events: list[dict], percentile: float | None, min_cases: int) -> dict[str, list]:
    """{case: [(completion, seconds, limit)]} for cases over their matter's percentile, and flagged ones."""
    timed = _handlings(events)
    by_matter: dict[str, list[float]] = defaultdict(list)
    for e, seconds in timed:
        by_matter[e["matter"]].append(seconds)
    out: dict[str, list] = {}
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


def indicators(
    rows: Iterable[tuple],
    dims: Sequence[str],
    tz: tzinfo,
    percentile: float | None = 0.99,
    min_cases: int = 20,
) -> dict[tuple, dict[str, Any]]:
    events = _events(rows)
    outliers = outlier_cases(events, percentile, min_cases)
    facts: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    def add(e: dict, name: str, value: Any = 1) -> None:
        facts[_key(e, dims, tz)][name].append(value)

    # Cases: first acceptance, last completion, most visits, returns.
    first_accept: dict[str, dict] = {}
    last_done: dict[str, dict] = {}
    most_visits: dict[str, int] = defaultdict(int)
    returned: set[str] = set()
    for e in events:
        if e["type"] == "case.accepted" and e["case"] not in first_accept:
            first_accept[e["case"]] = e
        if e["type"] == "case.completed":
            last_done[e["case"]] = e
        if e["type"] in ("case.accepted", "visit.recorded"):
            most_visits[e["case"]] = max(most_visits[e["case"]], int(e["data"].get("visit_seq") or 0))
        if e["type"] == "case.returned":
            returned.add(e["case"])
    for case, a in first_accept.items():
        add(a, "accepted")
        d = last_done.get(case)
        if (
            d is not None
            and d["visit"] == a["visit"]
            and d["at"].astimezone(tz).date() == a["at"].astimezone(tz).date()
        ):
            add(a, "completed_on_the_spot")
        if most_visits[case] > 1:
            add(a, "second_visit_cases")
        if case in returned:
            add(a, "returned_cases")
        n = len(a["data"].get("matters") or ())
        if n == 2:
            add(a, "joint_2")
        elif n == 3:
            add(a, "joint_3")
        elif n >= 4:
            add(a, "joint_4_plus")

    # Completions: handling time from the ticket's latest call before them, visits, at the window.
    latest_call: dict[str, dict] = {}
    first_call: dict[str, dict] = {}
    issued: list[dict] = []
    started: list[dict] = []
    finished: dict[str, dict] = {}
    window_hours: dict[tuple, set] = defaultdict(set)
    for e in events:
        t, data = e["type"], e["data"]
        if t == "ticket.called":
            latest_call[e["ticket"]] = e
            first_call.setdefault(e["ticket"], e)
            local = e["at"].astimezone(tz)
            window_hours[_key(e, dims, tz)].add((e["window"], local.date(), local.hour))
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
                add(e, "trips", int(data["visits"]))
        elif t == "ticket.issued":
            issued.append(e)
        elif t == "ticket.no_show":
            add(e, "no_shows")
        elif t == "field.entered" and data.get("duplicate"):
            add(e, "duplicate_entries")
        elif t == "prereview.completed" and data.get("first_visit"):
            add(e, "first_visit_prereviews")
            if data.get("verdict") == "complete":
                add(e, "complete_at_first_visit")
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
    for key, hours in window_hours.items():
        facts[key]["window_hours"].append(len(hours))

    out: dict[tuple, dict[str, Any]] = {}
    for key, f in facts.items():
        n = {name: len(values) for name, values in f.items()}
        accepted = n.get("accepted", 0)
        wh = sum(f.get("window_hours", []))
        out[key] = {
            "accepted": accepted,
            "completed_on_the_spot": n.get("completed_on_the_spot", 0),
            "one_visit_rate": _ratio(n.get("completed_on_the_spot", 0), accepted),
            "handled": n.get("handling", 0),
            "mean_handling_seconds": _mean(f.get("handling", [])),
            "outliers": n.get("outliers", 0),
            "duplicate_entries": n.get("duplicate_entries", 0),
            "completed_with_visits": n.get("trips", 0),
            "mean_round_trips": _mean(f.get("trips", [])),
            "waited": n.get("wait", 0),
            "mean_wait_seconds": _mean(f.get("wait", [])),
            "p90_wait_seconds": _p90(f.get("wait", [])),
            "no_shows": n.get("no_shows", 0),
            "second_visit_cases": n.get("second_visit_cases", 0),
            "second_visit_ratio": _ratio(n.get("second_visit_cases", 0), accepted),
            "returned_cases": n.get("returned_cases", 0),
            "return_rate": _ratio(n.get("returned_cases", 0), accepted),
            "joint_2": n.get("joint_2", 0),
            "joint_3": n.get("joint_3", 0),
            "joint_4_plus": n.get("joint_4_plus", 0),
            "first_visit_prereviews": n.get("first_visit_prereviews", 0),
            "complete_at_first_visit": n.get("complete_at_first_visit", 0),
            "completeness_at_first_visit": _ratio(
                n.get("complete_at_first_visit", 0), n.get("first_visit_prereviews", 0)
            ),
            "triaged": n.get("triaged", 0),
            "online_share": _ratio(n.get("routed_online", 0), n.get("triaged", 0)),
            "self_service_share": _ratio(n.get("routed_self_service", 0), n.get("triaged", 0)),
            "consultations": n.get("consultations", 0),
            "verifications": n.get("verification", 0),
            "mean_verification_seconds": _mean(f.get("verification", [])),
            "completed_at_window": n.get("completed_at_window", 0),
            "window_hours": wh,
            "throughput_per_window_hour": _ratio(n.get("completed_at_window", 0), wh),
        }
    return out


def relative_volume(rows: Iterable[tuple], dims: Sequence[str], tz: tzinfo) -> dict[tuple, dict[str, Any]]:
    """{(bundle, *dims): {key_matter, bundle_cases, single_cases, relative_volume}} as engine.relative_volume."""
    events = _events(rows)
    first: dict[str, dict] = {}
    for e in events:
        if e["type"] == "case.accepted" and e["case"] not in first:
            first[e["case"]] = e
    keys: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in first.values():
        if a["bundle"]:
            keys[a["bundle"]][a["matter"]] += 1
    # The key matter: the matter the bundle's cases are accepted under (the most frequent; ties: the first name).
    key_of = {b: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for b, counts in keys.items()}
    out: dict[tuple, dict[str, Any]] = {}
    for bundle, key in key_of.items():
        for a in first.values():
            mine = a["bundle"] == bundle
            if not mine and not (a["bundle"] == "" and a["matter"] == key):
                continue
            row = out.setdefault((bundle, *_key(a, dims, tz)), {"key_matter": key, "bundle_cases": 0,
                                                                  "single_cases": 0})  # fmt: skip
            row["bundle_cases" if mine else "single_cases"] += 1
    for row in out.values():
        row["relative_volume"] = _ratio(row["bundle_cases"], row["single_cases"])
    return out
