"""Writing many rows at once: new ones, or a few fields of saved ones."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def save_fields(
    objs: Sequence[Model], names: Sequence[str], *, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Saves the fields `names` of saved objects of one model: an UPDATE by
    primary key per object, all sent in one `executemany`.

    `bulk_update` builds and compiles a CASE expression per object and field:
    for the 8 lots of one batch baked that took 3.6 ms, this 0.3 ms. The
    fields prepare the values as `save` would; no signal is sent.
    """
    if not objs:
        return
    meta = objs[0]._meta
    fields = [meta.get_field(name) for name in names]
    connection = connections[using]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {assignments} "
            f"WHERE {quote(meta.pk.column)} = %s",
            [
                [
                    *(
                        field.get_db_prep_save(getattr(obj, field.attname), connection)
                        for field in fields
                    ),
                    obj.pk,
                ]
                for obj in objs
            ],
        )


# PostgreSQL takes any number of rows a statement, but at most 65,535
# parameters; SQLite's own limit is lower, and applies first.
MAX_ROWS_PER_INSERT = 1000


def insert(objs: Sequence[Model], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Inserts new objects of one model in multi-row INSERTs, as many rows a
    statement as the database takes parameters, and sets their primary keys
    as the database gave them (SQLite and PostgreSQL return them).

    Each value is prepared as `save` prepares it (`pre_save`, then
    `get_db_prep_save`); no signal is sent. The time stamp of an `auto_now`
    or `auto_now_add` field is taken once a statement: the rows of one
    statement are created at once, and preparing a stamp for each was a
    sixth of the time. `bulk_create` spends about two thirds of its time
    compiling its statements, value by value: for 100,000 lots that took
    15-16 s, this 8 s, of which SQLite takes 4 s.
    """
    if not objs:
        return
    meta = objs[0]._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not field.generated and field is not meta.auto_field
    ]
    stamped = [field for field in fields if _is_time_stamp(field)]
    plain = [field for field in fields if field not in stamped]
    connection = connections[using]
    quote = connection.ops.quote_name
    into = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in plain + stamped)}) VALUES "
    )
    row = f"({', '.join(['%s'] * len(fields))})"
    returning = f" RETURNING {quote(meta.pk.column)}"
    size = min(connection.ops.bulk_batch_size(fields, objs), MAX_ROWS_PER_INSERT)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            batch = objs[start : start + size]
            stamps = []
            for field in stamped:
                stamp = field.pre_save(batch[0], True)
                for obj in batch:
                    setattr(obj, field.attname, stamp)
                stamps.append(field.get_db_prep_save(stamp, connection))
            params = []
            for obj in batch:
                params.extend(
                    field.get_db_prep_save(field.pre_save(obj, True), connection)
                    for field in plain
                )
                params.extend(stamps)
            cursor.execute(into + ", ".join([row] * len(batch)) + returning, params)
            for obj, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, using


def _is_time_stamp(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
