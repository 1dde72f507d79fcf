"""Ingredients, what can be bought, what was bought (lots), and recipes.

A lot's remaining quantity and cost change only through stock movements
(pantry.services), so that remaining = purchased + sum of movements, always.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from bakery.numbers import MoneyField, QuantityField
from pantry import units

POSITIVE = MinValueValidator(Decimal("0.001"))
NON_NEGATIVE = MinValueValidator(Decimal(0))


class StockUnit(models.TextChoices):
    GRAM = "g", "grams (g)"
    KILOGRAM = "kg", "kilograms (kg)"
    OUNCE = "oz", "ounces (oz)"
    POUND = "lb", "pounds (lb)"
    MILLILITER = "ml", "millilitres (ml)"
    LITER = "l", "litres (l)"
    EACH = "each", "each (count)"


class Ingredient(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    description = models.TextField(blank=True)
    stock_unit = models.CharField(
        max_length=10,
        choices=StockUnit,
        default=StockUnit.GRAM,
        help_text="Every lot of this ingredient is counted in this unit.",
    )
    density_g_per_ml = models.DecimalField(
        "density (g per ml)",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.000001"))],
        help_text="Converts cups and spoons to weight.",
    )
    grams_per_each = models.DecimalField(
        "weight per each (g)",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[POSITIVE],
        help_text="Converts a count (eggs) to weight.",
    )
    notes = models.TextField(blank=True)
    needs_review = models.BooleanField(
        default=False,
        help_text="Created by an import from a reference it could not match: "
        "check its name, unit and density, then clear this.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_unit__in=StockUnit.values),
                name="ingredient_stock_unit_known",
            ),
            models.CheckConstraint(
                condition=Q(density_g_per_ml__isnull=True) | Q(density_g_per_ml__gt=0),
                name="ingredient_density_positive",
            ),
            models.CheckConstraint(
                condition=Q(grams_per_each__isnull=True) | Q(grams_per_each__gt=0),
                name="ingredient_grams_per_each_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pantry:ingredient", args=[self.slug])

    def clean(self):
        if self.pk is None:
            return
        stored = (
            Ingredient.objects.filter(pk=self.pk, lots__isnull=False)
            .exclude(stock_unit=self.stock_unit)
            .values_list("stock_unit", flat=True)
            .first()
        )
        if stored is not None:
            raise ValidationError(
                {
                    "stock_unit": f"{self.name} has lots counted in {stored}: its "
                    "stock unit changes only with every lot converted to the new one "
                    "(choose the new unit on the ingredient's admin page)."
                }
            )

    def to_stock_unit(self, quantity: Decimal, unit: str | None) -> Decimal:
        """Converts a quantity in any unit to this ingredient's stock unit."""
        if unit is None:
            return Decimal(quantity)
        return units.convert(quantity, unit, self.stock_unit, ingredient=self)


