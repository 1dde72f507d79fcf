"""Values of a row, parsed with a clear reason when they are wrong."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from bakery.numbers import NOT_MONEY, at_most_places, parse_money
from pantry import units
from production.dataio.rows import Row


class FieldError(Exception):
    def __init__(self, field: str, value: Any, reason: str):
        self.field, self.value, self.reason = field, value, reason


class RowFields:
    """Reads the values of one row and keeps every wrong one: a value that
    cannot be read is a FieldError in `errors` and reads as None, so that a
    row with several bad fields has all of them reported, not the first."""

    def __init__(self, row: Row):
        self.row = row
        self.errors: list[FieldError] = []

    def read(self, parse, name: str, **options):
        try:
            return parse(self.row, name, **options)
        except FieldError as error:
            self.errors.append(error)
            return None

    def refuse(self, name: str, value: Any, reason: str) -> None:
        self.errors.append(FieldError(name, value, reason))

    def failed(self, name: str) -> bool:
        return any(error.field == name for error in self.errors)

    def text(self, name: str, **options) -> str | None:
        return self.read(text, name, **options)

    def number(self, name: str, **options) -> Decimal | None:
        return self.read(number, name, **options)

    def money(self, name: str, **options) -> Decimal | None:
        return self.read(money, name, **options)

    def date(self, name: str, **options) -> datetime.date | None:
        return self.read(date, name, **options)

    def boolean(self, name: str) -> bool | None:
        return self.read(boolean, name)

    def unit(self, name: str, **options) -> str | None:
        return self.read(unit, name, **options)


def text(row: Row, name: str, *, required=False, max_length=200) -> str:
    value = row.data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise FieldError(name, value, "is required")
    if len(value) > max_length:
        raise FieldError(
            name, value[:40] + "…", f"is longer than {max_length} characters"
        )
    if _UNSTORABLE.search(value):
        raise FieldError(
            name,
            value[:40],
            "holds a character no database keeps (NUL, or half a surrogate pair)",
        )
    return value


# JSON can write them ("\u0000", "\ud800"); PostgreSQL refuses the first and
# UTF-8 cannot encode the second.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def number(
    row: Row, name: str, *, required=True, places=3, positive=True
) -> Decimal | None:
    value = row.data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(name, value, "is required")
        return None
    if isinstance(value, bool):
        raise FieldError(name, value, "is not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(name, value, "is not a number") from None
    if not amount.is_finite():
        raise FieldError(name, value, "is not a number")
    if positive and amount <= 0:
        raise FieldError(name, value, "must be above zero")
    return _at_most_places(amount, places, name, value)


def money(row: Row, name: str, *, required=True) -> Decimal | None:
    """Money as `parse_money` reads it, never taken as zero. Missing or
    empty, it is refused if `required`, else None (not known)."""
    value = row.data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if not required:
            return None
        raise FieldError(name, value, "is required")
    if isinstance(value, bool):
        raise FieldError(name, value, NOT_MONEY)
    try:
        return parse_money(str(value))
    except ValidationError as error:
        raise FieldError(name, value, error.params["reason"]) from None


def _at_most_places(amount: Decimal, places: int, name: str, value: Any) -> Decimal:
    exact = at_most_places(amount, places)
    if exact is None:
        raise FieldError(name, value, f"has more than {places} decimal places")
    return exact


def unfit(
    obj: models.Model,
    names: Iterable[str],
    *,
    model_clean: bool = True,
    answers: dict | None = None,
) -> dict[str, str]:
    """Why `obj` cannot be saved as it is, by field name (NON_FIELD_ERRORS for
    the whole): what `full_clean` checks but uniqueness and constraints, for
    the fields named. Each value, as it will be stored (a lot's quantity in
    its stock unit, rounded), goes through its own field's `clean`
    (max_digits and decimal_places, max_length, choices, minimum); then the
    model's `clean` runs, unless `model_clean` is False (some values of the
    row could not be read). So the limits are the model's, written nowhere
    else. References to other objects are left to the planner.

    `answers`, given, keeps each field's answer for a value across calls: a
    field's `clean` looks at the value alone (references, which look at the
    object, are not checked here)."""
    reasons = {}
    for name in names:
        field = obj._meta.get_field(name)
        if field.is_relation:
            continue
        value = getattr(obj, field.attname)
        key = None
        if answers is not None:
            # By type and, for a Decimal, as written: 1.0000 has more decimal
            # places than 1, and True is 1 to a dict.
            key = (field, type(value), str(value) if type(value) is Decimal else value)
            try:
                if key in answers:
                    if answers[key]:
                        reasons[name] = answers[key]
                    continue
            except TypeError:  # a value that is no key: checked each time
                key = None
        try:
            field.clean(value, obj)
            reason = ""
        except ValidationError as error:
            reason = reasons[name] = _reason(field, error)
        if key is not None:
            answers[key] = reason
    if not model_clean:
        return reasons
    try:
        obj.clean()
    except ValidationError as error:
        for name, errors in error.update_error_dict({}).items():
            reasons.setdefault(name, " ".join(message for e in errors for message in e))
    return reasons


def _reason(field: models.Field, error: ValidationError) -> str:
    # Django's "no more than 14 digits in total" does not tell a baker which
    # side of the point is too long.
    if isinstance(field, models.DecimalField) and {
        "max_digits",
        "max_decimal_places",
        "max_whole_digits",
    } & {part.code for part in error.error_list}:
        whole = field.max_digits - field.decimal_places
        return (
            f"does not fit: at most {whole} digits before the decimal point "
            f"and {field.decimal_places} after"
        )
    return " ".join(error.messages)


def date(row: Row, name: str, *, required=True) -> datetime.date | None:
    value = row.data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(name, value, "is required")
        return None
    try:
        return datetime.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise FieldError(name, value, "is not a date: write it as YYYY-MM-DD") from None


def boolean(row: Row, name: str) -> bool:
    value = row.data.get(name)
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"1", "true", "yes", "y"}:
        return True
    if lowered in {"0", "false", "no", "n"}:
        return False
    raise FieldError(name, value, "is not yes or no")


def unit(row: Row, name: str, *, required=True) -> str:
    value = text(row, name, required=required, max_length=20)
    if not value:
        return ""
    try:
        return units.normalize_unit(value)
    except ValidationError as error:
        raise FieldError(name, value, " ".join(error.messages)) from None
