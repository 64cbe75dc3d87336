"""`onevisit db-role ROLE`: the least-privilege PostgreSQL role the application connects as.

Run it as the owner (the role migrations run as), after each `onevisit migrate`: it is idempotent. The role may
read and add rows everywhere, change and delete rows except in the append-only tables (found from their
triggers, onevisit.core.appendonly), use the sequences, and nothing else: no TRUNCATE, no TRIGGER, no
REFERENCES, no ownership (so no ALTER TABLE … DISABLE TRIGGER, no DROP), no CREATE in the schema, only SELECT on
django_migrations.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from onevisit.core import appendonly

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
READ_ONLY = {"django_migrations"}  # the application checks migrations; only the owner applies them


class Command(BaseCommand):
    help = (
        "Create or update the least-privilege PostgreSQL role the application connects as (run as the owner, "
        "after each migrate): no TRUNCATE, no UPDATE or DELETE on append-only tables, no trigger changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the application's role, e.g. onevisit_app")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the role's password from the first line of stdin",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, role: str, password_stdin: bool, database: str, **options: Any) -> None:
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                "数据库角色只适用于 PostgreSQL：SQLite 没有角色，保护好数据库文件（0600）并依靠审计链的签名检查点"
                "（database roles are a PostgreSQL feature: SQLite has none)"
            )
        if not _ROLE.match(role):
            raise CommandError(f"角色名只能由小写字母、数字和下划线组成: {role!r} (role names: a-z, 0-9, _)")
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        if password_stdin and not password:
            raise CommandError("no password on stdin")
        with transaction.atomic(using=database), connection.cursor() as cur:
            cur.execute("SELECT current_user, current_schema(), current_database()")
            owner, schema, dbname = cur.fetchone()
            if role == owner:
                raise CommandError(f"{role} is the role this command runs as (the owner); name another role")
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cur.fetchone()
            if found and found[0]:
                raise CommandError(f"{role} is a superuser: a least-privilege role cannot be one")
            if found:
                cur.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
                if cur.fetchone()[0]:
                    raise CommandError(
                        f"{role} is a member of {owner}: it could act as the owner (REVOKE it)"
                    )
            cur.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                "WHERE r.rolname = %s AND c.relnamespace = current_schema()::regnamespace",
                [role],
            )
            if cur.fetchone()[0]:
                raise CommandError(f"{role} owns tables in {schema}: the application's role must own nothing")
            q = connection.ops.quote_name
            attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
            cur.execute(f"{'ALTER' if found else 'CREATE'} ROLE {q(role)} {attributes}")
            if password:
                cur.execute(f"ALTER ROLE {q(role)} PASSWORD %s", [password])
            tables = connection.introspection.table_names(cur)
            append_only = set(appendonly.guarded_tables(connection))
            cur.execute(f"GRANT CONNECT ON DATABASE {q(dbname)} TO {q(role)}")
            cur.execute(f"REVOKE ALL ON SCHEMA {q(schema)} FROM {q(role)}")
            cur.execute(f"GRANT USAGE ON SCHEMA {q(schema)} TO {q(role)}")
            cur.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {q(schema)} FROM {q(role)}")
            for table in tables:
                if table in append_only or table in READ_ONLY:
                    rights = "SELECT, INSERT" if table in append_only else "SELECT"
                else:
                    rights = "SELECT, INSERT, UPDATE, DELETE"
                cur.execute(f"GRANT {rights} ON {q(table)} TO {q(role)}")
            cur.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q(schema)} FROM {q(role)}")
            cur.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {q(role)}")
            # Tables a later migration adds are readable and insertable at once; run this again to grant the rest.
            cur.execute(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {q(schema)} GRANT SELECT, INSERT ON TABLES TO {q(role)}"
            )
            cur.execute(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {q(schema)} GRANT USAGE, SELECT ON SEQUENCES TO {q(role)}"
            )
            cur.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
            can_create = cur.fetchone()[0]
        self.stdout.write(
            self.style.SUCCESS(
                f"role {role}: {len(tables) - len(append_only & set(tables))} tables read/write, "
                f"{len(append_only & set(tables))} append-only (SELECT, INSERT: {', '.join(sorted(append_only))}); "
                f"owner {owner}"
            )
        )
        if can_create:
            self.stderr.write(
                f"warning: {role} may still CREATE in schema {schema} (granted to PUBLIC before PostgreSQL 15): "
                f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC"
            )
