import uuid
from decimal import Decimal

from django import template

from bakery.numbers import CENT, ROUNDING, format_money

register = template.Library()


@register.simple_tag
def submission_key() -> str:
    """A new key for a form that records once however often it is sent."""
    return uuid.uuid4().hex


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


@register.filter
def unsigned_money(value):
    """Money without its sign, for words that carry it: "$0.35 less"."""
    if value is None:
        return format_money(None)
    return format_money(abs(value))


@register.filter
def signed_percent(value):
    """A percentage with its sign: "+4.1%", "-2%"; "—" for None."""
    if value is None:
        return "—"
    text = _plain(value)
    return f"+{text}%" if value > 0 else f"{text}%"


@register.filter
def number(value):
    """A count as typed, without trailing zeros: 1.50 -> "1.5", 2.00 -> "2"."""
    if value is None or value == "":
        return "—"
    return _plain(value)


def _plain(value) -> str:
    text = f"{Decimal(str(value)):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def cents(value):
    """Money rounded to the cent (half up), to compare what the page shows:
    a variance of $0.0001 reads as none."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUNDING)


@register.filter
def query(params, joiner="?"):
    """A URL's query from a QueryDict: {{ url }}{{ listing|query }} gives
    "?page=2", or nothing when it is empty; after a query of its own,
    {{ listing|query:"&" }} gives "&page=2"."""
    return f"{joiner}{params.urlencode()}" if params else ""
