"""Checks everything an import writes as saving it would, in bulk.

`Model.full_clean` per object asks the database once per unique field, per
unique or check constraint and per reference, for every object: some
270,000 queries for a season of 20,000 assignments. The same checks run here
for all the objects of a model at once: each field's `clean` (its
validators, choices, lengths, digits), the model's own `clean`, and its
check constraints in Python; each unique field and unique constraint in one
query for the whole batch. Their messages are those of `full_clean`.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.db.models import CheckConstraint, F, Q, UniqueConstraint

from bakery.numbers import quantize_quantity
from production.dataio.plan import Pending
from production.dataio.rows import Problem

# Distinct values a unique check looks up with one `IN (...)`; more, and it
# reads the column whole instead (one query either way): far below the
# parameters SQLite takes in one statement.
IN_LIMIT = 500


@dataclass(eq=False)
class _Candidate:
    """An object as it will be saved, and what `full_clean` says of it."""

    obj: models.Model
    source: str
    # Fields not checked: those an update leaves as they are, references to
    # objects the import creates (they do not exist yet), and those refused
    # already (as full_clean leaves them out of its later checks).
    exclude: set[str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    _values: dict[str, Any] | None = None

    def add(self, error: ValidationError, *, name: str = NON_FIELD_ERRORS) -> None:
        """Adds a refusal, under the field it names (dict errors name their
        fields themselves)."""
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                self.errors.setdefault(key, []).extend(
                    message for e in errors for message in e.messages
                )
        else:
            self.errors.setdefault(name, []).extend(error.messages)

    def leave_out_refused(self) -> None:
        self.exclude |= {name for name in self.errors if name != NON_FIELD_ERRORS}


def check_writes(
    *,
    creates: Iterable[Pending],
    planned: Mapping[models.Model, dict[str, Any]],
    changed_by: Mapping[models.Model, str],
    as_planned: Callable[[Any], Any],
    refused: set[str],
) -> list[Problem]:
    """The problems `full_clean` would find in the objects the import creates
    (`creates`) and in the saved objects it changes (`planned`, each changed
    first by the row `changed_by` names), each as the writer saves it
    (`as_planned`): each value, the model's own `clean`, its unique fields
    and its constraints. Of an object changed, only the fields changed are
    checked (its `clean` sees them all), as a ModelForm does. Objects the
    import creates are also checked against each other, which the database
    would do on saving the second. Rows refused already (`refused`, by
    source) are not checked again.

    A model's `clean` runs for every object: those that ask the database
    (whether an ingredient has lots, an assignment is settled) ask only of
    saved objects, that is of the objects changed, which are few. Each
    object created is kept, as checked, in its Pending's `checked`: it is
    the object the writer saves."""
    creates = [pending for pending in creates if pending.source not in refused]
    candidates: list[_Candidate] = []
    for pending in creates:
        later = {n for n, v in pending.values.items() if isinstance(v, Pending)}
        values = {
            name: as_planned(value)
            for name, value in pending.values.items()
            if name not in later
        }
        pending.checked = pending.model(**values)
        candidates.append(_Candidate(pending.checked, pending.source, later))
    for obj, changes in planned.items():
        source = changed_by[obj]
        if source in refused:
            continue
        unchanged = {
            f.name
            for f in obj._meta.concrete_fields
            if f.name not in changes and f.attname not in changes
        }
        candidates.append(_Candidate(as_planned(obj), source, unchanged))
    by_model: dict[type[models.Model], list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_model[type(candidate.obj)].append(candidate)
    for model, of_model in by_model.items():
        for candidate in of_model:
            _clean(candidate)
        _validate_unique(model, of_model)
        _validate_constraints(model, of_model)
    problems = [
        Problem(
            candidate.source,
            "" if name == NON_FIELD_ERRORS else name,
            None if name == NON_FIELD_ERRORS else getattr(candidate.obj, name, None),
            " ".join(messages),
        )
        for candidate in candidates
        for name, messages in candidate.errors.items()
    ]
    return problems + _unique_among_creates(creates)


def _clean(candidate: _Candidate) -> None:
    """`clean_fields` and `clean`, as full_clean runs them. References are
    not looked up: each was read from the database by this import, in its
    transaction, or is created by it (a ForeignKey's `clean` asks the
    database whether it exists, once an object)."""
    obj = candidate.obj
    for model_field in obj._meta.fields:
        if (
            model_field.name in candidate.exclude
            or model_field.generated
            or model_field.is_relation
        ):
            continue
        raw = getattr(obj, model_field.attname)
        if model_field.blank and raw in model_field.empty_values:
            continue
        try:
            setattr(obj, model_field.attname, model_field.clean(raw, obj))
        except ValidationError as error:
            candidate.add(error, name=model_field.name)
    try:
        obj.clean()
    except ValidationError as error:
        candidate.add(error)


# --- unique fields and constraints -------------------------------------------


def _validate_unique(model: type[models.Model], candidates: list[_Candidate]) -> None:
    """`validate_unique`: unique_together, then the unique fields, each
    looked up for every candidate in one query."""
    for candidate in candidates:
        candidate.leave_out_refused()
    checks = [tuple(names) for names in model._meta.unique_together]
    checks += [
        (f.name,) for f in model._meta.local_fields if f.unique and not f.primary_key
    ]
    for names in checks:

        def refuse(candidate: _Candidate, names: tuple[str, ...] = names) -> None:
            candidate.add(
                candidate.obj.unique_error_message(model, names),
                name=names[0] if len(names) == 1 else NON_FIELD_ERRORS,
            )

        _look_up(model, names, None, candidates, refuse)


def _validate_constraints(
    model: type[models.Model], candidates: list[_Candidate]
) -> None:
    """`validate_constraints`: check constraints evaluated in Python (the
    database is asked only of a condition Python cannot evaluate), unique
    constraints looked up for every candidate in one query."""
    for candidate in candidates:
        candidate.leave_out_refused()
    for constraint in model._meta.constraints:
        if isinstance(constraint, CheckConstraint):
            for candidate in candidates:
                _check(model, constraint, candidate)
        elif isinstance(constraint, UniqueConstraint) and constraint.fields:
            _unique_constraint(model, constraint, candidates)
        else:  # expressions: as full_clean does it, a query an object
            for candidate in candidates:
                _validate_one(model, constraint, candidate)


def _check(model, constraint: CheckConstraint, candidate: _Candidate) -> None:
    try:
        holds = _holds(constraint.condition, _values(candidate))
    except _Missing:  # it names a field left out: not checked, as in Django
        return
    except _Unsupported:
        _validate_one(model, constraint, candidate)
        return
    if holds is False:  # NULL passes, as in SQL
        candidate.add(
            ValidationError(
                constraint.get_violation_error_message(),
                code=constraint.violation_error_code,
            )
        )


def _unique_constraint(
    model, constraint: UniqueConstraint, candidates: list[_Candidate]
) -> None:
    """A unique constraint on fields, with or without a condition; its
    message is full_clean's."""
    applying = []
    for candidate in candidates:
        if constraint.condition is None:
            applying.append(candidate)
            continue
        try:
            holds = _holds(constraint.condition, _values(candidate))
        except _Missing:
            continue
        except _Unsupported:
            _validate_one(model, constraint, candidate)
            continue
        if holds:
            applying.append(candidate)
    names = tuple(constraint.fields)
    default = constraint.violation_error_message == (
        constraint.default_violation_error_message
    )

    def refuse(candidate: _Candidate) -> None:
        if default and constraint.condition is None:
            error = candidate.obj.unique_error_message(model, names)
        else:
            error = ValidationError(
                constraint.get_violation_error_message(),
                code=constraint.violation_error_code,
            )
        if error.code == "unique" and len(names) == 1:
            candidate.add(error, name=names[0])
        else:
            candidate.add(error)

    _look_up(
        model,
        names,
        constraint.condition,
        applying,
        refuse,
        nulls_distinct=constraint.nulls_distinct is not False,
    )


