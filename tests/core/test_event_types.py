"""The event registry itself: docs/events.md follows it, and its checks name what is wrong. No database."""

from pathlib import Path

import pytest

from onevisit.core import event_types
from onevisit.core.event_types import EventContractError

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_docs_events_md_is_generated_from_the_registry():
    assert DOC.read_text(encoding="utf-8") == event_types.markdown(), (
        "docs/events.md is stale: run `python -m onevisit.core.event_types > docs/events.md`"
    )


def test_the_docs_name_every_type_its_fields_and_its_personal_fields():
    text = event_types.markdown()
    for name in event_types.REGISTRY:
        assert f"## {name}\n" in text
    assert "| `person` | text | yes | pattern" in text and "**personal: pseudonym**" in text
    assert "When `mode` is `printer_down`:" in text


def test_a_misspelt_field_is_named_in_the_refusal():
    with pytest.raises(
        EventContractError,
        match="event task.started: field 'department' is missing; field 'departmnet' is not declared",
    ):
        event_types.check("task.started", {"task": "t1", "departmnet": "区医保局", "due": "2026-12-07"})


def test_optional_fields_may_be_left_out_and_nullable_ones_be_null():
    event_types.check("triage.routed", {"prereview": 1, "channel": "window"})
    event_types.check(
        "triage.routed", {"prereview": 1, "channel": "online_assisted", "online_path": "matter:cbdj"}
    )
    event_types.check("task.finished", {"task": "t1", "department": "d", "seconds": None, "overdue": False})
    with pytest.raises(EventContractError, match="field 'channel'"):
        event_types.check("triage.routed", {"prereview": 1, "channel": None})


def test_a_known_value_from_an_undeclared_source_is_refused():
    with pytest.raises(EventContractError, match="undeclared source '档案'"):
        event_types.check("field.entered", {"field": "name", "duplicate": True, "known_from": "档案"})


def test_ordering_names_only_declared_types_in_declaration_order():
    assert event_types.in_order(["ticket.issued", "material.not_applicable"]) == (
        "material.not_applicable",
        "ticket.issued",
    )
    with pytest.raises(EventContractError, match="unknown event type 'ticket.lost'"):
        event_types.in_order(["ticket.issued", "ticket.lost"])


def test_personal_rules_name_declared_fields_and_known_rules():
    for declared in event_types.REGISTRY.values():
        assert set(declared.personal.values()) <= set(event_types.RULES), declared.name
        assert declared.refs <= set(event_types.REFS), declared.name
    # every payload field that names a citizen is a pseudonym
    named = {t.name for t in event_types.REGISTRY.values() if "person" in t.personal}
    assert named == {"prereview.completed", "appointment.booked", "person.renamed"}
