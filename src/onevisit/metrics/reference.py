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
    values = {"hall": e["hall"], "window": e["window"], "matter": e["matter"], "day": local.date(),
              "hour": local.hour}  # fmt: skip
    return tuple(values[d] for d in dims)


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _p90(xs: list[float]) -> float | None:
    """Linear interpolation between closest ranks (what quantile_cont computes)."""
    if not xs:
        return None
    xs = sorted(xs)
    pos = 0.9 * (len(xs) - 1)
    low = int(pos)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (xs[high] - xs[low]) * (pos - low)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def indicators(rows: Iterable[tuple], dims: Sequence[str], tz: tzinfo) -> dict[tuple, dict[str, Any]]:
    events = []
    for at, type_, hall, window, matter, bundle, case, ticket, visit, data in rows:
        events.append({"at": at, "type": type_, "hall": hall or "", "window": window or "", "matter": matter or "",
                       "bundle": bundle or "", "case": case or "", "ticket": ticket or "", "visit": visit or "",
                       "data": data or {}})  # fmt: skip
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
            if data.get("at_window", True):
                add(e, "completed_at_window")
                if call is not None and call["at"] <= e["at"]:
                    add(e, "handling", (e["at"] - call["at"]).total_seconds())
            if int(data.get("visits") or 0) > 0:
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
