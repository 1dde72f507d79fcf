import django_filters
from django import forms

from events.models import Event
from pantry.models import Recipe
from production.models import ProductionRecord

REVERSED_CHOICES = [("no", "Counts"), ("yes", "Reversed")]


def filter_reversed(queryset, value: str | None):
    """Records that count ("no") or reversed ones ("yes"); all otherwise."""
    if value in ("yes", "no"):
        return queryset.filter(reversed_at__isnull=value == "no")
    return queryset


class HistoryFilter(django_filters.FilterSet):
    event = django_filters.ModelChoiceFilter(queryset=Event.objects.order_by("-date"))
    recipe = django_filters.ModelChoiceFilter(queryset=Recipe.objects.all())
    produced_from = django_filters.DateFilter(
        field_name="produced_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    produced_to = django_filters.DateFilter(
        field_name="produced_at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reversed = django_filters.ChoiceFilter(
        label="Reversed",
        choices=REVERSED_CHOICES,
        method=lambda queryset, name, value: filter_reversed(queryset, value),
        empty_label="Any",
    )

    class Meta:
        model = ProductionRecord
        fields = ["event", "recipe", "produced_from", "produced_to", "reversed"]
