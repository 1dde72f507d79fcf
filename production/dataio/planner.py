"""Checks every row against the database and plans what to write.

The sections are planned one after the other in the order of
`sections.ORDER`, each after the ones its rows refer to, across every file of
the import at once; the files' rows come in the order of `rows.order`. A row
naming what a row of an earlier file creates updates it, as importing the
files one at a time would. The planner holds what the sections share: what
each finds by its natural key, the changes planned to saved objects, and the
reporting of problems by row.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from production.dataio import checks
from production.dataio.plan import Pending, Plan
from production.dataio.rows import NESTED_CSV, DataSet, Problem, Row, not_an_object
from production.dataio.sections import ORDER
from production.dataio.sections.ingredients import IngredientIndex, report_missing
from production.dataio.values import FieldError, RowFields, unfit


class Planner:
    """Plans an import: `run` returns the Plan, whose problems say whether it
    may be written."""

    def __init__(
        self,
        dataset: DataSet,
        *,
        create_missing: bool = False,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.dataset = dataset
        self.create_missing = create_missing
        self.progress = progress or (lambda label, done, total: None)
        self.plan = Plan()
        # What each section finds by natural key, saved or pending; filled by
        # the sections, in their order (see each section's `plan`).
        self.ingredients = IngredientIndex()
        self.products: dict[tuple, Any] = {}
        self.recipes: dict[str, Any] = {}  # by slug
        self.recipe_names: dict[str, Any] = {}
        self.recipients: dict[tuple, Any] = {}
        self.packages: dict[str, Any] = {}
        self.events: dict[tuple, Any] = {}
        # Ingredient references nothing matches, with the rows naming them,
        # and the ingredients --create-missing creates for them
        self.missing: dict[str, list[str]] = defaultdict(list)
        self.created_missing: list[Pending] = []
        # The first file whose lots name each ingredient reference
        self.lot_files: dict[str, int] = {}
        # What the plan changes of each saved object, as the writer will, and
        # the (first) row changing it.
        self.planned: dict[models.Model, dict[str, Any]] = {}
        self.changed_by: dict[models.Model, str] = {}
        # What values.unfit answered, by object's values and by field's
        # value: rows repeat their values (20,000 assignments have a handful
        # of quantities, 100,000 lots some hundreds of dates).
        self._unfit_answers: dict[tuple, dict[str, str]] = {}
        self._field_answers: dict[tuple, str] = {}

    def run(self) -> Plan:
        """Plans every section in `sections.ORDER`, then checks everything
        the plan writes as saving it would (see checks.check_writes)."""
        self.attach_nested()
        rows = self.dataset.rows
        for section in ORDER:
            section.plan(self, rows=rows.get(section.name, []))
        report_missing(self)
        self.plan.problems.extend(
            checks.check_writes(
                creates=[
                    p for pendings in self.plan.creates.values() for p in pendings
                ],
                planned=self.planned,
                changed_by=self.changed_by,
                as_planned=self.as_planned,
                refused={problem.source for problem in self.plan.problems},
            )
        )
        self.plan.created_missing = [pending.name for pending in self.created_missing]
        self.plan.counts.unpriced["lots"] = sum(
            1 for lot in self.plan.purchases if lot.values["total_cost"] is None
        )
        return self.plan

    # --- reporting, by row --------------------------------------------------

    def problem(self, row: Row, error: FieldError | str, field_name: str = "") -> None:
        if isinstance(error, FieldError):
            self.plan.problems.append(
                Problem(row.source, error.field, error.value, error.reason)
            )
        else:
            self.plan.problems.append(Problem(row.source, field_name, None, error))

    def warn(self, row: Row, reason: str, field_name: str = "", value=None) -> None:
        self.plan.warnings.append(Problem(row.source, field_name, value, reason))

    def report(self, row: Row, fields: RowFields) -> bool:
        """Reports every problem found in the row; whether there was none."""
        for error in fields.errors:
            self.problem(row, error)
        return not fields.errors

    def is_object(self, raw: Any, source: str) -> bool:
        """Whether a line or item is an object of fields; if not, a problem."""
        if isinstance(raw, dict):
            return True
        self.plan.problems.append(not_an_object(source, raw))
        return False

    def fits(
        self,
        row: Row,
        model: type[models.Model],
        values: Mapping[str, Any],
        *,
        also: Mapping[str, Any] | None = None,
        named: Mapping[str, str] | None = None,
        stored: Mapping[str, str] | None = None,
        fields: RowFields | None = None,
        model_clean: bool = True,
    ) -> bool:
        """Whether the model takes `values`, as they will be stored: each
        fits its column, and the model's `clean` finds nothing wrong (see
        values.unfit); `also` holds what else that clean may look at (saved
        objects referred to, copies of values). Anything refused is a
        problem under the row's own field (`named` maps a model field to it
        when they differ) and value; `stored` says, by row field, what a
        value becomes once stored when that is not what the row says (a
        lot's quantity in its stock unit).

        With `fields` (the row's values as read), the problems join those
        of reading them, and the values that could not be read are left
        out: the others are still checked, but not by the model's `clean`,
        which needs them all (nor with `model_clean` False: the values are
        not all of the object's)."""
        named, stored = named or {}, stored or {}
        if fields is not None:
            values = {
                name: value
                for name, value in values.items()
                if value is not None and not fields.failed(named.get(name, name))
            }
        whole = model_clean and (fields is None or not fields.errors)
        reasons = self._unfit(model, values, also, whole)
        for name, reason in reasons.items():
            field_name = "" if name == NON_FIELD_ERRORS else named.get(name, name)
            if field_name in stored:
                reason = f"{stored[field_name]}: {reason}"
            value = row.data.get(field_name) if field_name else None
            error = FieldError(field_name, value, reason)
            if fields is not None:
                fields.errors.append(error)
            else:
                self.problem(row, error)
        return not reasons

    def _unfit(
        self,
        model: type[models.Model],
        values: Mapping[str, Any],
        also: Mapping[str, Any] | None,
        whole: bool,
    ) -> dict[str, str]:
        """values.unfit of an object made of `values` and `also`. Without
        `also`, the object is made of `values` alone, and the answer is
        kept for the next row with the same values; with it, the answer of
        each field is kept for the next with the same value."""
        if also:
            return unfit(
                model(**values, **also),
                values,
                model_clean=whole,
                answers=self._field_answers,
            )
        try:
            # By type and, for a Decimal, as written: 1.0000 has more
            # decimal places than 1, and True is 1 to a dict.
            key = (
                model,
                whole,
                tuple(
                    (name, type(value), str(value) if type(value) is Decimal else value)
                    for name, value in sorted(values.items())
                ),
            )
            hash(key)
        except TypeError:  # a value that is no key (a list): checked each time
            return unfit(model(**values), values, model_clean=whole)
        if key not in self._unfit_answers:
            self._unfit_answers[key] = unfit(model(**values), values, model_clean=whole)
        return self._unfit_answers[key]

    def allowed(
        self, row: Row, name: str, value, check: Callable[..., None], **arguments
    ) -> bool:
        """Runs a rule of the services on a planned change; a refusal is the
        row's problem."""
        try:
            check(**arguments)
        except ValidationError as error:
            self.problem(row, FieldError(name, value, " ".join(error.messages)))
            return False
        return True

    # --- changes to saved objects -------------------------------------------

    def change(self, row: Row, obj, changes: dict[str, Any]) -> None:
        """Plans changes to a saved object (counted by the caller)."""
        self.plan.updates.append((obj, changes))
        self.plan.update_sources.append(row.source)
        self.planned.setdefault(obj, {}).update(changes)
        self.changed_by.setdefault(obj, row.source)

    def as_planned(self, obj):
        """A saved object as the writer leaves it, with the plan's changes
        (a copy); anything else as it is."""
        changes = (
            self.planned.get(obj) if isinstance(obj, models.Model) and obj.pk else None
        )
        if not changes:
            return obj
        planned = copy.copy(obj)
        for name, value in changes.items():
            setattr(planned, name, value)
        return planned

    # --- CSV lines and items ------------------------------------------------

    def attach_nested(self) -> None:
        """Puts CSV lines and items under their recipe or package rows."""
        for name, (parent, parent_key, key, nested) in NESTED_CSV.items():
            children = self.dataset.rows.pop(f"{parent}:{nested}", [])
            if not children:
                continue
            parents = {}
            for row in self.dataset.rows.get(parent, []):
                parents[str(row.data.get(parent_key) or "").strip().lower()] = row
                row.data.setdefault(nested, [])
            for child in children:
                reference = str(child.data.get(key) or "").strip().lower()
                owner = parents.get(reference)
                if owner is None:
                    self.problem(
                        child,
                        FieldError(
                            key,
                            child.data.get(key),
                            f"names no row of {parent}.csv, "
                            f"and {name}.csv rows belong to one",
                        ),
                    )
                    continue
                nested_rows = owner.data[nested]
                if not isinstance(nested_rows, list):
                    continue
                nested_rows.append({**child.data, "_source": child.source})
