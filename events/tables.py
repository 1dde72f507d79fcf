"""Listings of the planning pages: one table each, with explicit fields, fed
by events.selectors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import django_tables2 as tables
from django.utils.html import format_html

from bakery.numbers import format_money
from events.models import Event, Package, Recipient
from pantry.units import format_number

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}
# Hidden on a phone: the row keeps one line of what matters.
WIDE = {"td": {"class": "wide"}, "th": {"class": "wide"}}
WIDE_NUMBER = {"td": {"class": "number wide"}, "th": {"class": "number wide"}}


def money_with_flag(value: Decimal, is_fully_priced: bool, title: str = ""):
    """ "$3.10", or "$3.10 + unpriced" when some of it could not be priced."""
    if is_fully_priced:
        return format_money(value)
    return format_html(
        '{} <span class="marker short" title="{}">+ unpriced</span>',
        format_money(value),
        title,
    )


class EventTable(tables.Table):
    name = tables.Column(
        verbose_name="Event",
        linkify=("events:event_packages", {"pk": tables.A("pk")}),
    )
    date = tables.DateColumn(format="D j M Y")
    packages = tables.Column(attrs=NUMBER)
    recipients = tables.Column(attrs=WIDE_NUMBER)
    pending = tables.Column(attrs=WIDE_NUMBER)
    assembled = tables.Column(attrs=WIDE_NUMBER)
    delivered = tables.Column(attrs=WIDE_NUMBER)
    actions = tables.TemplateColumn(
        template_name="events/cells/event_actions.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
    )

    class Meta:
        model = Event
        fields = [
            "name",
            "date",
            "packages",
            "recipients",
            "pending",
            "assembled",
            "delivered",
            "actions",
        ]
        order_by = "-date"
        attrs = {"class": "table cards", "id": "events-table"}


class RecipientTable(tables.Table):
    name = tables.Column()
    household = tables.Column(default="")
    address = tables.Column(default="", attrs=WIDE)
    packages = tables.Column(verbose_name="Packages", attrs=NUMBER)
    events = tables.Column(verbose_name="Events", attrs=WIDE_NUMBER)
    actions = tables.TemplateColumn(
        template_name="events/cells/recipient_actions.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
    )

    class Meta:
        model = Recipient
        fields = ["name", "household", "address", "packages", "events", "actions"]
        attrs = {"class": "table cards", "id": "recipients-table"}


@dataclass(frozen=True)
class PackageRow:
    """A package of the list with its contents and estimated cost."""

    package: Package
    contents: str
    estimated_cost: Decimal
    is_fully_priced: bool
    problems: str
    uses: int

    @property
    def pk(self) -> int:
        return self.package.pk

    @property
    def name(self) -> str:
        return self.package.name


class PackageTable(tables.Table):
    name = tables.Column(
        verbose_name="Package",
        linkify=("events:package", {"pk": tables.A("pk")}),
    )
    contents = tables.Column(orderable=False)
    estimated_cost = tables.Column(verbose_name="Estimated cost", attrs=NUMBER)
    uses = tables.Column(verbose_name="Times planned", attrs=WIDE_NUMBER)

    class Meta:
        fields = ["name", "contents", "estimated_cost", "uses"]
        order_by = "name"
        attrs = {"class": "table cards", "id": "packages-table"}

    def render_estimated_cost(self, value, record):
        return money_with_flag(value, record.is_fully_priced, record.problems)


class PackageContentsTable(tables.Table):
    """The items of a package (ItemEstimate rows)."""

    recipe = tables.Column(accessor="item__recipe__name", verbose_name="Recipe")
    units = tables.Column(accessor="item__quantity", verbose_name="Units", attrs=NUMBER)
    batch_share = tables.Column(
        verbose_name="Of a batch", attrs=WIDE_NUMBER, default="—"
    )
    cost_per_batch = tables.Column(
        verbose_name="Cost per batch", attrs=WIDE_NUMBER, default="—"
    )
    cost = tables.Column(verbose_name="Estimated cost", attrs=NUMBER, default="—")

    class Meta:
        fields = ["recipe", "units", "batch_share", "cost_per_batch", "cost"]
        attrs = {"class": "table cards", "id": "contents-table"}

    def render_units(self, value, record):
        unit = record.item.recipe.yield_unit
        return f"{format_number(value)} {unit}".strip()

    def render_batch_share(self, value):
        return f"{format_number(value * 100)}%"

    def render_cost_per_batch(self, value, record):
        return money_with_flag(value, not record.unpriced, "; ".join(record.unpriced))

    def render_cost(self, value, record):
        return money_with_flag(value, not record.unpriced, "; ".join(record.unpriced))


class AssignmentTable(tables.Table):
    """The packages of one event; pending ones change inline."""

    recipient = tables.Column(order_by=("recipient__name", "recipient__household"))
    package = tables.Column(order_by=("package__name",))
    quantity = tables.TemplateColumn(
        template_name="events/event_packages.html#quantity-cell",
        verbose_name="How many",
        order_by=("quantity",),
    )
    # On a phone the quantity and remove cells tell a settled package.
    status = tables.TemplateColumn(
        '<span class="status status-{{ value }}">{{ value }}</span>', attrs=WIDE
    )
    actions = tables.TemplateColumn(
        template_name="events/event_packages.html#remove-cell",
        verbose_name="",
        orderable=False,
        empty_values=(),
    )

    class Meta:
        fields = ["recipient", "package", "quantity", "status", "actions"]
        order_by = ("recipient", "package")
        attrs = {"class": "table", "id": "assignments-table"}
        row_attrs = {"id": lambda record: f"assignment-{record.pk}"}
