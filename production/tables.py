"""Listings of the production pages: one table each, with explicit fields."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bakery.numbers import CENT, ROUNDING, format_money
from pantry.selectors import describe_stock
from pantry.units import format_quantity
from production.models import ProductionRecord, show_number
from production.selectors import units_yielded


class MoneyColumn(tables.Column):
    attrs = {"td": {"class": "number"}, "th": {"class": "number"}}

    def render(self, value):
        return format_money(value)


def variance_html(value, percent=None):
    """A signed variance, red only when baking cost more than expected; less
    than half a cent reads as none."""
    cents = value.quantize(CENT, rounding=ROUNDING)
    css = "over" if cents > 0 else ("under" if cents < 0 else "")
    text = format_money(cents, signed=True)
    if percent and cents:
        text += f" ({'+' if percent > 0 else ''}{show_number(percent)}%)"
    return format_html('<span class="{}">{}</span>', css, text)


class VarianceColumn(MoneyColumn):
    """Actual - expected of what was baked; "—" while nothing is."""

    def render(self, value, record):
        return variance_html(value, getattr(record, "variance_percent", None))


class StatusColumn(tables.Column):
    """A package's status, marked for its colour."""

    def render(self, value):
        return format_html('<span class="status status-{}">{}</span>', value, value)


class RecipeProgressTable(tables.Table):
    """The recipes of an event (RecipeProgress rows)."""

    recipe = tables.Column(
        accessor="recipe__name", verbose_name="Recipe", attrs={"td": {"class": "lead"}}
    )
    produced = tables.TemplateColumn(
        template_name="production/cells/batches.html",
        verbose_name="Produced / needed",
        order_by=("batches_produced",),
        accessor="batches_produced",
        attrs={"td": {"class": "second"}},
    )
    # On a phone the sentence above the table carries planned and expected.
    planned_cost = MoneyColumn(
        verbose_name="Planned",
        attrs={"th": {"class": "number wide"}, "td": {"class": "number wide"}},
    )
    expected_cost = MoneyColumn(
        verbose_name="Expected",
        attrs={
            "th": {
                "class": "number wide",
                "title": "What the batches baked were planned to cost",
            },
            "td": {"class": "number wide"},
        },
    )
    actual_cost = MoneyColumn(
        verbose_name="Actual", attrs={"td": {"class": "number second"}}
    )
    variance = VarianceColumn(
        verbose_name="Var.", default="—", attrs={"td": {"class": "number second"}}
    )
    record = tables.TemplateColumn(
        template_name="production/cells/record_button.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "act"}},
    )

    class Meta:
        fields = [
            "recipe",
            "produced",
            "planned_cost",
            "expected_cost",
            "actual_cost",
            "variance",
            "record",
        ]
        orderable = True
        empty_text = "No recipes: the event's packages hold no baked goods yet."
        attrs = {"class": "table stack", "id": "recipes-table"}

    def render_expected_cost(self, value, record):
        return format_money(value) if record.has_baked else "—"

    def render_actual_cost(self, value, record):
        return format_money(value) if record.has_baked else "—"


class PackageTable(tables.Table):
    """The assignments of an event with their cost (AssignmentCost rows)."""

    recipient = tables.Column(
        accessor="assignment__recipient",
        verbose_name="Recipient",
        attrs={"td": {"class": "lead"}},
    )
    package = tables.Column(
        accessor="assignment__package__name",
        verbose_name="Package",
        attrs={"td": {"class": "second"}},
    )
    status = StatusColumn(accessor="assignment__status")
    cost = MoneyColumn(attrs={"td": {"class": "number second"}})
    action = tables.TemplateColumn(
        template_name="production/cells/status_button.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "act full"}},
    )

    class Meta:
        fields = ["recipient", "package", "status", "cost", "action"]
        empty_text = "No packages planned yet: choose “Add packages” for this event."
        attrs = {"class": "table stack", "id": "packages-table"}
        row_attrs = {"id": lambda record: f"assignment-{record.assignment.pk}"}

    def render_package(self, value, record):
        # format_html, not a TemplateColumn: that compiles its template for
        # every cell, 400 times on the event page of 400 packages
        assignment = record.assignment
        return format_html(
            '<a href="{}">{}{}</a>',
            reverse("production:package_trace", args=[assignment.pk]),
            value,
            f" × {assignment.quantity}" if assignment.quantity > 1 else "",
        )

    def render_cost(self, value, record):
        return cost_with_basis(value, record.basis)


def cost_with_basis(value, basis: str):
    """ "$7.85 actual" or "$3.10 estimated": whether the goods were made."""
    return format_html(
        '{} <span class="marker basis-{}">{}</span>', format_money(value), basis, basis
    )


