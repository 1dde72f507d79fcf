"""Filters of the pantry's lists; searches ignore case and accents."""

import django_filters
from django import forms

from pantry.models import Lot, Recipe
from pantry.selectors import (
    ingredient_categories,
    recipe_categories,
    search_lots,
    search_recipes,
)

DATE = forms.DateInput(attrs={"type": "date"})


class LotFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_search")
    category = django_filters.ChoiceFilter(
        field_name="ingredient__category", label="Category", empty_label="All"
    )
    stock = django_filters.ChoiceFilter(
        label="Stock",
        choices=[("in", "In stock"), ("empty", "Used up")],
        method="filter_stock",
        empty_label="Any",
    )
    priced = django_filters.ChoiceFilter(
        label="Price",
        choices=[("yes", "Priced"), ("no", "Unpriced")],
        method="filter_priced",
        empty_label="Any",
    )
    bought_from = django_filters.DateFilter(
        field_name="purchased_on", lookup_expr="gte", label="Bought from", widget=DATE
    )
    bought_to = django_filters.DateFilter(
        field_name="purchased_on", lookup_expr="lte", label="Bought to", widget=DATE
    )

    class Meta:
        model = Lot
        fields = ["q", "category", "stock", "priced", "bought_from", "bought_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["category"].extra["choices"] = [
            (name, name) for name in ingredient_categories()
        ]

    def filter_search(self, queryset, name, value):
        return search_lots(queryset, value)

    def filter_stock(self, queryset, name, value):
        if value == "in":
            return queryset.filter(quantity_remaining__gt=0)
        return queryset.filter(quantity_remaining=0)

    def filter_priced(self, queryset, name, value):
        return queryset.filter(is_priced=value == "yes")


class RecipeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_search")
    category = django_filters.ChoiceFilter(label="Category", empty_label="All")

    class Meta:
        model = Recipe
        fields = ["q", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["category"].extra["choices"] = [
            (name, name) for name in recipe_categories()
        ]

    def filter_search(self, queryset, name, value):
        return search_recipes(queryset, value)
