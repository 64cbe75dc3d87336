"""The application's least-privilege PostgreSQL role (`onevisit db-role`): connected as it, the append-only
tables refuse DELETE, UPDATE, TRUNCATE and every way around their triggers, while the application's own work
(calling a ticket: an UPDATE and an event) goes through."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from onevisit.core import appendonly
from onevisit.core.events import emit
from onevisit.core.models import Event
from onevisit.ferry import audit
from onevisit.ferry.models import AuditRecord
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Ticket
from tests.journey import prereview

POSTGRES_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's")
PASSWORD = "app-role-test-password"


@pytest.fixture
def app_role(transactional_db, monkeypatch) -> Iterator[str]:
    role = f"onevisit_app_test_{os.getpid()}"
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    call_command("db_role", role, "--password-stdin", stdout=io.StringIO())
    yield role
    with connection.cursor() as cur:
        cur.execute(f'DROP OWNED BY "{role}"')
        cur.execute(f'DROP ROLE IF EXISTS "{role}"')


@contextlib.contextmanager
def connected_as(role: str) -> Iterator[None]:
    """The default connection, for the block, logged in as `role` (as the application's processes would be)."""
    saved = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    connection.close()
    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = role, PASSWORD
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone()[0] == role
        yield
    finally:
        connection.close()
        connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = saved


def _refused(sql: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)


@POSTGRES_ONLY
def test_the_application_role_cannot_remove_or_change_the_event_log_or_the_audit_chain(app_role):
    with transaction.atomic():
        audit.append("breaker", backend="payment", actor="test", detail={"state": "open"})
        emit(
            "ticket.issued",
            hall="h1",
            ticket="7",
            data={"number": "A001", "priority": 0, "priority_class": "normal", "waiting_ahead": 0},
        )
    events, records = Event.objects.count(), list(AuditRecord.objects.values_list("hash", flat=True))
    with connected_as(app_role):
        for table in ("core_event", "ferry_auditrecord", "ferry_auditverification"):
            _refused(f"DELETE FROM {table}", "permission denied")
            _refused(f"UPDATE {table} SET id = id", "permission denied")
            _refused(f"TRUNCATE {table}", "permission denied")
            for trigger in appendonly.trigger_names(table):
                _refused(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}", "must be owner")
                _refused(f"DROP TRIGGER {trigger} ON {table}", "must be owner")
            _refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL", "must be owner")
            _refused(f"ALTER TABLE {table} RENAME TO {table}_old", "must be owner")
            _refused(f"DROP TABLE {table}", "must be owner")
        _refused(  # a trigger function that lets everything through, in the guard's place
            appendonly.PG_FUNCTION_SQL.replace("RAISE EXCEPTION", "RETURN OLD; --"),
            "must be owner|permission denied for schema",
        )
        _refused("CREATE TABLE core_event_copy (id int)", "permission denied")
        _refused("SET session_replication_role = replica", "permission denied")
        with (
            pytest.raises(DatabaseError, match="must be owner"),
            appendonly.lifted(connection, ["core_event"]),
        ):
            pass
        _refused("TRUNCATE queueing_ticket CASCADE", "permission denied")  # no TRUNCATE anywhere
    assert Event.objects.count() == events
    assert list(AuditRecord.objects.values_list("hash", flat=True)) == records


@POSTGRES_ONLY
def test_the_application_role_does_the_applications_work(app_role, guide, clerk, window1):
    issued = prereview(guide, "cbdj").ticket
    before = Event.objects.count()
    with connected_as(app_role):
        called = queueing.call_next(window=window1, actor=clerk)  # UPDATE of the ticket, INSERT of an event
        assert called == issued
        with transaction.atomic():
            audit.append("breaker", backend="payment", actor="test", detail={"state": "open"})
        verdict = audit.verify()  # reads the chain, appends its own record
        assert verdict.ok, verdict.reason
    assert Ticket.objects.get(pk=issued.pk).status == Ticket.Status.CALLED
    assert Event.objects.count() > before and Event.objects.filter(type="ticket.called").exists()


@POSTGRES_ONLY
def test_the_role_command_is_idempotent_and_refuses_the_owner_or_a_bad_name(app_role):
    out = io.StringIO()
    call_command("db_role", app_role, stdout=out)
    assert (
        "append-only (SELECT, INSERT: core_accessrecord, core_event, ferry_auditrecord, ferry_auditverification"
        in out.getvalue()
    )
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        owner = cur.fetchone()[0]
    with pytest.raises(CommandError, match="the owner"):
        call_command("db_role", owner)
    with pytest.raises(CommandError, match="a-z, 0-9"):
        call_command("db_role", 'app"; DROP TABLE core_event; --')


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite answer")
def test_sqlite_has_no_roles_and_the_command_says_what_holds_instead(db):
    with pytest.raises(CommandError, match="SQLite 没有角色.*签名检查点"):
        call_command("db_role", "onevisit_app")