class RecipientCostTable(tables.Table):
    """What each recipient's packages of an event cost (RecipientCost rows)."""

    recipient = tables.Column(accessor="recipient__name", verbose_name="Recipient")
    packages = tables.Column(
        attrs={"td": {"class": "number"}, "th": {"class": "number"}}
    )
    cost = MoneyColumn(verbose_name="Total")

    class Meta:
        fields = ["recipient", "packages", "cost"]
        empty_text = "No recipients yet: add packages for them to this event."
        attrs = {"class": "table stack", "id": "recipients-table"}

    def render_cost(self, value, record):
        return cost_with_basis(value, record.basis)


class HistoryTable(tables.Table):
    produced_at = tables.DateTimeColumn(format="j M Y, H:i", verbose_name="Produced")
    event = tables.Column(
        linkify=lambda record: reverse("production:event", args=[record.event_id]),
        order_by=("event__date", "event__name"),
    )
    recipe = tables.Column(order_by=("recipe__name",))
    batches = tables.Column(attrs={"td": {"class": "number"}})
    units_made = tables.Column(
        verbose_name="Made", attrs={"td": {"class": "number"}}, default="—"
    )
    actual_cost = MoneyColumn(verbose_name="Cost")
    produced_by = tables.Column(verbose_name="By", default="—")
    lots = tables.TemplateColumn(
        template_name="production/cells/consumed_lots.html",
        verbose_name="Lots used",
        orderable=False,
        empty_values=(),
    )
    state = tables.TemplateColumn(
        template_name="production/cells/reverse_button.html",
        verbose_name="",
        accessor="reversed_at",
        empty_values=(),
    )

    class Meta:
        model = ProductionRecord
        fields = [
            "produced_at",
            "event",
            "recipe",
            "batches",
            "units_made",
            "actual_cost",
            "produced_by",
            "lots",
            "state",
        ]
        empty_text = "Nothing recorded yet, or nothing matches these filters."
        attrs = {"class": "table stack", "id": "history-table"}
        row_attrs = {"class": lambda record: "reversed" if record.reversed_at else ""}

    def render_batches(self, value):
        return show_number(value)

    def render_units_made(self, value, record):
        """ "22 of 24 cookies" where the batches made other than they yield."""
        unit = record.recipe.yield_unit
        yielded = units_yielded(record.recipe, record.batches)
        made = show_number(value)
        if yielded is not None and yielded != value:
            made += f" of {show_number(yielded)}"
        return f"{made} {unit}".rstrip()

    def render_actual_cost(self, record):
        if any(not line.lot.is_priced for line in record.lines.all()):
            return format_html(
                '{} <span class="marker short">+ unpriced</span>',
                format_money(record.actual_cost),
            )
        return format_money(record.actual_cost)