class Product(models.Model):
    ingredient = models.ForeignKey(
        Ingredient, on_delete=models.PROTECT, related_name="products"
    )
    brand = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200)
    package_quantity = QuantityField(validators=[POSITIVE])
    package_unit = models.CharField(max_length=10)
    package_type = models.CharField(
        max_length=50, default="package", help_text="bag, box, jar, carton…"
    )
    is_preferred = models.BooleanField(
        "preferred", default=False, help_text="Its price plans what is not in stock."
    )
    upc = models.CharField("UPC", max_length=20, blank=True)
    last_price = MoneyField(
        "latest price",
        null=True,
        blank=True,
        validators=[NON_NEGATIVE],
        help_text="Of one package, from a price list: plans this ingredient's "
        "needs while none of its lots has a price.",
    )

    class Meta:
        ordering = ["ingredient__name", "brand", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(package_quantity__gt=0),
                name="product_package_quantity_positive",
            ),
            models.UniqueConstraint(
                fields=["ingredient"],
                condition=Q(is_preferred=True),
                name="product_one_preferred_per_ingredient",
                violation_error_message=(
                    "This ingredient already has a preferred product."
                ),
            ),
            models.UniqueConstraint(
                fields=[
                    "ingredient",
                    "brand",
                    "name",
                    "package_quantity",
                    "package_unit",
                ],
                name="product_unique_per_ingredient",
            ),
        ]

    def __str__(self):
        size = f"{units.format_number(self.package_quantity)} {self.package_unit}"
        label = " ".join(part for part in (self.brand, self.name) if part)
        return f"{label}, {size} {self.package_type}"

    def clean(self):
        try:
            self.package_unit = units.normalize_unit(self.package_unit)
        except ValidationError as error:
            raise ValidationError({"package_unit": error}) from None
        if self.pk is not None and self.ingredient_id is not None:
            moved_from = (
                Product.objects.filter(pk=self.pk, lots__isnull=False)
                .exclude(ingredient_id=self.ingredient_id)
                .values_list("ingredient__name", flat=True)
                .first()
            )
            if moved_from is not None:
                raise ValidationError(
                    {
                        "ingredient": f"{self} has lots of {moved_from}, so it stays "
                        f"a product of {moved_from}. Add a new product instead."
                    }
                )
        if self.ingredient_id is not None and self.package_quantity:
            try:
                self.ingredient.to_stock_unit(self.package_quantity, self.package_unit)
            except ValidationError as error:
                raise ValidationError({"package_unit": error}) from None

    @property
    def quantity_in_stock_unit(self) -> Decimal:
        return self.ingredient.to_stock_unit(self.package_quantity, self.package_unit)


# A purchase may be dated a day ahead: the baker's evening is the next day
# in UTC and in other time zones.
PURCHASE_DATE_MARGIN = datetime.timedelta(days=1)


def latest_purchase_date() -> datetime.date:
    return timezone.localdate() + PURCHASE_DATE_MARGIN


def is_after_latest_purchase_date(day: datetime.date) -> bool:
    """Whether a purchase dated `day` is dated after `latest_purchase_date`.

    A local date is never more than a day before UTC's, so a day up to
    UTC's today is answered without the local date: finding the current
    time zone is the dearest part of checking a lot, and an import checks
    100,000 of them."""
    utc_today = datetime.datetime.now(datetime.UTC).date()
    return day > utc_today and day > latest_purchase_date()


@dataclass(frozen=True, slots=True)
class StockLot:
    """What taking from a lot in stock reads of it, as plain values: three
    times faster to read than whole lots (the dashboard prices every lot of
    every recipe it plans; a batch reads every lot of its ingredients)."""

    pk: int
    ingredient_id: int
    purchased_on: datetime.date
    expires_on: datetime.date | None
    quantity_remaining: Decimal
    cost_remaining: Decimal
    is_priced: bool

    def as_lot(self) -> "Lot":
        """The lot itself, holding these values; its other fields are read
        when first used."""
        names = _stock_lot_fields()
        return Lot.from_db(
            DEFAULT_DB_ALIAS,
            names,
            [self.pk if name == "id" else getattr(self, name) for name in names],
        )


@cache
def _stock_lot_fields() -> list[str]:
    """A StockLot's fields as a lot names them, in the order of the lot's
    fields, which `Model.from_db` takes its values in."""
    held = {"id", *StockLot.__slots__}
    return [f.attname for f in Lot._meta.concrete_fields if f.attname in held]


class LotQuerySet(models.QuerySet):
    def fifo(self):
        """Oldest first: purchase date, then id (the lock order as well)."""
        return self.order_by("ingredient_id", "purchased_on", "pk")

    def in_stock(self):
        return self.filter(quantity_remaining__gt=0)

    def stock_lots(self) -> dict[int, list[StockLot]]:
        """The lots in stock as StockLots, by ingredient id, oldest first."""
        lots: dict[int, list[StockLot]] = {}
        for values in self.in_stock().fifo().values_list(*StockLot.__slots__):
            lot = StockLot(*values)
            lots.setdefault(lot.ingredient_id, []).append(lot)
        return lots


