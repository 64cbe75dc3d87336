"""Append-only tables, held by the database itself: triggers refuse UPDATE and DELETE on both databases, and
TRUNCATE on PostgreSQL, whoever connects.

A migration guards a table with one operation, the same for every append-only table (the event log, the ferry's
audit records, a data-access log):

    from onevisit.core import appendonly

    operations = [migrations.CreateModel(...), appendonly.guard("core_accessrecord")]

The only way past the triggers is `lifted()`, inside one transaction. On PostgreSQL it disables them with
`ALTER TABLE … DISABLE TRIGGER`, which only the table's owner (the role migrations run as) may do: the
application's least-privilege role (`onevisit db-role`) owns nothing, so it cannot lift them, drop them or
TRUNCATE. On SQLite there are no roles: whoever holds the file can drop a trigger, so there the file's
permissions and the audit chain's signed checkpoints are the defence. A retention purge, when a hall needs one,
runs as the owner through `lifted()`; the test suite's flush between transactional tests does the same.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import migrations, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# One trigger function for every guarded table; it names the table and the operation it refused.
PG_FUNCTION = "onevisit_append_only"
PG_FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END; $$ LANGUAGE plpgsql"""


def _check_name(table: str) -> str:
    if not table or not table.replace("_", "").isalnum() or not table.isascii():
        raise ValueError(f"not a table name: {table!r}")
    return table


def trigger_names(table: str) -> list[str]:
    return [f"{_check_name(table)}_append_only_{op}" for op in ("update", "delete", "truncate")]


def guard_sql(vendor: str, table: str) -> list[str]:
    """The statements that make `table` append-only on this database."""
    update, delete, truncate = trigger_names(table)
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER {name} BEFORE {op} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"""
            for name, op in ((update, "UPDATE"), (delete, "DELETE"))
        ]
    if vendor == "postgresql":
        return [
            PG_FUNCTION_SQL,
            f"""CREATE TRIGGER {update} BEFORE UPDATE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
            f"""CREATE TRIGGER {delete} BEFORE DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
            f"""CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()""",
        ]
    raise NotImplementedError(f"no append-only guard for {vendor}")


def unguard_sql(vendor: str, table: str) -> list[str]:
    """The reverse of guard_sql (the shared PostgreSQL function stays: other tables use it)."""
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in trigger_names(table)[:2]]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in trigger_names(table)]
    raise NotImplementedError(f"no append-only guard for {vendor}")


def _runner(make: Any, table: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in make(schema_editor.connection.vendor, table):
            schema_editor.execute(
                sql, None
            )  # no parameters: the function's '%' is PL/pgSQL's, not a placeholder

    return run


def guard(table: str) -> migrations.RunPython:
    """The migration operation that makes `table` append-only (reversible)."""
    return migrations.RunPython(_runner(guard_sql, table), _runner(unguard_sql, table), elidable=False)


def guarded_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """The tables the database itself holds append-only, read from its triggers (not from a list in code)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE p.proname = %s AND n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY 1",
                [PG_FUNCTION],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%\\_append\\_only\\_delete' ESCAPE '\\' ORDER BY 1"
            )
        return [row[0] for row in cursor.fetchall()]


@contextlib.contextmanager
def lifted(connection: BaseDatabaseWrapper, tables: list[str] | None = None) -> Iterator[None]:
    """The privileged way past the guard, for the block only, in one transaction (rolled back with it).

    PostgreSQL: the table owner's `ALTER TABLE … DISABLE TRIGGER`; any other role is refused ("must be owner").
    SQLite: the triggers are dropped and made again before the transaction commits.
    """
    with transaction.atomic(using=connection.alias):
        names = guarded_tables(connection) if tables is None else tables
        with connection.cursor() as cursor:
            for table in names:
                if connection.vendor == "postgresql":
                    for trigger in trigger_names(table):
                        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
                else:
                    for sql in unguard_sql(connection.vendor, table):
                        cursor.execute(sql)
        yield
        with connection.cursor() as cursor:
            for table in names:
                if connection.vendor == "postgresql":
                    for trigger in trigger_names(table):
                        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
                else:
                    for sql in guard_sql(connection.vendor, table):
                        cursor.execute(sql)
