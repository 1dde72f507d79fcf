"""Listings of the pantry pages: one table each, with explicit fields."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bakery.numbers import format_money
from pantry.models import Lot, Product, Recipe
from pantry.units import format_number, format_quantity

# On a phone ("table stack", site.css) a row is its lead cell and its action,
# then the second cells on one line; the wide ones show from tablet width up.
LEAD = {"td": {"class": "lead"}}
SECOND = {"td": {"class": "second"}}
NUMBER = {"td": {"class": "number second"}, "th": {"class": "number"}}
WIDE = {"td": {"class": "wide"}, "th": {"class": "wide"}}
WIDE_NUMBER = {"td": {"class": "number wide"}, "th": {"class": "number wide"}}
ACTION = {"td": {"class": "act"}}


class LotTable(tables.Table):
    """Purchases (lots), newest first, with the waste / count action."""

    ingredient = tables.Column(
        order_by=("ingredient__name",),
        linkify=lambda record: reverse(
            "pantry:ingredient", args=[record.ingredient.slug]
        ),
        attrs=LEAD,
    )
    product = tables.Column(
        order_by=("product__brand", "product__name"), default="—", attrs=WIDE
    )
    purchased_on = tables.DateColumn(
        format="j M Y", verbose_name="Bought", attrs=SECOND
    )
    quantity_purchased = tables.Column(verbose_name="Bought qty", attrs=WIDE_NUMBER)
    quantity_remaining = tables.Column(verbose_name="Left", attrs=NUMBER)
    total_cost = tables.Column(verbose_name="Cost", attrs=NUMBER)
    expires_on = tables.DateColumn(
        format="j M Y", verbose_name="Expires", default="—", attrs=WIDE
    )
    supplier = tables.Column(default="—", attrs=WIDE)
    action = tables.TemplateColumn(
        template_name="pantry/cells/lot_action.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
        attrs=ACTION,
    )

    class Meta:
        model = Lot
        fields = [
            "ingredient",
            "product",
            "purchased_on",
            "quantity_purchased",
            "quantity_remaining",
            "total_cost",
            "expires_on",
            "supplier",
            "action",
        ]
        attrs = {"class": "table stack", "id": "lots-table"}
        row_attrs = {
            "id": lambda record: f"lot-{record.pk}",
            "class": lambda record: "" if record.quantity_remaining else "used-up",
        }

    def render_product(self, value):
        return str(value)

    def render_quantity_purchased(self, value, record):
        return format_quantity(value, record.ingredient.stock_unit)

    def render_quantity_remaining(self, value, record):
        if not value:
            return mark_safe('<span class="marker out">used up</span>')
        return format_quantity(value, record.ingredient.stock_unit)

    def render_total_cost(self, value, record):
        if not record.is_priced:
            return mark_safe('<span class="marker short">unpriced</span>')
        return format_money(value)


class ProductTable(tables.Table):
    """An ingredient's products with their last purchase (from
    `products_with_last_purchase`) and the buy-again button."""

    product = tables.Column(
        accessor="name", order_by=("brand", "name"), verbose_name="Product", attrs=LEAD
    )
    package = tables.Column(
        accessor="package_quantity", verbose_name="Package", attrs=NUMBER
    )
    last_purchased_on = tables.DateColumn(
        format="j M Y", verbose_name="Last bought", default="never", attrs=SECOND
    )
    last_total_cost = tables.Column(verbose_name="Last paid", attrs=NUMBER)
    action = tables.TemplateColumn(
        template_name="pantry/cells/product_action.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "act full"}},
    )

    class Meta:
        model = Product
        fields = ["product", "package", "last_purchased_on", "last_total_cost"]
        sequence = [
            "product",
            "package",
            "last_purchased_on",
            "last_total_cost",
            "action",
        ]
        attrs = {"class": "table stack", "id": "products-table"}
        row_attrs = {"id": lambda record: f"product-{record.pk}"}

    def render_product(self, record):
        name = " ".join(part for part in (record.brand, record.name) if part)
        if record.is_preferred:
            return format_html('{} <span class="badge">preferred</span>', name)
        return name

    def render_package(self, record):
        return (
            f"{format_number(record.package_quantity)} {record.package_unit} "
            f"{record.package_type}"
        )

    def render_last_total_cost(self, value, record):
        if record.last_purchased_on is None:
            return "—"
        bought = format_quantity(record.last_quantity, record.ingredient.stock_unit)
        if not record.last_is_priced:
            return format_html('{} <span class="marker short">unpriced</span>', bought)
        return f"{format_money(value)} for {bought}"


class RecipeTable(tables.Table):
    name = tables.Column(
        verbose_name="Recipe",
        linkify=lambda record: reverse("pantry:recipe", args=[record.slug]),
        attrs=LEAD,
    )
    category = tables.Column(default="—", attrs=SECOND)
    yield_quantity = tables.Column(verbose_name="One batch makes", attrs=NUMBER)
    line_count = tables.Column(verbose_name="Ingredients", attrs=WIDE_NUMBER)

    class Meta:
        model = Recipe
        fields = ["name", "category", "yield_quantity", "line_count"]
        attrs = {"class": "table stack", "id": "recipes-table"}

    def render_yield_quantity(self, record):
        return record.yield_display
