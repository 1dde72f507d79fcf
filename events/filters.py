"""Filters of the planning lists; search ignores case and accents."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bakery.search import search
from events.models import (
    Assignment,
    AssignmentStatus,
    Event,
    Package,
    PackageItem,
    Recipient,
)
from pantry.models import Recipe


class SearchFilter(django_filters.CharFilter):
    """Every word in one of `fields`, ignoring case and accents."""

    def __init__(self, *, fields: list[str], **kwargs):
        self.search_fields = fields
        kwargs.setdefault("label", "Search")
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "search", "size": 20})
        )
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        return search(queryset, value, self.search_fields) if value else queryset


class EventFilter(django_filters.FilterSet):
    q = SearchFilter(fields=["name", "notes"])
    when = django_filters.ChoiceFilter(
        label="When",
        choices=[("upcoming", "Upcoming"), ("past", "Past")],
        empty_label="Any time",
        method="filter_when",
    )

    class Meta:
        model = Event
        fields = ["q", "when"]

    def filter_when(self, queryset, name, value):
        today = timezone.localdate()
        if value == "upcoming":
            return queryset.filter(date__gte=today)
        return queryset.filter(date__lt=today)


class RecipientFilter(django_filters.FilterSet):
    q = SearchFilter(fields=["name", "household", "address", "notes"])
    event = django_filters.ModelChoiceFilter(
        label="Has packages at",
        queryset=Event.objects.order_by("-date", "name"),
        empty_label="Any event",
        method="filter_event",
    )

    class Meta:
        model = Recipient
        fields = ["q", "event"]

    def filter_event(self, queryset, name, value):
        return queryset.filter(
            Exists(Assignment.objects.filter(recipient=OuterRef("pk"), event=value))
        )


class PackageFilter(django_filters.FilterSet):
    q = SearchFilter(fields=["name", "description"])
    recipe = django_filters.ModelChoiceFilter(
        label="Holds",
        queryset=Recipe.objects.all(),
        empty_label="Any recipe",
        method="filter_recipe",
    )

    class Meta:
        model = Package
        fields = ["q", "recipe"]

    def filter_recipe(self, queryset, name, value):
        return queryset.filter(
            Exists(PackageItem.objects.filter(package=OuterRef("pk"), recipe=value))
        )


class AssignmentFilter(django_filters.FilterSet):
    q = SearchFilter(
        fields=["recipient__name", "recipient__household"], label="Recipient"
    )
    package = django_filters.ModelChoiceFilter(
        queryset=Package.objects.all(), empty_label="Any package"
    )
    status = django_filters.ChoiceFilter(
        choices=AssignmentStatus.choices, empty_label="All"
    )

    class Meta:
        model = Assignment
        fields = ["q", "package", "status"]
