"""Search that ignores case and accents, the same on SQLite and PostgreSQL:
"creme" finds "Crème fraîche", "fete" finds "Fête".

Both sides of a comparison are folded: lower case, then accented Latin
letters replaced by their plain letter, by one table. In the database the
table is applied by PostgreSQL's `translate()` and, on SQLite, by the
function `bakery_fold` that every connection registers (bakery.settings).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import CharField, Func, Q, QuerySet, TextField
from django.db.models.functions import Lower

from bakery.folding import ACCENTED, FOLD_FUNCTION, PLAIN, fold


class Folded(Func):
    """`fold()` of a text column, in the database."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"No folding on {connection.vendor}.")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, function=FOLD_FUNCTION, **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(Lower(self.source_expressions[0]))
        return f"translate({sql}, %s, %s)", [*params, ACCENTED, PLAIN]


def search(queryset: QuerySet, query: str, fields: list[str]) -> QuerySet:
    """Rows where any of `fields` holds every word of `query`, ignoring case
    and accents."""
    words = fold(query).split()
    if not words:
        return queryset
    annotations = {
        f"_folded_{name.replace('__', '_')}": Folded(name, output_field=CharField())
        for name in fields
    }
    queryset = queryset.alias(**annotations)
    for word in words:
        queryset = queryset.filter(
            reduce(or_, (Q(**{f"{alias}__contains": word}) for alias in annotations))
        )
    return queryset