def _validate_one(model, constraint, candidate: _Candidate) -> None:
    """The constraint's own validation, which may ask the database."""
    try:
        constraint.validate(model, candidate.obj, exclude=candidate.exclude)
    except ValidationError as error:
        fields = getattr(constraint, "fields", ())
        if error.code == "unique" and len(fields) == 1:
            candidate.add(error, name=fields[0])
        else:
            candidate.add(error)


def _look_up(
    model: type[models.Model],
    names: tuple[str, ...],
    condition: Q | None,
    candidates: list[_Candidate],
    refuse: Callable[[_Candidate], None],
    *,
    nulls_distinct: bool = True,
) -> None:
    """Refuses each candidate whose values of `names` a saved row (other
    than itself, and matching `condition`) holds already. One query: the
    saved rows are filtered by the field of most distinct values among the
    candidates, or read whole when those are too many for one IN."""
    attnames = [model._meta.get_field(name).attname for name in names]
    wanted: dict[tuple, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        if any(name in candidate.exclude for name in names):
            continue
        key = tuple(getattr(candidate.obj, attname) for attname in attnames)
        if nulls_distinct and any(value is None for value in key):
            continue  # NULL is never equal to NULL: nothing to look up
        if connection.features.interprets_empty_strings_as_nulls and "" in key:
            continue
        wanted[key].append(candidate)
    if not wanted:
        return
    rows = model._default_manager.all()
    if condition is not None:
        rows = rows.filter(condition)
    distinct = [{key[place] for key in wanted} for place in range(len(names))]
    place = max(range(len(names)), key=lambda index: len(distinct[index]))
    if len(distinct[place]) <= IN_LIMIT:
        rows = rows.filter(**{f"{attnames[place]}__in": list(distinct[place])})
    holders: dict[tuple, set] = defaultdict(set)
    for pk, *key in rows.values_list("pk", *attnames).iterator(chunk_size=2000):
        key = tuple(key)
        if key in wanted:
            holders[key].add(pk)
    for key, pks in holders.items():
        for candidate in wanted[key]:
            if candidate.obj._state.adding or pks - {candidate.obj.pk}:
                refuse(candidate)


# --- conditions evaluated in Python ------------------------------------------


class _Missing(Exception):
    """The condition names a field left out of the check."""


class _Unsupported(Exception):
    """The condition holds an expression or lookup evaluated only by the
    database."""


def _values(candidate: _Candidate) -> dict[str, Any]:
    """The object's values by field name, as Django gives a constraint to
    check: the fields left out are not there. Read once a candidate: the
    fields left out do not change while its constraints are checked."""
    if candidate._values is None:
        obj = candidate.obj
        candidate._values = {
            f.name: getattr(obj, f.attname)
            for f in obj._meta.local_concrete_fields
            if f.name not in candidate.exclude
        }
        if "pk" not in candidate.exclude:
            candidate._values["pk"] = obj.pk
    return candidate._values


def _holds(condition: Q, values: Mapping[str, Any]) -> bool | None:
    """Whether the condition holds, in SQL's logic: None when unknown (a
    comparison with NULL)."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_holds(child, values))
        elif isinstance(child, tuple):
            results.append(_compare(*child, values))
        else:
            raise _Unsupported
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    if condition.negated and result is not None:
        result = not result
    return result


def _compare(lookup: str, wanted: Any, values: Mapping[str, Any]) -> bool | None:
    name, _, kind = lookup.partition("__")
    kind = kind or "exact"
    if "__" in kind:
        raise _Unsupported
    if name not in values:
        raise _Missing
    value = values[name]
    if isinstance(wanted, F):
        if wanted.name not in values:
            raise _Missing
        wanted = values[wanted.name]
    elif hasattr(wanted, "resolve_expression"):
        raise _Unsupported
    if kind == "isnull":
        return (value is None) == bool(wanted)
    if kind == "exact" and wanted is None:
        return value is None
    if value is None or wanted is None:
        return None
    try:
        if kind == "exact":
            return value == wanted
        if kind == "in":
            return value in wanted
        if kind == "gt":
            return value > wanted
        if kind == "gte":
            return value >= wanted
        if kind == "lt":
            return value < wanted
        if kind == "lte":
            return value <= wanted
    except TypeError:  # values of kinds Python does not compare
        raise _Unsupported from None
    raise _Unsupported


# --- objects created together ------------------------------------------------


def _unique_among_creates(creates: list[Pending]) -> list[Problem]:
    """Two objects the import creates that a unique field or constraint
    (without a condition) forbids together: the second is refused, naming
    the first."""
    problems = []
    first: dict[tuple, Pending] = {}
    for pending in creates:
        for names in _unique_sets(pending.model):
            key = tuple(_comparable(pending.values.get(n)) for n in names)
            if any(part is None or part == "" for part in key):
                continue
            earlier = first.setdefault((pending.model, names, key), pending)
            if earlier is pending:
                continue
            label = " and ".join(
                str(pending.model._meta.get_field(n).verbose_name)
                for n in names
                if not isinstance(pending.values.get(n), Pending)
            )
            problems.append(
                Problem(
                    pending.source,
                    names[0] if len(names) == 1 else "",
                    pending.values.get(names[0]) if len(names) == 1 else None,
                    f"{pending.model._meta.verbose_name} with this "
                    f"{label} is created by {earlier.source} already",
                )
            )
    return problems


@functools.cache
def _unique_sets(model: type[models.Model]) -> list[tuple[str, ...]]:
    """The sets of fields the database keeps unique (but the primary key and
    constraints with a condition)."""
    sets = [
        (f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    sets += [tuple(fields) for fields in model._meta.unique_together]
    sets += [
        tuple(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint)
        and constraint.condition is None
        and constraint.fields
    ]
    return sets


def _comparable(value):
    """A value as the database compares it for uniqueness: objects by
    identity (saved or pending), numbers by value."""
    if isinstance(value, Pending):
        return ("pending", id(value))
    if isinstance(value, models.Model):
        return (type(value), value.pk)
    if isinstance(value, Decimal):
        return quantize_quantity(value) if value.is_finite() else value
    return value
