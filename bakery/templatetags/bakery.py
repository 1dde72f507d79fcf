from django import template

from bakery.numbers import format_money

register = template.Library()


@register.filter
def money(value):
    """Money to the cent with the currency sign: {{ lot.total_cost|money }}."""
    return format_money(value)


@register.filter
def signed_money(value):
    """Money with its sign, for variances: "+$0.35", "-$3.30"."""
    return format_money(value, signed=True)


@register.filter
def days_from(day, today):
    """ "in 25 days", "today", "3 days ago": a date against today."""
    if not day or not today:
        return ""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"