class PantryTable(tables.Table):
    name = tables.Column(
        verbose_name="Ingredient",
        linkify=lambda record: reverse("production:ingredient_lots", args=[record.pk]),
    )
    category = tables.Column()
    on_hand = tables.Column(verbose_name="On hand", attrs={"td": {"class": "number"}})
    stock_value = MoneyColumn(verbose_name="Value")
    needed = tables.Column(
        verbose_name="Needed for planned events",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "number"}},
    )
    lots = tables.Column(
        verbose_name="Lots, oldest first",
        orderable=False,
        empty_values=(),
    )

    class Meta:
        fields = ["name", "category", "on_hand", "stock_value", "needed", "lots"]
        empty_text = (
            "No ingredient matches. Add a purchase, or a new ingredient, from "
            "“Add purchase”."
        )
        attrs = {"class": "table stack", "id": "pantry-table"}

    def __init__(self, *args, needs=None, first_needed=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = needs or {}
        self.first_needed = first_needed or {}

    def render_lots(self, record):
        """The lots in stock, a lot flagged when it expires before the first
        planned event that needs the ingredient."""
        return render_to_string(
            "production/cells/pantry_lots.html",
            {"record": record, "needed_on": self.first_needed.get(record.pk)},
        )

    def render_stock_value(self, record):
        if record.unpriced_lots:
            return format_html(
                '{} <span class="marker short">+ {} unpriced</span>',
                format_money(record.stock_value),
                record.unpriced_lots,
            )
        return format_money(record.stock_value)

    def render_on_hand(self, record):
        if not record.on_hand:
            return mark_safe('<span class="marker out">out of stock</span>')
        return describe_stock(record, record.on_hand)

    def render_needed(self, record):
        needed = self.needs.get(record.pk)
        if not needed:
            return "—"
        if needed > record.on_hand:
            short = format_quantity(needed - record.on_hand, record.stock_unit)
            return format_html(
                '{} <span class="marker short">short {}</span>',
                describe_stock(record, needed),
                short,
            )
        return format_html(
            '{} <span class="marker ok">ok</span>', describe_stock(record, needed)
        )


class EventTable(tables.Table):
    name = tables.Column(
        verbose_name="Event",
        linkify=lambda record: reverse("production:event", args=[record.pk]),
    )
    date = tables.DateColumn(format="D j M Y")
    pending_packages = tables.Column(
        verbose_name="Pending", attrs={"td": {"class": "number"}}
    )
    assembled_packages = tables.Column(
        verbose_name="Assembled", attrs={"td": {"class": "number"}}
    )
    delivered_packages = tables.Column(
        verbose_name="Delivered", attrs={"td": {"class": "number"}}
    )

    class Meta:
        fields = [
            "name",
            "date",
            "pending_packages",
            "assembled_packages",
            "delivered_packages",
        ]
        empty_text = "No event matches, or none is planned yet."
        attrs = {"class": "table stack", "id": "events-table"}


class QuantityColumn(tables.Column):
    """A quantity sorted by its number and shown in words (`<name>_display`)."""

    def render(self, record, bound_column):
        return getattr(record, f"{bound_column.accessor}_display")


class ShoppingTable(tables.Table):
    ingredient = tables.Column(order_by=("ingredient__name",))
    needed = QuantityColumn(attrs={"td": {"class": "number"}})
    on_hand = QuantityColumn(verbose_name="On hand", attrs={"td": {"class": "number"}})
    shortfall = tables.Column(verbose_name="To buy", attrs={"td": {"class": "number"}})

    class Meta:
        fields = ["ingredient", "needed", "on_hand", "shortfall"]
        empty_text = "Nothing left to bake."
        attrs = {"class": "table stack", "id": "shopping-table"}
        row_attrs = {"class": lambda record: "short" if record.is_short else ""}

    def render_ingredient(self, value):
        return value.name

    def render_shortfall(self, record):
        if record.is_short:
            return format_html("<strong>{}</strong>", record.shortfall_display)
        return mark_safe('<span class="marker ok">ok</span>')


class TickColumn(tables.Column):
    """An empty box to tick on the printed sheet."""

    def __init__(self, **kwargs):
        super().__init__(
            verbose_name=mark_safe('<span class="visually-hidden">Done</span>'),
            empty_values=(),
            orderable=False,
            attrs={"th": {"class": "tick"}, "td": {"class": "tick act"}},
            **kwargs,
        )

    def render(self):
        return mark_safe('<span class="box"></span>')


class ShoppingSheetTable(tables.Table):
    """The shopping list to print: what to buy (ShoppingItem rows)."""

    tick = TickColumn()
    ingredient = tables.Column(attrs={"td": {"class": "lead"}})
    shortfall = tables.Column(
        accessor="shortfall_display",
        verbose_name="To buy",
        attrs={"td": {"class": "number"}, "th": {"class": "number"}},
    )
    needed = tables.Column(
        accessor="needed_display",
        attrs={"td": {"class": "number wide"}, "th": {"class": "number wide"}},
    )
    on_hand = tables.Column(
        accessor="on_hand_display",
        verbose_name="On hand",
        attrs={"td": {"class": "number wide"}, "th": {"class": "number wide"}},
    )

    class Meta:
        fields = ["tick", "ingredient", "shortfall", "needed", "on_hand"]
        orderable = False
        empty_text = "Nothing to buy: the pantry holds what remains to bake."
        attrs = {"class": "table stack", "id": "shopping-sheet"}

    def render_ingredient(self, value):
        return value.name


class PackingTable(tables.Table):
    """The packing list to print (Assignment rows): each recipient's package,
    what one holds, and its status."""

    tick = TickColumn()
    recipient = tables.Column(attrs={"td": {"class": "lead"}})
    package = tables.Column(attrs={"td": {"class": "second"}})
    contents = tables.Column(
        verbose_name="Each holds",
        empty_values=(),
        attrs={"td": {"class": "second"}},
    )
    status = StatusColumn()

    class Meta:
        fields = ["tick", "recipient", "package", "contents", "status"]
        orderable = False
        empty_text = "No packages planned yet: choose “Add packages” for this event."
        attrs = {"class": "table stack", "id": "packing-sheet"}

    def __init__(self, *args, contents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.package_contents = contents or {}

    def render_package(self, value, record):
        if record.quantity > 1:
            return f"{value} × {record.quantity}"
        return str(value)

    def render_contents(self, record):
        items = self.package_contents.get(record.package_id, ())
        return ", ".join(str(item) for item in items) or "empty"
