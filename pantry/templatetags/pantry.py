from django import template

from pantry.units import format_quantity

register = template.Library()


@register.filter
def quantity(value, unit):
    """A quantity the way bakers read it: {{ line.quantity|quantity:"g" }}."""
    if value is None:
        return "—"
    return format_quantity(value, unit)
