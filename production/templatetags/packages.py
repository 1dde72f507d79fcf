from django import template

from production.services import next_status as service_next_status

register = template.Library()


@register.filter
def next_status(status: str) -> str | None:
    """The status a package moves to next: {{ assignment.status|next_status }}."""
    return service_next_status(status)
