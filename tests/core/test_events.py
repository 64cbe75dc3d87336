import logging
import re

import pytest
from django.db import DatabaseError, connection, transaction

from onevisit.core.events import emit
from onevisit.core.models import AppendOnlyError, Event
from tests.factories import resident_id

ISSUED = {"number": "A001", "priority": 0, "priority_class": "normal", "waiting_ahead": 0}


def _one_event() -> Event:
    with transaction.atomic():
        return emit("ticket.issued", hall="h1", ticket="7", data=ISSUED)


def test_emit_appends_with_references_as_text(db):
    event = _one_event()
    assert Event.objects.get(pk=event.pk).data == ISSUED
    assert event.hall == "h1" and event.ticket == "7"


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_a_programming_error():
    before = Event.objects.count()
    with pytest.raises(RuntimeError, match="transaction"):
        emit("ticket.issued", hall="h1")
    assert Event.objects.count() == before


def test_emit_refuses_unknown_types_and_full_personal_numbers(db):
    before = Event.objects.count()
    with transaction.atomic(), pytest.raises(ValueError, match="unknown event type"):
        emit("ticket.teleported")
    with transaction.atomic(), pytest.raises(ValueError, match="masked"):
        emit("prereview.completed", data={"id": resident_id()})
    with transaction.atomic(), pytest.raises(ValueError, match="masked"):
        emit("prereview.completed", data={"note": "call 13812345678"})
    assert Event.objects.count() == before


def test_emit_refuses_a_known_value_source_nobody_declared(db):
    before = Event.objects.count()
    with transaction.atomic(), pytest.raises(ValueError, match="undeclared source '办事人信息'"):
        emit("field.entered", data={"field": "name", "duplicate": True, "known_from": "办事人信息"})
    assert Event.objects.count() == before
    with transaction.atomic():
        emit("field.entered", data={"field": "name", "duplicate": True, "known_from": "导引台"})
        emit("field.entered", data={"field": "phone", "duplicate": False, "known_from": ""})


def test_the_orm_refuses_updates_and_deletes(db):
    event = _one_event()
    event.type = "case.completed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(type="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert Event.objects.get(pk=event.pk).type == "ticket.issued"


def test_the_database_refuses_an_update_that_bypasses_the_orm(db):
    event = _one_event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE core_event SET type = 'forged' WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).type == "ticket.issued"


def test_the_database_refuses_a_raw_delete(db):
    event = _one_event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_event WHERE id = %s", [event.pk])
    assert Event.objects.filter(pk=event.pk).exists()


def test_log_records_never_carry_a_full_resident_id(caplog):
    from onevisit.core.logging import RedactPersonalData

    rid = resident_id()
    logger = logging.getLogger("onevisit.test")
    logger.addFilter(RedactPersonalData())
    with caplog.at_level(logging.INFO, logger="onevisit.test"):
        logger.info("lookup %s phone %s", rid, "13812345678")
    assert rid not in caplog.text and "13812345678" not in caplog.text
    assert rid[:4] + "*" * 10 + rid[-4:] in caplog.text


# ---- the declarations (core.event_types) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "refs", "data", "says"),
    [
        ("ticket.teleported", {}, {}, "unknown event type 'ticket.teleported'"),
        ("ticket.issued", {}, {**ISSUED, "numbr": "A001"}, "field 'numbr' is not declared"),
        (
            "ticket.issued",
            {},
            {k: v for k, v in ISSUED.items() if k != "number"},
            "field 'number' is missing",
        ),
        (
            "ticket.issued",
            {},
            {**ISSUED, "priority": "2"},
            "field 'priority': Input should be a valid integer",
        ),
        (
            "ticket.issued",
            {},
            {**ISSUED, "priority": True},
            "field 'priority': Input should be a valid integer",
        ),
        ("ticket.called", {}, {"number": "A001", "waited_seconds": 1.5}, "field 'waited_seconds'"),
        (
            "case.accepted",
            {},
            {"number": "A001", "visit_seq": 1, "verdict": None, "matters": "cbdj", "tasks": 0},
            "field 'matters': Input should be a valid list",
        ),
        ("ticket.issued", {"case": "12"}, ISSUED, "event ticket.issued carries no case"),
        ("appointment.booked", {}, {"slot": "x", "person": "张三"}, "field 'person'"),
        ("contingency.on", {}, {"mode": "printer_fire"}, "field 'mode' must be one of"),
        ("contingency.on", {}, {"mode": "printer_down", "printers": ["p1"]}, "field 'fallback' is missing"),
    ],
)
def test_emit_refuses_what_the_declaration_does_not_say_and_writes_nothing(db, type_, refs, data, says):
    before = Event.objects.count()
    with transaction.atomic(), pytest.raises(ValueError, match=re.escape(says)):
        emit(type_, hall="h1", data=data, **refs)
    assert Event.objects.count() == before


def test_emit_takes_every_declared_shape_and_stores_the_payload_as_given(db):
    with transaction.atomic():
        called = emit(
            "ticket.called",
            hall="h1",
            window="w1",
            ticket="7",
            data={"number": "A001", "waited_seconds": 12, "returned": True},
        )
        booked = emit("appointment.booked", hall="h1", data={"slot": "周一 9:00", "person": "p12"})
        down = emit("contingency.on", hall="h1", data={"mode": "printer_failover", "from": "P1", "to": "P2"})
        paused = emit("window.paused", hall="h1", window="w1", actor="chuangkou1")
    assert Event.objects.get(pk=called.pk).data["returned"] is True
    assert Event.objects.get(pk=booked.pk).data == {"slot": "周一 9:00", "person": "p12"}
    assert Event.objects.get(pk=down.pk).data == {"mode": "printer_failover", "from": "P1", "to": "P2"}
    assert Event.objects.get(pk=paused.pk).data == {}


def test_only_public_catalog_facts_may_quote_a_phone_number(db):
    data = {"month": "2026-12", "version": 1, "result": "热线 13812345678 已核实"}
    with transaction.atomic():
        emit("checklist.checked", matter="cbdj", data=data)
    with transaction.atomic(), pytest.raises(ValueError, match="masked"):
        emit("case.outlier_flagged", case="1", data={"note": "回电 13812345678"})
    with transaction.atomic(), pytest.raises(ValueError, match="masked"):
        emit("checklist.checked", matter="cbdj", data={**data, "result": resident_id()})
