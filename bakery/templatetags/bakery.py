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
