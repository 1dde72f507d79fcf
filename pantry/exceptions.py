"""Errors of the pantry, carrying the data a caller needs to explain them.

They are ValidationErrors, so forms, the admin and `full_clean()` show their
message as they would any other validation message.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from pantry.models import Ingredient, RecordedReceipt


class ReceiptAlreadyRecorded(ValidationError):
    """The receipt's form was recorded already: nothing is recorded twice."""

    def __init__(self, receipt: RecordedReceipt):
        self.receipt = receipt
        super().__init__(
            "This receipt was recorded already (%(purchases)s purchase(s)): "
            "nothing was recorded twice.",
            code="already_recorded",
            params={"purchases": receipt.purchases},
        )


class UnknownUnit(ValidationError):
    def __init__(self, unit: str, known: list[str]):
        self.unit = unit
        super().__init__(
            "Unknown unit “%(unit)s”. Use one of: %(known)s.",
            code="unknown_unit",
            params={"unit": unit, "known": ", ".join(known)},
        )


class ConversionError(ValidationError):
    """A quantity cannot be converted: a fact about the ingredient is missing."""

    def __init__(
        self,
        message: str,
        *,
        ingredient_name: str,
        from_unit: str,
        to_unit: str,
        missing: str,
    ):
        self.ingredient_name = ingredient_name
        self.from_unit = from_unit
        self.to_unit = to_unit
        self.missing = missing
        super().__init__(message, code="conversion")


@dataclass(frozen=True)
class Shortage:
    """An ingredient the pantry does not hold enough of (in its stock unit)."""

    ingredient: Ingredient
    needed: Decimal
    available: Decimal
    unit: str

    @property
    def missing(self) -> Decimal:
        return self.needed - self.available

    def __str__(self) -> str:
        from pantry.units import format_quantity

        return (
            f"Not enough {self.ingredient.name}: need "
            f"{format_quantity(self.needed, self.unit)}, have "
            f"{format_quantity(self.available, self.unit)}."
        )


class InsufficientStock(Exception):
    """Raised when stock does not cover a consumption; nothing was used."""

    def __init__(self, shortages: list[Shortage]):
        self.shortages = list(shortages)
        super().__init__(
            " ".join(str(s) for s in self.shortages) + " Nothing was used."
        )


class TransactionRequired(RuntimeError):
    """A stock write was attempted outside the caller's transaction.atomic."""