class Lot(models.Model):
    """One purchase of an ingredient, used up oldest first."""

    ingredient = models.ForeignKey(
        Ingredient,
        on_delete=models.PROTECT,
        related_name="lots",
        # lot_fifo_idx leads with it and serves its lookups: an index of its
        # own would cost every purchase a write, and find nothing faster
        db_index=False,
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="lots"
    )
    purchased_on = models.DateField(db_index=True)
    quantity_purchased = QuantityField(
        validators=[POSITIVE], help_text="In the ingredient's stock unit."
    )
    quantity_remaining = QuantityField(validators=[NON_NEGATIVE])
    total_cost = MoneyField(validators=[NON_NEGATIVE])
    cost_remaining = MoneyField(validators=[NON_NEGATIVE])
    is_priced = models.BooleanField(
        "priced",
        default=True,
        help_text="False while what it cost is unknown (opening stock brought "
        "from elsewhere): its costs are then 0 and it is shown as unpriced.",
    )
    expires_on = models.DateField(null=True, blank=True)
    supplier = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["ingredient__name", "purchased_on", "pk"]
        indexes = [
            models.Index(
                fields=["ingredient", "purchased_on", "id"], name="lot_fifo_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_purchased__gt=0),
                name="lot_quantity_purchased_positive",
            ),
            models.CheckConstraint(
                condition=Q(quantity_remaining__gte=0),
                name="lot_quantity_remaining_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(quantity_remaining__lte=F("quantity_purchased")),
                name="lot_quantity_remaining_within_purchased",
            ),
            models.CheckConstraint(
                condition=Q(total_cost__gte=0), name="lot_total_cost_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(cost_remaining__gte=0),
                name="lot_cost_remaining_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(cost_remaining__lte=F("total_cost")),
                name="lot_cost_remaining_within_total",
            ),
            models.CheckConstraint(
                condition=Q(quantity_remaining__gt=0) | Q(cost_remaining=0),
                name="lot_empty_holds_no_cost",
                violation_error_message="An empty lot cannot hold any cost.",
            ),
            models.CheckConstraint(
                condition=Q(is_priced=True) | Q(total_cost=0, cost_remaining=0),
                name="lot_unpriced_holds_no_cost",
            ),
        ]

    def __str__(self):
        bought = self.purchased_on.strftime("%-d %b %Y") if self.purchased_on else "?"
        return f"{self.ingredient} lot #{self.pk}, bought {bought}"

    def get_absolute_url(self):
        # the lot's page, with its ledger and where it went, is production's
        return reverse("production:lot", args=[self.pk])

    def clean(self):
        if (
            self.product_id is not None
            and self.ingredient_id is not None
            and self.product.ingredient_id != self.ingredient_id
        ):
            raise ValidationError(
                {
                    "product": f"{self.product} is a product of "
                    f"{self.product.ingredient}, not of {self.ingredient}."
                }
            )
        # clean() may run before the fields are cleaned (bulk purchases)
        purchased_on = self._meta.get_field("purchased_on").to_python(self.purchased_on)
        if purchased_on and is_after_latest_purchase_date(purchased_on):
            raise ValidationError(
                {
                    "purchased_on": f"A purchase cannot be dated after "
                    f"{latest_purchase_date():%-d %b %Y}: "
                    f"{purchased_on:%-d %b %Y} is in the future."
                }
            )
        if (
            self.expires_on
            and self.purchased_on
            and self.expires_on < self.purchased_on
        ):
            raise ValidationError(
                {"expires_on": "A lot cannot expire before it was bought."}
            )

    @property
    def unit_cost(self) -> Decimal | None:
        """Cost of one stock unit at purchase; None while unpriced."""
        if not self.is_priced:
            return None
        return self.total_cost / self.quantity_purchased


