"""Batches baked for an event, and the lots each one used."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bakery.numbers import MoneyField, QuantityField
from events.models import Event
from pantry.models import Ingredient, Lot, Recipe, StockMovement


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
    batches = models.PositiveIntegerField()
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
                condition=Q(actual_cost__gte=0), name="production_cost_non_negative"
            ),
        ]

    def __str__(self):
        return f"Production #{self.pk} ({self.recipe}, {self.event})"

    def clean(self):
        if self.produced_at and self.produced_at > timezone.now():
            raise ValidationError(
                {"produced_at": "A batch cannot be recorded as baked in the future."}
            )

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
