"""Decimal quantities and money: the one place where they are rounded.

Quantities are kept with 3 decimal places in the ingredient's stock unit and
money with 4 decimal places in the site currency. Both round half up, in
Python, before a value reaches the database: the database backends do not
round alike (1.2345 into 3 places stores 1.234 on SQLite and 1.235 on
PostgreSQL), so nothing is left for them to round.
"""

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

ROUNDING = ROUND_HALF_UP
QUANTITY_PLACES = 3
MONEY_PLACES = 4
QUANTITY_STEP = Decimal(1).scaleb(-QUANTITY_PLACES)
MONEY_STEP = Decimal(1).scaleb(-MONEY_PLACES)
CENT = Decimal("0.01")
ZERO = Decimal(0)


def to_decimal(value) -> Decimal:
    """Turns an int, str or Decimal into a Decimal; floats are refused.

    Floats carry binary noise (0.1 + 0.2) that must never reach money.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        raise TypeError(
            f"Use Decimal or str for {value!r}, not {type(value).__name__}."
        )
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(
            "%(value)s is not a number.", code="invalid", params={"value": value}
        ) from None


def quantize_quantity(value) -> Decimal:
    """Rounds a quantity to 3 decimal places, half up."""
    return to_decimal(value).quantize(QUANTITY_STEP, rounding=ROUNDING)


def quantize_money(value) -> Decimal:
    """Rounds an amount of money to 4 decimal places, half up."""
    return to_decimal(value).quantize(MONEY_STEP, rounding=ROUNDING)


def format_money(value: Decimal | None, *, signed: bool = False) -> str:
    """Shows money to the cent with the currency sign: "$1,234.50", "-$3.30"."""
    if value is None:
        return "—"
    cents = to_decimal(value).quantize(CENT, rounding=ROUNDING)
    sign = "-" if cents < 0 else ("+" if signed and cents > 0 else "")
    return f"{sign}{settings.CURRENCY_SYMBOL}{abs(cents):,.2f}"


class _RoundingDecimalField(models.DecimalField):
    """A DecimalField that rounds half up in Python before saving."""

    places: int
    quantize = staticmethod(lambda value: value)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", self.places)
        super().__init__(*args, **kwargs)

    def get_db_prep_save(self, value, connection):
        if value is None or (
            not isinstance(value, Decimal) and hasattr(value, "resolve_expression")
        ):
            return super().get_db_prep_save(value, connection)
        # What DecimalField.get_db_prep_value hands the backend, rounded
        # first. Its own chain converts and checks each value three times
        # more (10 µs a value here, 4 s of a bulk insert of 100,000 lots),
        # and asking a Decimal for an attribute it lacks is dear too.
        return connection.ops.adapt_decimalfield_value(
            self.quantize(self.to_python(value)), self.max_digits, self.decimal_places
        )


class QuantityField(_RoundingDecimalField):
    """A quantity in an ingredient's stock unit: 3 decimal places, half up."""

    places = QUANTITY_PLACES
    quantize = staticmethod(quantize_quantity)


class MoneyField(_RoundingDecimalField):
    """An amount in the site currency: 4 decimal places, half up."""

    places = MONEY_PLACES
    quantize = staticmethod(quantize_money)


_MONEY_TEXT = re.compile(r"^[$€£]?(\d{1,3}(,\d{3})+|\d+)?([.,]\d+)?$")
NOT_MONEY = "is not an amount of money: write it like 13.69"


def parse_money(text: str) -> Decimal:
    """An amount of money as people write it: "13.69", "$13.69", "13,69"
    (decimal comma) and "1,234.50". Anything else is refused, never taken
    as zero, and so is an amount with more than 4 decimal places. The
    ValidationError's `reason` param says why without the value."""
    raw = str(text).strip().replace(" ", "")
    match = _MONEY_TEXT.match(raw)
    if not raw or not match or not (match.group(1) or match.group(3)):
        raise _refused(text, "invalid", NOT_MONEY)
    digits = raw.lstrip("$€£")
    if match.group(3) and match.group(3).startswith(",") and not match.group(2):
        digits = digits.replace(",", ".")  # decimal comma: 13,69
    else:
        digits = digits.replace(",", "")
    amount = at_most_places(Decimal(digits), MONEY_PLACES)
    if amount is None:
        reason = f"has more than {MONEY_PLACES} decimal places"
        raise _refused(text, "too_precise", reason)
    return amount


def _refused(text, code: str, reason: str) -> ValidationError:
    return ValidationError(
        "“%(value)s” %(reason)s.",
        code=code,
        params={"value": text, "reason": reason},
    )


def at_most_places(amount: Decimal, places: int) -> Decimal | None:
    """The amount written with `places` decimal places ("1.50000" -> 1.500),
    or None when it has more that are not zeros. Never rounds: a number too
    long to round (1E+400) stays as it is, for its column check to refuse."""
    _, digits, exponent = amount.as_tuple()
    extra = -int(exponent) - places  # decimal places written beyond `places`
    if extra <= 0:
        return amount
    if any(digits[-extra:]):
        return None
    # Exact: only zeros go, and the digits kept fit in this precision.
    exact = Context(prec=max(len(digits), 1))
    return amount.quantize(Decimal(1).scaleb(-places), context=exact)