class MovementKind(models.TextChoices):
    CONSUMPTION = "consumption", "consumed by production"
    REVERSAL = "reversal", "returned by a reversal"
    WASTE = "waste", "waste"
    CORRECTION = "correction", "count correction"


class StockMovement(models.Model):
    """A signed change to a lot: consumption and waste negative, returns positive."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind)
    quantity = QuantityField()
    cost = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(max_length=500, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        help_text="The consumption this movement puts back.",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MovementKind.values), name="movement_kind_known"
            ),
            models.CheckConstraint(
                condition=(
                    Q(quantity__lt=0, cost__lte=0) | Q(quantity__gt=0, cost__gte=0)
                ),
                name="movement_cost_follows_quantity_sign",
            ),
            models.CheckConstraint(
                condition=(
                    ~Q(kind__in=[MovementKind.CONSUMPTION, MovementKind.WASTE])
                    | Q(quantity__lt=0)
                ),
                name="movement_consumption_and_waste_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MovementKind.REVERSAL) | Q(quantity__gt=0),
                name="movement_reversal_positive",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.quantity} of {self.lot}"


class StockUnitChange(models.Model):
    """An ingredient's stock unit changed, with every quantity counted in it
    (pantry.services.change_stock_unit)."""

    ingredient = models.ForeignKey(
        Ingredient, on_delete=models.CASCADE, related_name="stock_unit_changes"
    )
    from_unit = models.CharField(max_length=10, choices=StockUnit)
    to_unit = models.CharField(max_length=10, choices=StockUnit)
    factor = models.DecimalField(
        max_digits=30, decimal_places=15, help_text="One old unit in the new unit."
    )
    lots = models.PositiveIntegerField(default=0)
    movements = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.ingredient}: {self.from_unit} → {self.to_unit}"


class RecordedReceipt(models.Model):
    """A receipt form recorded: its form's key, so that a second click or a
    resubmission of the same form records nothing more
    (pantry.services.record_receipt)."""

    key = models.CharField(max_length=64, unique=True)
    purchases = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"receipt of {self.purchases} purchase(s), {self.recorded_at:%-d %b %Y}"


class Recipe(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    yield_quantity = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="How much one batch makes, e.g. 48.",
    )
    yield_unit = models.CharField(max_length=50, blank=True, help_text="e.g. cookies")
    keeps_for_days = models.PositiveSmallIntegerField(
        "keeps for (days)",
        null=True,
        blank=True,
        help_text="How long its baked goods stay good; packages older than "
        "this are flagged before delivery.",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(yield_quantity__isnull=True) | Q(yield_quantity__gt=0),
                name="recipe_yield_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pantry:recipe", args=[self.slug])

    @property
    def yield_display(self) -> str:
        if not self.yield_quantity:
            return "no yield set"
        return f"{units.format_number(self.yield_quantity)} {self.yield_unit}".strip()


class RecipeLine(models.Model):
    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="lines")
    ingredient = models.ForeignKey(
        Ingredient, on_delete=models.PROTECT, related_name="recipe_lines"
    )
    quantity = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[POSITIVE]
    )
    unit = models.CharField(max_length=10)
    note = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["recipe", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="recipe_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{units.format_number(self.quantity)} {self.unit} {self.ingredient}"

    def clean(self):
        try:
            self.unit = units.normalize_unit(self.unit)
        except ValidationError as error:
            raise ValidationError({"unit": error}) from None
        if self.ingredient_id is not None and self.quantity:
            try:
                self.ingredient.to_stock_unit(self.quantity, self.unit)
            except ValidationError as error:
                raise ValidationError({"unit": error}) from None

    def quantity_in_stock_unit(self, batches: Decimal = Decimal(1)) -> Decimal:
        return self.ingredient.to_stock_unit(self.quantity * batches, self.unit)
