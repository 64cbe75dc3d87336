"""The history generator and the metrics loader use the event declarations of core.event_types."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from onevisit.core import event_types
from onevisit.core.event_types import EventContractError
from onevisit.metrics import engine
from onevisit.planning import calibrate
from onevisit.simulators import history


def test_the_loader_orders_types_as_the_registry_declares_them():
    assert event_types.in_order(engine.EVENT_TYPES) == engine._ORDER
    assert tuple(n for n in event_types.REGISTRY if n in engine.EVENT_TYPES) == engine._ORDER
    assert list(engine._CODE.values()) == list(range(len(engine.EVENT_TYPES)))


def test_each_scan_of_the_loader_reads_the_types_it_is_meant_to():
    """The registry's order makes each part of the log a range; this names the part a reordering breaks."""

    def part(name: str) -> set[str]:
        first, last = engine._PARTS[name]
        return set(engine._ORDER[engine._CODE[first] : engine._CODE[last] + 1])

    window = {"window.signed_in", "window.signed_out", "window.paused", "window.resumed"}
    desk = {
        "material.not_applicable",
        "field.entered",
        "prereview.completed",
        "triage.routed",
        "consultation.recorded",
    }
    assert part("ev_counted") == desk | window | {"ticket.no_show"}
    assert part("ev_marks") == window | {
        "ticket.no_show",
        "ticket.called",
        "ticket.issued",
        "case.completed",
        "case.accepted",
        "visit.recorded",
    }
    assert part("ev_ticketed") == {"ticket.issued", "case.completed"}
    assert part("ev_visits") == {"case.accepted", "visit.recorded"}
    assert part("ev_ends") == {"case.completed", "case.accepted", "visit.recorded", "task.started"}
    assert part("ev_cases") == part("ev_ends") | {"case.continued", "case.returned"}
    assert part("ev_verify") == {"verification.started", "verification.finished"}
    for single in ("ev_na", "ev_called", "ev_done", "ev_accepted", "ev_flagged"):
        assert len(part(single)) == 1, single


def test_every_list_of_types_a_reader_keeps_is_declared():
    for name, types in (
        ("engine", engine.EVENT_TYPES),
        ("history", history.EVENT_TYPES),
        ("planning", calibrate.EVENT_TYPES),
    ):
        assert set(event_types.in_order(types)) == set(types), name


_PREREVIEW = {
    "prereview": 7,
    "verdict": "tolerance",
    "required": 3,
    "present": 2,
    "missing": ["hkb"],
    "not_applicable": [],
    "matters": ["cbdj"],
    "first_visit": True,
    "person": "p1",
}
_ACCEPTED = {"number": "A001", "visit_seq": 1, "verdict": None, "matters": ["a", "b"], "tasks": 0}
_NA = {"prereview": 7, "material": "ldht", "reason": "灵活就业人员", "preset": True}
# Each data column of the loader (engine.DATA_FIELDS): a declared payload it reads, and what it reads from it.
LOADED = [
    ("duplicate", "field.entered", {"field": "name", "duplicate": True, "known_from": "导引台"}, True),
    ("at_window", "case.completed", {"visits": 2, "at_window": False}, False),
    ("visits", "case.completed", {"visits": 2, "at_window": False}, 2),
    ("visit_seq", "visit.recorded", {"visit_seq": 3, "purpose": "supply"}, 3),
    ("n_matters", "case.accepted", _ACCEPTED, 2),
    ("verdict", "prereview.completed", _PREREVIEW, "tolerance"),
    ("first_visit", "prereview.completed", _PREREVIEW, True),
    ("channel", "triage.routed", {"prereview": 7, "channel": "self_service"}, "self_service"),
    ("ref", "material.not_applicable", _NA, "7"),
    ("ref", "verification.started", {"task": "t", "verification": 9, "to": "d", "due": "2026-12-07"}, "9"),
    ("note", "case.outlier_flagged", {"note": "系统故障"}, "系统故障"),
    ("material", "material.not_applicable", _NA, "ldht"),
    (
        "priority",
        "ticket.issued",
        {"number": "A001", "priority": 2, "priority_class": "elderly", "waiting_ahead": 0},
        2,
    ),
]


@pytest.mark.parametrize(("column", "type_", "data", "expected"), LOADED)
def test_the_loader_reads_each_column_from_a_declared_field(column, type_, data, expected):
    """A key misspelt on either side (the declaration or the loader) fails here instead of reading a default."""
    event_types.check(type_, data)
    assert engine.DATA_FIELDS[column](type_, data) == expected


def test_every_data_column_of_the_loader_is_tried_above():
    assert {column for column, *_ in LOADED} == set(engine.DATA_FIELDS)


def _hall() -> history._Hall:
    return history._Hall(
        no=1, seed=1, tz=ZoneInfo(history.TZ_NAME), log=history._Log(), start=date(2026, 11, 2), days=1
    )


@pytest.mark.parametrize(
    ("type_", "data", "refs", "says"),
    [
        ("ticket.called", {"numbr": "A001", "waited_seconds": 3}, {}, "field 'numbr' is not declared"),
        ("ticket.called", {"number": "A001", "waited_seconds": "3"}, {}, "field 'waited_seconds'"),
        ("ticket.teleported", {}, {}, "unknown event type"),
        ("window.paused", {}, {"case": "h01-c000001"}, "carries no case"),
        ("case.outlier_flagged", {"note": "回电 13812345678"}, {}, "masked"),
    ],
)
def test_the_history_generator_refuses_an_event_its_declaration_does_not_allow(type_, data, refs, says):
    hall = _hall()
    with pytest.raises(EventContractError, match=says):
        hall.emit(datetime(2026, 11, 2, 2, tzinfo=UTC), type_, data=data, **refs)
    assert not hall.log.heap  # nothing was added


def test_every_generated_event_matches_its_declaration():
    for e in history.generate(start=date(2026, 11, 2), days=5, halls=1, seed=5):
        event_types.check(e.type, e.data, [r for r in event_types.REFS if getattr(e, r)])
