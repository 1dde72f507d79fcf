from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from bakery.numbers import QUANTITY_PLACES
from pantry import units
from pantry.models import Ingredient, Lot, MovementKind


class IngredientForm(forms.ModelForm):
    """Takes a density the way bakers know it: "1 cup = 4.42 oz"."""

    density_text = forms.CharField(
        label="Density as a measure",
        required=False,
        help_text="e.g. “1 cup = 4.42 oz”; fills in the density in g per ml.",
    )

    class Meta:
        model = Ingredient
        fields = [
            "name",
            "slug",
            "category",
            "description",
            "stock_unit",
            "density_text",
            "density_g_per_ml",
            "grams_per_each",
            "notes",
            "needs_review",
        ]

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("density_text")
        if text:
            try:
                density = units.parse_density(text)
            except ValidationError as error:
                self.add_error("density_text", error)
            else:
                cleaned["density_g_per_ml"] = density
                self.instance.density_g_per_ml = density
        return cleaned


class LotPurchaseForm(forms.ModelForm):
    """A purchase, its quantity in any unit that converts to the stock unit."""

    quantity = forms.DecimalField(
        min_value=Decimal("0.001"), max_digits=14, decimal_places=QUANTITY_PLACES
    )
    unit = forms.CharField(
        required=False,
        max_length=20,
        help_text="g, kg, oz, lb, cup, each…; empty means the ingredient's stock unit.",
    )

    class Meta:
        model = Lot
        fields = [
            "ingredient",
            "product",
            "purchased_on",
            "quantity",
            "unit",
            "total_cost",
            "expires_on",
            "supplier",
            "notes",
        ]

    def clean_unit(self):
        text = self.cleaned_data["unit"]
        return units.normalize_unit(text) if text.strip() else ""

    def clean(self):
        cleaned = super().clean()
        ingredient = cleaned.get("ingredient")
        quantity = cleaned.get("quantity")
        if ingredient is not None and quantity is not None and "unit" in cleaned:
            try:
                stock_quantity = ingredient.to_stock_unit(
                    quantity, cleaned["unit"] or None
                )
            except ValidationError as error:
                self.add_error("unit", error)
            else:
                self.instance.quantity_purchased = stock_quantity
                self.instance.quantity_remaining = stock_quantity
        total_cost = cleaned.get("total_cost")
        if total_cost is not None:
            self.instance.cost_remaining = total_cost
        return cleaned


class LotAdjustmentForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (MovementKind.WASTE, "Waste: remove a quantity"),
            (MovementKind.CORRECTION, "Count correction: set the quantity counted"),
        ],
        widget=forms.RadioSelect,
    )
    quantity = forms.DecimalField(
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=QUANTITY_PLACES,
        help_text="In the ingredient's stock unit.",
    )
    reason = forms.CharField(max_length=500, help_text="Kept with the stock movement.")
