"""Listings of the production pages: one table each, with explicit fields."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bakery.numbers import format_money
from pantry.selectors import describe_stock
from pantry.units import format_quantity
from production.models import ProductionRecord


class MoneyColumn(tables.Column):
    attrs = {"td": {"class": "number"}, "th": {"class": "number"}}

    def render(self, value):
        return format_money(value)


class VarianceColumn(MoneyColumn):
    def render(self, value):
        css = "over" if value > 0 else "under"
        return format_html(
            '<span class="{}">{}</span>', css, format_money(value, signed=True)
        )


class RecipeProgressTable(tables.Table):
    """The recipes of an event (RecipeProgress rows)."""

    recipe = tables.Column(accessor="recipe__name", verbose_name="Recipe")
    produced = tables.TemplateColumn(
        template_name="production/cells/batches.html",
        verbose_name="Produced / needed",
        order_by=("batches_produced",),
        accessor="batches_produced",
    )
    planned_cost = MoneyColumn(verbose_name="Planned")
    actual_cost = MoneyColumn(verbose_name="Actual")
    variance = VarianceColumn(verbose_name="Var.", default="—")
    record = tables.TemplateColumn(
        template_name="production/cells/record_button.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
    )

    class Meta:
        fields = [
            "recipe",
            "produced",
            "planned_cost",
            "actual_cost",
            "variance",
            "record",
        ]
        orderable = True
        empty_text = "No recipes: the event's packages hold no baked goods yet."
        attrs = {"class": "table", "id": "recipes-table"}


class PackageTable(tables.Table):
    """The assignments of an event with their cost (AssignmentCost rows)."""

    recipient = tables.Column(
        accessor="assignment__recipient", verbose_name="Recipient"
    )
    package = tables.TemplateColumn(
        "{{ record.assignment.package }}{% if record.assignment.quantity > 1 %} "
        "× {{ record.assignment.quantity }}{% endif %}",
        accessor="assignment__package__name",
        verbose_name="Package",
    )
    status = tables.TemplateColumn(
        '<span class="status status-{{ value }}">{{ value }}</span>',
        accessor="assignment__status",
    )
    cost = MoneyColumn()
    action = tables.TemplateColumn(
        template_name="production/cells/status_button.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
    )

    class Meta:
        fields = ["recipient", "package", "status", "cost", "action"]
        empty_text = (
            "No packages planned yet: add assignments to this event in the admin."
        )
        attrs = {"class": "table", "id": "packages-table"}
        row_attrs = {"id": lambda record: f"assignment-{record.assignment.pk}"}


class HistoryTable(tables.Table):
    produced_at = tables.DateTimeColumn(format="j M Y, H:i", verbose_name="Produced")
    event = tables.Column(
        linkify=lambda record: reverse("production:event", args=[record.event_id]),
        order_by=("event__date", "event__name"),
    )
    recipe = tables.Column(order_by=("recipe__name",))
    batches = tables.Column(attrs={"td": {"class": "number"}})
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
            "actual_cost",
            "produced_by",
            "lots",
            "state",
        ]
        empty_text = "Nothing recorded yet, or nothing matches these filters."
        attrs = {"class": "table", "id": "history-table"}
        row_attrs = {"class": lambda record: "reversed" if record.reversed_at else ""}

    def render_actual_cost(self, record):
        if any(not line.lot.is_priced for line in record.lines.all()):
            return format_html(
                '{} <span class="marker short">+ unpriced</span>',
                format_money(record.actual_cost),
            )
        return format_money(record.actual_cost)


class PantryTable(tables.Table):
    name = tables.Column(verbose_name="Ingredient")
    category = tables.Column()
    on_hand = tables.Column(verbose_name="On hand", attrs={"td": {"class": "number"}})
    stock_value = MoneyColumn(verbose_name="Value")
    needed = tables.Column(
        verbose_name="Needed for planned events",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "number"}},
    )
    lots = tables.TemplateColumn(
        template_name="production/cells/pantry_lots.html",
        verbose_name="Lots, oldest first",
        orderable=False,
        empty_values=(),
    )

    class Meta:
        fields = ["name", "category", "on_hand", "stock_value", "needed", "lots"]
        empty_text = (
            "No ingredient matches. Add ingredients and purchases in the admin."
        )
        attrs = {"class": "table", "id": "pantry-table"}

    def __init__(self, *args, needs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = needs or {}

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
