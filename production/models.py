"""Batches baked for an event, and the lots each one used.

The rules of what may be recorded live here, once: how many batches
(`clean_batches`), how many units they made (`clean_units_made`) and when
(`check_produced_at`). The model's validators and constraints, the record
form and `production.services` all use them.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from bakery.numbers import MoneyField, QuantityField, quantize_quantity
from events.models import Event
from pantry.models import Ingredient, Lot, Recipe, StockMovement

BATCH_PLACES = 2
MIN_BATCHES = Decimal(1).scaleb(-BATCH_PLACES)  # 0.01: the smallest part batch
MAX_BATCHES = Decimal(1000)
MAX_UNITS_MADE = Decimal(10) ** 9


def _number(value) -> Decimal | None:
    """A finite Decimal from an int, Decimal or text; None for anything else
    (floats included: their binary noise never reaches a count)."""
    if isinstance(value, (bool, float)):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def show_number(value) -> str:
    """ "1.5", "1,000", "0.125": a number as typed, without trailing zeros."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def clean_batches(value) -> Decimal:
    """Batches to record: above 0, at most 2 decimal places (0.5 is half a
    batch), at most 1,000. Returns them as a Decimal, or raises a
    ValidationError that says which limit was crossed."""
    batches = _number(value)
    if batches is None:
        raise ValidationError(
            f"Batches must be a number such as 1 or 0.5, not “{value}”.",
            code="invalid",
        )
    if batches <= 0:
        raise ValidationError(
            "Record more than 0 batches: 0.5 is half a batch.", code="min_value"
        )
    if batches > MAX_BATCHES:
        raise ValidationError(
            f"Record at most {show_number(MAX_BATCHES)} batches at once.",
            code="max_value",
        )
    if batches != batches.quantize(MIN_BATCHES):
        raise ValidationError(
            f"Batches can have at most {BATCH_PLACES} decimal places, not "
            f"{show_number(batches)}.",
            code="decimal_places",
        )
    return batches.quantize(MIN_BATCHES)


def clean_units_made(value) -> Decimal:
    """What batches really made, in the recipe's yield units: 0 (a lost
    batch) or more, rounded to 3 decimal places half up."""
    units = _number(value)
    if units is None:
        raise ValidationError(
            f"Units made must be a number such as 22, or 0 for a lost batch, "
            f"not “{value}”.",
            code="invalid",
        )
    if units < 0:
        raise ValidationError(
            "Units made cannot be negative: 0 is a lost batch.", code="min_value"
        )
    if units > MAX_UNITS_MADE:
        raise ValidationError(
            f"Units made must be at most {show_number(MAX_UNITS_MADE)}.",
            code="max_value",
        )
    return quantize_quantity(units)


def check_produced_at(value: datetime.datetime) -> None:
    """A batch is recorded as baked now or earlier, never later."""
    if value and value > timezone.now():
        raise ValidationError(
            "A batch cannot be recorded as baked in the future.", code="future"
        )


def _validate_batches(value) -> None:
    clean_batches(value)


class BatchesField(models.DecimalField):
    """Batches, checked by `clean_batches` alone: DecimalField's own digit
    checks would say the same limits twice, in other words."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 4 + BATCH_PLACES)
        kwargs.setdefault("decimal_places", BATCH_PLACES)
        kwargs.setdefault("validators", [_validate_batches])
        super().__init__(*args, **kwargs)

    @cached_property
    def validators(self):
        return [*self.default_validators, *self._validators]


def _validate_units_made(value) -> None:
    if value is not None:
        clean_units_made(value)


class ProductionRecordQuerySet(models.QuerySet):
    def active(self):
        """Records that count: reversed ones count for nothing."""
        return self.filter(reversed_at__isnull=True)


class ProductionRecord(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="production_records"
    )
    recipe = models.ForeignKey(
        Recipe, on_delete=models.PROTECT, related_name="production_records"
    )
    batches = BatchesField(help_text="Above 0 and at most 1,000; 0.5 is half a batch.")
    units_made = QuantityField(
        null=True,
        blank=True,
        validators=[_validate_units_made],
        help_text=(
            "What the batches really made, in the recipe's yield units; 0 for a "
            "lost batch. Empty: what the batches yield."
        ),
    )
    actual_cost = MoneyField(default=0, help_text="What the lots it used cost.")
    produced_at = models.DateTimeField(default=timezone.now, db_index=True)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reversal_reason = models.TextField(blank=True)
    expiry_warnings = models.TextField(
        blank=True, help_text="Lots it used that were past their use-by date."
    )
    # Set by a form so that a double click or a resubmission records once.
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = ProductionRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-produced_at", "-pk"]
        indexes = [
            models.Index(fields=["event", "recipe"], name="production_event_recipe")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(batches__gt=0), name="production_batches_positive"
            ),
            models.CheckConstraint(
                condition=Q(batches__lte=MAX_BATCHES),
                name="production_batches_at_most_max",
            ),
            models.CheckConstraint(
                condition=Q(units_made__isnull=True) | Q(units_made__gte=0),
                name="production_units_made_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(actual_cost__gte=0), name="production_cost_non_negative"
            ),
        ]

    def __str__(self):
        return f"Production #{self.pk} ({self.recipe}, {self.event})"

    def clean(self):
        try:
            check_produced_at(self.produced_at)
        except ValidationError as error:
            raise ValidationError({"produced_at": error}) from None

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class ConsumptionLine(models.Model):
    """What one lot gave to a production record, at what cost."""

    record = models.ForeignKey(
        ProductionRecord, on_delete=models.PROTECT, related_name="lines"
    )
    ingredient = models.ForeignKey(
        Ingredient, on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="consumption_lines"
    )
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="consumption_line"
    )
    quantity = QuantityField(help_text="In the ingredient's stock unit.")
    cost = MoneyField()

    class Meta:
        ordering = ["record", "ingredient__name", "lot__purchased_on", "lot_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="consumption_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0), name="consumption_cost_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} {self.ingredient.stock_unit} of {self.lot}"


class Allocation(models.Model):
    """Units of a production record that an assembled package holds: a
    package takes its baked goods from the event's records oldest first, so
    a lot traces to the recipients who got what it went into."""

    assignment = models.ForeignKey(
        "events.Assignment", on_delete=models.PROTECT, related_name="allocations"
    )
    record = models.ForeignKey(
        ProductionRecord, on_delete=models.PROTECT, related_name="allocations"
    )
    units = QuantityField(help_text="In the recipe's yield units.")

    class Meta:
        ordering = ["assignment", "record__produced_at", "record_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "record"], name="allocation_unique_record"
            ),
            models.CheckConstraint(
                condition=Q(units__gt=0), name="allocation_units_positive"
            ),
        ]

    def __str__(self):
        return f"{self.units} of {self.record} in {self.assignment}"
