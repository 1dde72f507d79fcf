import django_filters
from django import forms
from django.utils import timezone

from bakery.search import search
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


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search events",
        method=lambda queryset, name, value: search(queryset, value, ["name", "notes"]),
    )
    when = django_filters.ChoiceFilter(
        label="When",
        choices=[("upcoming", "Upcoming"), ("past", "Past")],
        method="filter_when",
        empty_label="Any time",
    )

    class Meta:
        model = Event
        fields = ["q", "when"]

    def filter_when(self, queryset, name, value):
        today = timezone.localdate()
        if value == "upcoming":
            return queryset.filter(date__gte=today)
        return queryset.filter(date__lt=today)
