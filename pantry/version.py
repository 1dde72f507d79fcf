"""The pantry's version: a token that changes with every write to what a
cost estimate reads (ingredients, products, lots and recipe lines), so that
estimates are worked out once per change of the pantry, not once per page.

Database triggers change the token, so every door moves it: the services,
the admin, the importer, `QuerySet.update`, `bulk_update` and raw SQL alike.
The token is random, never counted: a transaction that rolls back takes its
token with it, and no later write can meet that token again. A transaction
sees its own token and the others' committed ones only, and reads the token
before the rows: what is kept under a token was worked out from the rows
that token stands for (or from newer ones, committed in between).

`install` (re)creates the table and its triggers after every `migrate`
(SQLite drops a table's triggers when a migration rebuilds the table).

On PostgreSQL the token's row is locked by the first write of a
transaction to those tables, until it commits: `lock` takes it first, in
the one lock order (event, pantry version, ingredients, lots).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from pantry.models import Ingredient, Lot, Product, RecipeLine

TABLE = "pantry_version"
WATCHED = tuple(
    model._meta.db_table for model in (Ingredient, Product, Lot, RecipeLine)
)

_NEW_TOKEN = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
}


def _bump_sql(vendor: str) -> str:
    return (
        f"INSERT INTO {TABLE} (id, token) VALUES (1, {_NEW_TOKEN[vendor]}) "
        "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
    )


def _install_statements(vendor: str, tables: Iterable[str]) -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} "
        "(id integer PRIMARY KEY CHECK (id = 1), token varchar(32) NOT NULL)"
    ]
    if vendor == "sqlite":
        # SQLite has row triggers only: one per row written.
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_{table}_{event.lower()} "
            f"AFTER {event} ON {table} BEGIN {_bump_sql(vendor)}; END"
            for table in tables
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
    else:
        # One per statement, TRUNCATE (the test runner's flush) included.
        statements.append(
            f"CREATE OR REPLACE FUNCTION {TABLE}_bump() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {_bump_sql(vendor)}; RETURN NULL; END $$"
        )
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS {TABLE} ON {table}",
                f"CREATE TRIGGER {TABLE} AFTER INSERT OR UPDATE OR DELETE OR "
                f"TRUNCATE ON {table} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {TABLE}_bump()",
            ]
    return statements


def install(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Creates the token's table and the triggers of the watched tables
    that exist (all of them once the pantry is migrated), if missing; a
    `post_migrate` receiver."""
    connection = connections[using]
    if connection.vendor not in _NEW_TOKEN:
        return
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        tables = [table for table in WATCHED if table in existing]
        for statement in _install_statements(connection.vendor, tables):
            cursor.execute(statement)


def current(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The token as this transaction sees it; None before the first write
    to the pantry (nothing is kept then)."""
    connection = connections[using]
    if connection.vendor not in _NEW_TOKEN:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def lock(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Takes the token's row lock until the transaction ends (PostgreSQL;
    SQLite's IMMEDIATE transactions hold the whole database already)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_bump_sql(connection.vendor))


class PerVersion:
    """A dict of what was worked out from the pantry at one version: it
    empties when the version changes, and keeps nothing without one. Each
    process keeps its own; `limit` bounds its size."""

    def __init__(self, *, limit: int):
        self.limit = limit
        self._key: tuple | None = None
        self._values: dict = {}

    def current(self, *, using: str = DEFAULT_DB_ALIAS) -> dict:
        token = current(using=using)
        if token is None:
            return {}
        # FIFO_ORDER changes what is worked out from the same rows.
        name = connections[using].settings_dict["NAME"]
        key = (using, name, token, settings.FIFO_ORDER)
        if key != self._key or len(self._values) > self.limit:
            self._key, self._values = key, {}
        return self._values
