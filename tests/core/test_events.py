import logging

import pytest
from django.db import DatabaseError, connection, transaction

from onevisit.core.events import emit
from onevisit.core.models import AppendOnlyError, Event
from tests.factories import resident_id


def _one_event() -> Event:
    with transaction.atomic():
        return emit("ticket.issued", hall="h1", ticket="7", data={"number": "A001"})


def test_emit_appends_with_references_as_text(db):
    event = _one_event()
    assert Event.objects.get(pk=event.pk).data == {"number": "A001"}
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test flush")
def test_postgresql_refuses_a_raw_delete(db):
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
    assert rid[:6] + "********" + rid[-4:] in caplog.text
