"""Values of a row, parsed with a clear reason when they are wrong."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from pantry import units
from production.exchange.rows import Row


class FieldError(Exception):
    def __init__(self, field: str, value: Any, reason: str):
        self.field, self.value, self.reason = field, value, reason


def text(row: Row, name: str, *, required=False, max_length=200) -> str:
    value = row.data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise FieldError(name, value, "is required")
    if len(value) > max_length:
        raise FieldError(
            name, value[:40] + "…", f"is longer than {max_length} characters"
        )
    return value


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
    if amount != amount.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN"):
        raise FieldError(name, value, f"has more than {places} decimal places")
    return amount


_MONEY = re.compile(r"^[$€£]?\s*(\d{1,3}(,\d{3})*|\d+)?([.,]\d+)?$")


def money(row: Row, name: str) -> Decimal:
    """ "13.69", "$13.69", "13,69" (decimal comma) and "1,234.50" are money;
    anything else is refused, never taken as zero."""
    value = row.data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FieldError(name, value, "is required")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = str(value)
    else:
        raw = str(value).strip().replace(" ", "")
    match = _MONEY.match(raw)
    if not match or not any(match.groups()):
        raise FieldError(name, value, "is not an amount of money: write it like 13.69")
    digits = raw.lstrip("$€£")
    if match.group(3) and match.group(3).startswith(",") and not match.group(2):
        digits = digits.replace(",", ".")  # decimal comma: 13,69
    else:
        digits = digits.replace(",", "")
    amount = Decimal(digits)
    if amount != amount.quantize(Decimal("0.0001"), rounding="ROUND_DOWN"):
        raise FieldError(name, value, "has more than 4 decimal places")
    return amount


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
