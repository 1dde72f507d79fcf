"""What every section does with a row once it is read: create what nothing
matches, update or keep what something matches, and count each, in the plan;
then, when the plan is written, create and update in bulk."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction

from production.dataio.plan import Pending, Plan, saved
from production.dataio.rows import ImportFailed, Problem, Row
from production.dataio.values import FieldError, RowFields

if TYPE_CHECKING:
    from production.dataio.planner import Planner

# Rows a bulk insert or update writes at once: few statements, and each one
# far below the parameters a statement may hold (Django splits by those too).
WRITE_BATCH = 2000


# --- planning ----------------------------------------------------------------


def create(
    planner: Planner, *, section: str, row: Row, model: type, values: dict[str, Any]
) -> Pending:
    """Plans a new object for the row, counted as created."""
    pending = Pending(model, values, row.source, file=row.file)
    planner.plan.creates[section].append(pending)
    planner.plan.counts.created[section] += 1
    return pending


def merge(row: Row, pending: Pending, values: Mapping[str, Any]) -> None:
    """A row of a later file naming what a row of an earlier file creates:
    its values win, as if the files had been imported one at a time."""
    pending.values.update(values)
    pending.source, pending.file = row.source, row.file


def update_or_keep(
    planner: Planner, *, section: str, row: Row, obj, values: dict[str, Any]
) -> None:
    """Plans the values that differ from the saved object (as earlier rows
    leave it), counted as updated; if none does, counts it unchanged. A slug
    is the key the row was matched by, never changed."""
    planned = planner.as_planned(obj)
    changes = {
        name: value
        for name, value in values.items()
        if name != "slug" and differs(getattr(planned, name), value)
    }
    if changes:
        planner.change(row, obj, changes)
        planner.plan.counts.updated[section] += 1
    else:
        planner.plan.counts.unchanged[section] += 1


def replace_children(
    planner: Planner,
    *,
    section: str,
    obj,
    children: list[dict],
    replaced: list[tuple[Any, list[dict]]],
    updates_before: int,
) -> None:
    """Plans new lines (items) for a saved recipe (package); it counts as
    updated, unless its own fields made it so already (`updates_before`:
    the number of updates planned before its row)."""
    replaced.append((obj, children))
    if len(planner.plan.updates) == updates_before:
        planner.plan.counts.unchanged[section] -= 1
        planner.plan.counts.updated[section] += 1


def set_children(replaced: list[tuple[Any, list[dict]]], obj, children) -> None:
    """Makes `children` those planned for `obj`, a Pending whose later row
    gives its lines (items) again."""
    replaced[:] = [
        (parent, children if parent is obj else planned) for parent, planned in replaced
    ]


def repeated(
    planner: Planner, row: Row, seen: dict, key, field_name: str, value
) -> bool:
    """Whether an earlier row of the same file has the same natural key
    (then reported). A row of an earlier file with that key is no repeat:
    this one updates what it plans, as it would if the files were imported
    one at a time."""
    earlier = seen.get(key)
    if earlier is not None and earlier.file == row.file:
        planner.problem(row, FieldError(field_name, value, f"repeats {earlier.source}"))
        return True
    seen[key] = row
    return False


def plan_simple(
    planner: Planner,
    *,
    section: str,
    rows: list[Row],
    index: dict,
    model: type[models.Model],
    parse: Callable[[RowFields], dict[str, Any]],
    key_of: Callable[[dict[str, Any]], Any],
) -> None:
    """Plans a section whose rows are the object's own fields and a name
    (recipients, events): each row creates, updates or keeps the object its
    key (`key_of`) finds in `index`."""
    seen: dict[Any, Row] = {}
    for row in rows:
        fields = RowFields(row)
        values = parse(fields)
        planner.fits(row, model, values, fields=fields)
        if not planner.report(row, fields):
            continue
        key = key_of(values)
        if repeated(planner, row, seen, key, "name", values["name"]):
            continue
        existing = index.get(key)
        if isinstance(existing, Pending):
            merge(row, existing, values)
        elif existing is None:
            index[key] = create(
                planner, section=section, row=row, model=model, values=values
            )
        else:
            update_or_keep(
                planner, section=section, row=row, obj=existing, values=values
            )


def differs(current, wanted) -> bool:
    """Whether a saved value and a row's differ: numbers by value (1.50 is
    1.5), anything else as it is."""
    if isinstance(current, Decimal) or isinstance(wanted, Decimal):
        if current is None or wanted is None:
            return current != wanted
        return Decimal(current) != Decimal(wanted)
    return current != wanted


# --- writing -----------------------------------------------------------------


class refused_as:
    """Turns the database refusing a write into the import's problem,
    naming the row (`source`) it came from."""

    def __init__(self, source: str | Callable[[], str]):
        self.source = source

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if not isinstance(error, (DatabaseError, ValidationError)):
            return False
        source = self.source() if callable(self.source) else self.source
        reason = (
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else f"the database refused it: {error}"
        )
        raise ImportFailed([Problem(source, "", None, reason)]) from error


def write_creates(plan: Plan, *, section: str) -> None:
    """Saves the objects the section creates, in bulk inserts of
    WRITE_BATCH; each Pending gets its saved `obj`. Each is the object
    checks.check_writes checked (in the dry run as well), given the saved
    objects its pending references stand for."""
    pendings = plan.creates.get(section, [])
    if not pendings:
        return
    model = pendings[0].model
    objs = []
    for pending in pendings:
        obj = pending.checked
        if obj is None:  # not checked: built as it was planned
            obj = pending.model(**{n: saved(v) for n, v in pending.values.items()})
        for name, value in pending.values.items():
            if isinstance(value, Pending):
                setattr(obj, name, value.obj)
        objs.append(obj)
    sources = [pending.source for pending in pendings]
    _in_batches(objs, sources, lambda batch: model.objects.bulk_create(batch))
    for pending, obj in zip(pendings, objs, strict=True):
        pending.obj = obj


def write_updates(plan: Plan) -> None:
    """Saves the changes planned to saved objects: one bulk update for each
    model and set of fields changed, in batches of WRITE_BATCH. An object
    changed by several rows is written once, with their changes in order;
    a refusal names the first of them, as its checks do."""
    changes: dict[models.Model, dict[str, Any]] = {}
    source_of: dict[models.Model, str] = {}
    for (obj, changed), source in zip(plan.updates, plan.update_sources, strict=True):
        changes.setdefault(obj, {}).update(changed)
        source_of.setdefault(obj, source)  # the row its checks name
    groups: dict[tuple, list[models.Model]] = {}
    for obj, changed in changes.items():
        for name, value in changed.items():
            setattr(obj, name, saved(value))
        groups.setdefault((type(obj), tuple(changed)), []).append(obj)
    for (model, names), objs in groups.items():
        _in_batches(
            objs,
            [source_of[obj] for obj in objs],
            lambda batch, model=model, names=names: model.objects.bulk_update(
                batch, list(names)
            ),
            one=lambda obj, names=names: obj.save(update_fields=list(names)),
        )


def write_children(
    *,
    model: type[models.Model],
    parent_field: str,
    replaced: Iterable[tuple[Any, list[dict]]],
    build: Callable[[models.Model, dict], models.Model],
) -> None:
    """Replaces the lines (items) of recipes (packages): those of the saved
    parents go in one delete, the new ones of every parent in bulk inserts.
    A parent the import creates has none to delete."""
    replaced = list(replaced)
    parents = [parent.pk for parent, _ in replaced if not isinstance(parent, Pending)]
    replaced = [(saved(parent), children) for parent, children in replaced]
    if not replaced:
        return
    for start in range(0, len(parents), WRITE_BATCH // 4):
        model.objects.filter(
            **{f"{parent_field}__in": parents[start : start + WRITE_BATCH // 4]}
        ).delete()
    model.objects.bulk_create(
        (build(parent, child) for parent, children in replaced for child in children),
        batch_size=WRITE_BATCH,
    )


def _in_batches(
    objs: list[models.Model],
    sources: list[str],
    write: Callable[[list[models.Model]], Any],
    *,
    one: Callable[[models.Model], Any] | None = None,
) -> None:
    """Writes `objs` batch by batch, each in a savepoint. Should the database
    refuse a batch, its objects are written again one at a time, to name
    the row it refuses (this runs only then: the import fails)."""
    one = one or (lambda obj: obj.save(force_insert=True))
    for start in range(0, len(objs), WRITE_BATCH):
        batch = objs[start : start + WRITE_BATCH]
        try:
            with transaction.atomic():
                write(batch)
        except DatabaseError as error:
            for obj, source in zip(batch, sources[start:], strict=False):
                with refused_as(source), transaction.atomic():
                    one(obj)
            # No row alone is refused: together they are.
            with refused_as(sources[start]):
                raise error from None
