"""The data version: a token that changes with every change to what costs
are worked out from (the pantry's ingredients, products, lots, recipes and
recipe lines; the events' packages given, package contents and kept
planned costs), so that cost estimates and planned costs are worked out
once per change, not once per page. Of a package given, only which package,
for which event and how many count: marking it assembled or delivered, or
writing its note, leaves the token.

Database triggers change the token, so every door moves it: the services,
the admin, the importer, `QuerySet.update`, `bulk_update` and raw SQL alike.
On PostgreSQL the trigger runs as the transaction commits (a deferred
constraint trigger, once per transaction), so that the token's row is
locked for the commit alone: writers take no lock in a new order. What is
worked out is kept only outside transactions (`PerVersion`): a transaction
may see rows that are not committed, or its own changes before its token
moves. Outside one, the token is read before the rows, so what is kept
under a token was worked out from the rows the token stands for (or from
newer ones, committed in between). Tokens are random, never counted.

`install` (re)creates the table and its triggers after every `migrate`
(SQLite drops a table's triggers when a migration rebuilds the table).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "bakery_version"
WATCHED_MODELS = (
    "pantry.Ingredient",
    "pantry.Product",
    "pantry.Lot",
    "pantry.Recipe",
    "pantry.RecipeLine",
    "events.Assignment",
    "events.PackageItem",
    "events.FrozenPlannedCost",
)
# The fields whose update moves the token, where not every field's does. An
# UPDATE that sets one of them moves it even to the same value (a full
# save() sets them all): more often than needed, never less.
WATCHED_FIELDS = {
    "events.Assignment": ("event", "package", "quantity"),
}


def watched_tables() -> tuple[str, ...]:
    """The tables of WATCHED_MODELS, whose every insert and delete moves the
    token, and every update too unless `watched_columns` names some."""
    return tuple(apps.get_model(label)._meta.db_table for label in WATCHED_MODELS)


def watched_columns() -> dict[str, tuple[str, ...]]:
    """The columns of WATCHED_FIELDS, by table."""
    columns = {}
    for label, fields in WATCHED_FIELDS.items():
        meta = apps.get_model(label)._meta
        columns[meta.db_table] = tuple(meta.get_field(name).column for name in fields)
    return columns


_NEW_TOKEN = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
}


def _bump_sql(vendor: str) -> str:
    return (
        f"INSERT INTO {TABLE} (id, token) VALUES (1, {_NEW_TOKEN[vendor]}) "
        "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
    )


def _install_statements(
    vendor: str, tables: Iterable[str], columns: dict[str, tuple[str, ...]]
) -> list[str]:
    def update(table: str) -> str:
        if table not in columns:
            return "UPDATE"
        return f"UPDATE OF {', '.join(columns[table])}"

    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} "
        "(id integer PRIMARY KEY CHECK (id = 1), token varchar(32) NOT NULL)",
        f"INSERT INTO {TABLE} (id, token) VALUES (1, {_NEW_TOKEN[vendor]}) "
        "ON CONFLICT (id) DO NOTHING",
    ]
    if vendor == "sqlite":
        # SQLite has row triggers only: one per row written. Made again, as
        # what fires them may have changed.
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                name = f"{TABLE}_{table}_{event.lower()}"
                fires = update(table) if event == "UPDATE" else event
                statements += [
                    f"DROP TRIGGER IF EXISTS {name}",
                    f"CREATE TRIGGER {name} AFTER {fires} ON {table} "
                    f"BEGIN {_bump_sql(vendor)}; END",
                ]
    else:
        # Runs at the commit for each row written: the first moves the token
        # and marks the transaction (set_config local to it), the others
        # see the mark and do nothing.
        statements.append(
            f"CREATE OR REPLACE FUNCTION {TABLE}_bump() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF current_setting('{TABLE}.moved', true) IS DISTINCT FROM "
            "txid_current()::text THEN "
            f"PERFORM set_config('{TABLE}.moved', txid_current()::text, true); "
            f"{_bump_sql(vendor)}; END IF; RETURN NULL; END $$"
        )
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS {TABLE} ON {table}",
                f"CREATE CONSTRAINT TRIGGER {TABLE} AFTER INSERT OR "
                f"{update(table)} OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION {TABLE}_bump()",
                # TRUNCATE (the test runner's flush) has statement triggers only.
                f"DROP TRIGGER IF EXISTS {TABLE}_truncate ON {table}",
                f"CREATE TRIGGER {TABLE}_truncate AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_bump()",
            ]
    return statements


def install(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Creates the token's table and the triggers of the watched tables
    that exist (all of them once every app is migrated), if missing; a
    `post_migrate` receiver."""
    connection = connections[using]
    if connection.vendor not in _NEW_TOKEN:
        return
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        tables = [table for table in watched_tables() if table in existing]
        statements = _install_statements(connection.vendor, tables, watched_columns())
        for statement in statements:
            cursor.execute(statement)


def current(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The token as this transaction sees it; None if its row is missing
    (nothing is kept then)."""
    connection = connections[using]
    if connection.vendor not in _NEW_TOKEN:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


class PerVersion:
    """A dict of what was worked out from the data at one version: it
    empties when the version changes, and keeps nothing without one or
    inside a transaction. Each process keeps its own; `limit` bounds its
    size."""

    def __init__(self, *, limit: int):
        self.limit = limit
        self._kept: tuple[tuple, dict] = ((), {})

    def current(self, *, using: str = DEFAULT_DB_ALIAS) -> dict:
        if connections[using].in_atomic_block:
            return {}
        token = current(using=using)
        if token is None:
            return {}
        # FIFO_ORDER changes what is worked out from the same rows.
        name = connections[using].settings_dict["NAME"]
        key = (using, name, token, settings.FIFO_ORDER)
        # The key and its dict are read and replaced together: a thread that
        # sees another version meanwhile never gets this one's dict.
        kept_key, values = self._kept
        if kept_key != key or len(values) > self.limit:
            values = {}
            self._kept = (key, values)
        return values
