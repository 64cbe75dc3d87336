"""The database itself holds the append-only tables (the event log, the ferry's audit records and its record of
verifications, the data-access log): raw UPDATE and DELETE are refused on both databases, TRUNCATE on PostgreSQL; only the owner's
privileged path (appendonly.lifted) gets past, inside one transaction."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from onevisit.core import access, appendonly, clock
from onevisit.core.events import emit
from onevisit.core.models import AccessRecord, Event
from onevisit.ferry import audit
from onevisit.ferry.models import AuditRecord, AuditVerification

ISSUED = {"number": "A001", "priority": 0, "priority_class": "normal", "waiting_ahead": 0}
APPEND_ONLY = {
    "core_event": Event,
    "ferry_auditrecord": AuditRecord,
    "ferry_auditverification": AuditVerification,
    "core_accessrecord": AccessRecord,
}


def _one_row(table: str) -> int:
    with transaction.atomic():
        if table == "core_event":
            return emit("ticket.issued", hall="h1", ticket="7", data=ISSUED).pk
        if table == "ferry_auditrecord":
            record = audit.append("breaker", backend="payment", actor="test", detail={"state": "open"})
            assert record is not None
            return record.pk
        if table == "core_accessrecord":
            (read,) = access.record(actor="test", persons=[7], where="test")
            return read.pk
        return AuditVerification.objects.create(at=clock.now(), ok=True, checked=0).pk


def _refused(sql: str, params: list[object] | None = None) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_database_refuses_a_raw_update_or_delete(db, table):
    pk = _one_row(table)
    before = APPEND_ONLY[table].objects.filter(pk=pk).values().get()
    _refused(f"UPDATE {table} SET id = id WHERE id = %s", [pk])
    _refused(f"DELETE FROM {table} WHERE id = %s", [pk])
    _refused(f"DELETE FROM {table}")
    assert APPEND_ONLY[table].objects.filter(pk=pk).values().get() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize("table", APPEND_ONLY)
def test_postgresql_refuses_truncate(db, table):
    pk = _one_row(table)
    _refused(f"TRUNCATE {table} CASCADE")
    assert APPEND_ONLY[table].objects.filter(pk=pk).exists()


def test_every_append_only_table_is_guarded_in_the_migrated_database(db):
    """A later migration that remade one of these tables (SQLite does, to alter a column) would drop its
    triggers: this test names the table that lost them."""
    assert set(appendonly.guarded_tables(connection)) >= set(APPEND_ONLY)


def test_the_orm_refuses_bulk_updates_and_deletes_of_audit_records(db):
    pk = _one_row("ferry_auditrecord")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditRecord.objects.filter(pk=pk).delete()
    with pytest.raises(RuntimeError, match="append-only"):
        AuditRecord.objects.filter(pk=pk).update(actor="someone else")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditVerification.objects.all().delete()
    assert AuditRecord.objects.get(pk=pk).actor == "test"


def test_the_owner_lifts_the_guard_for_one_transaction_and_it_is_back_after(db):
    kept, purged = _one_row("core_event"), _one_row("core_event")
    with appendonly.lifted(connection, ["core_event"]), connection.cursor() as cur:
        cur.execute("DELETE FROM core_event WHERE id = %s", [purged])
    assert not Event.objects.filter(pk=purged).exists()
    _refused("DELETE FROM core_event WHERE id = %s", [kept])
    with pytest.raises(ZeroDivisionError), appendonly.lifted(connection, ["core_event"]):
        1 / 0  # noqa: B018 - a purge that fails rolls back, guard and all
    _refused("DELETE FROM core_event WHERE id = %s", [kept])
    assert Event.objects.filter(pk=kept).exists()


def test_a_table_name_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a table name"):
        appendonly.guard_sql("sqlite", "core_event; DROP TABLE core_event")
