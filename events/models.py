"""Who gets what, when: recipients, packages of baked goods, events, and the
assignments of a package to a recipient at an event."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from bakery.numbers import MoneyField
from pantry import units
from pantry.models import Recipe


class Recipient(models.Model):
    name = models.CharField(max_length=200)
    household = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "household"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "household"],
                name="recipient_unique_name_household",
                violation_error_message=(
                    "A recipient with this name and household exists already."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.household})" if self.household else self.name


class Package(models.Model):
    """A gift: so many units of one or more recipes (a tin of 12 cookies)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    recipe = models.ForeignKey(
        Recipe, on_delete=models.PROTECT, related_name="package_items"
    )
    quantity = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="In the recipe's yield units, e.g. 6 (cookies).",
    )

    class Meta:
        ordering = ["package", "recipe__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="package_item_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["package", "recipe"],
                name="package_item_unique_recipe",
                violation_error_message="This recipe is in the package already.",
            ),
        ]

    def __str__(self):
        unit = self.recipe.yield_unit if self.recipe_id else ""
        return f"{units.format_number(self.quantity)} {unit} {self.recipe}".replace(
            "  ", " "
        )


class Event(models.Model):
    name = models.CharField(max_length=200)
    date = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "date"],
                name="event_unique_name_date",
                violation_error_message="An event with this name on this date exists.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # the event's page is production's
        return reverse("production:event", args=[self.pk])


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "pending"
    ASSEMBLED = "assembled", "assembled"
    DELIVERED = "delivered", "delivered"


SETTLED = (AssignmentStatus.ASSEMBLED, AssignmentStatus.DELIVERED)


class AssignmentQuerySet(models.QuerySet):
    def settled(self):
        """Assembled or delivered: what they hold is fixed."""
        return self.filter(status__in=SETTLED)


class Assignment(models.Model):
    """A package for a recipient at an event; pending -> assembled -> delivered.

    Once assembled, what it is (event, recipient, package, quantity) stays as
    it is: its status moves on through production.services only.
    """

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="assignments"
    )
    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="assignments"
    )
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="assignments"
    )
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=20, choices=AssignmentStatus, default=AssignmentStatus.PENDING
    )
    assembled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delivery_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["event__date", "recipient__name", "package__name"]
        indexes = [
            # Covers the dashboard's sums of an event's packages, by package
            # and by status, without reading the table.
            models.Index(
                fields=["event", "package", "status", "quantity"],
                name="assignment_event_packages",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "package"],
                name="assignment_unique_event_recipient_package",
                violation_error_message=(
                    "This recipient has this package at this event already: "
                    "change its quantity instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="assignment_quantity_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values),
                name="assignment_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status=AssignmentStatus.PENDING)
                | Q(assembled_at__isnull=False),
                name="assignment_assembled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.DELIVERED)
                | Q(delivered_at__isnull=False),
                name="assignment_delivered_has_time",
            ),
        ]

    def __str__(self):
        times = f" × {self.quantity}" if self.quantity != 1 else ""
        return f"{self.package}{times} for {self.recipient} at {self.event}"

    FIXED_WHEN_SETTLED = ("event_id", "recipient_id", "package_id", "quantity")

    def clean(self):
        if self.pk is None:
            return
        stored = (
            Assignment.objects.settled()
            .filter(pk=self.pk)
            .values("status", *self.FIXED_WHEN_SETTLED)
            .first()
        )
        if stored is None:
            return
        changed = [
            name.removesuffix("_id")
            for name in self.FIXED_WHEN_SETTLED
            if getattr(self, name) != stored[name]
        ]
        if changed:
            raise ValidationError(
                {
                    name: f"This package is {stored['status']}: its {name} stays "
                    "as it is."
                    for name in changed
                }
            )

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED


class FrozenPlannedCost(models.Model):
    """The estimated cost per batch of a recipe for an event, kept when its
    first batch is recorded, so variance compares baking with the plan as it
    stood before baking."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="frozen_costs"
    )
    recipe = models.ForeignKey(Recipe, on_delete=models.PROTECT, related_name="+")
    cost_per_batch = MoneyField()
    is_fully_priced = models.BooleanField(default=True)
    unpriced_note = models.CharField(max_length=500, blank=True)
    frozen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "recipe__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipe"], name="frozen_cost_unique_event_recipe"
            ),
            models.CheckConstraint(
                condition=Q(cost_per_batch__gte=0), name="frozen_cost_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.recipe} at {self.event}: {self.cost_per_batch} per batch"
