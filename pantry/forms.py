import re
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone

from bakery.numbers import (
    MONEY_PLACES,
    QUANTITY_PLACES,
    QUANTITY_STEP,
    format_money,
    parse_money,
    quantize_quantity,
)
from pantry import units
from pantry.models import (
    Ingredient,
    Lot,
    MovementKind,
    Product,
    Recipe,
    RecipeLine,
    latest_purchase_date,
)
from pantry.selectors import find_purchase_choice
from pantry.services import Purchase, RecipeLineInput, check_purchase


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


# --- The baker's pages ------------------------------------------------------

WEIGHT_UNITS = [("oz", "oz"), ("g", "g"), ("lb", "lb"), ("kg", "kg")]
# What a money column holds (14 digits, 4 of them decimal places).
MONEY_LIMIT = Decimal(10) ** (14 - MONEY_PLACES)


class MoneyTextField(forms.Field):
    """Money as people write it ("$13.69", "13,69"); empty is None (unknown)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 30})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        amount = parse_money(text[:40])
        if amount >= MONEY_LIMIT:
            raise ValidationError(
                f"{format_money(amount)} is more than this pantry can record."
            )
        return amount


def parse_size(text: str) -> tuple[Decimal, str | None]:
    """ "500 g", "2.5 lb", "12" (no unit: the stock unit) -> quantity, unit."""
    match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?|[.,]\d+)\s*(.*?)\s*", text or "")
    if not match:
        raise ValidationError(
            f"Write a size as a number and a unit, like 500 g or 12 each, not “{text}”."
        )
    number, unit = match.groups()
    quantity = Decimal(number.replace(",", "."))
    if quantity <= 0:
        raise ValidationError("A size must be above zero.")
    if quantity != quantity.quantize(QUANTITY_STEP):
        raise ValidationError(
            f"A size has at most {QUANTITY_PLACES} decimal places: “{text}”."
        )
    return quantity, (units.normalize_unit(unit) if unit else None)


class ReceiptForm(forms.Form):
    """What one receipt's purchases share: the day and the shop."""

    purchased_on = forms.DateField(
        label="Bought on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Oldest purchases are used first.",
    )
    supplier = forms.CharField(
        max_length=200, required=False, help_text="The shop, optional."
    )
    # The same on every post of one receipt: a second click records nothing.
    submission_key = forms.CharField(
        widget=forms.HiddenInput, max_length=64, required=False
    )

    def clean_purchased_on(self):
        day = self.cleaned_data["purchased_on"]
        latest = latest_purchase_date()
        if day > latest:
            raise ValidationError(
                f"A purchase cannot be dated after {latest:%-d %b %Y}: "
                f"{day:%-d %b %Y} is in the future."
            )
        return day


PRICE_FOR = [("total", "in total"), ("package", "per package")]


class PurchaseRowForm(forms.Form):
    """One line of a receipt: a product (or an ingredient bought by size),
    how many packages, the price per package or in total."""

    item = forms.CharField(
        label="Product or ingredient",
        max_length=400,
        widget=forms.TextInput(
            attrs={
                "list": "purchase-choices",
                "autocomplete": "off",
                # Refreshes the shared list with what matches, accents aside.
                "hx-get": reverse_lazy("pantry:buy_choices"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#purchase-choices",
                "hx-swap": "outerHTML",
                "hx-sync": "this:replace",
            }
        ),
        help_text="Type to search; choose from the list.",
    )
    packages = forms.DecimalField(
        label="Packages",
        initial=1,
        min_value=Decimal("0.001"),
        max_digits=10,
        decimal_places=QUANTITY_PLACES,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    size = forms.CharField(
        label="Size of one package",
        max_length=40,
        required=False,
        help_text="e.g. 500 g or 12 each; empty: the product's size.",
    )
    price = MoneyTextField(
        label="Price",
        help_text="e.g. $13.69 or 13,69; empty if you do not know it (unpriced).",
    )
    price_for = forms.ChoiceField(label="Price is", choices=PRICE_FOR, initial="total")
    expires_on = forms.DateField(
        label="Expires",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        choice = None
        if cleaned.get("item"):
            try:
                choice = find_purchase_choice(cleaned["item"])
            except ValidationError as error:
                self.add_error("item", error)
        cleaned["choice"] = choice
        if choice is None or "size" not in cleaned:
            return cleaned
        ingredient = choice.ingredient
        try:
            if cleaned["size"]:
                size, unit = parse_size(cleaned["size"])
            elif choice.product is not None:
                size, unit = (
                    choice.product.package_quantity,
                    choice.product.package_unit,
                )
            else:
                raise ValidationError(
                    f"Say what one package of {ingredient.name} holds, like "
                    f"500 g, or choose one of its products."
                )
            ingredient.to_stock_unit(size, unit)
        except ValidationError as error:
            self.add_error("size", error)
            return cleaned
        packages = cleaned.get("packages")
        if packages is not None:
            cleaned["quantity"] = size * packages
            cleaned["unit"] = unit
            price = cleaned.get("price")
            if price is not None and cleaned.get("price_for") == "package":
                price = price * packages
                if price >= MONEY_LIMIT:
                    self.add_error(
                        "price", f"{format_money(price)} is more than one receipt."
                    )
            cleaned["total_cost"] = price
        return cleaned

    def purchase(self, *, purchased_on, supplier: str = "") -> Purchase:
        data = self.cleaned_data
        return Purchase(
            ingredient=data["choice"].ingredient,
            product=data["choice"].product,
            quantity=data["quantity"],
            unit=data["unit"],
            total_cost=data["total_cost"],
            purchased_on=purchased_on,
            expires_on=data.get("expires_on"),
            supplier=supplier,
            notes=data.get("notes", ""),
        )


class BasePurchaseRowFormSet(forms.BaseFormSet):
    def row(self, index: int) -> PurchaseRowForm:
        """An empty row at `index`, as the formset renders its extra rows."""
        return self._construct_form(index, empty_permitted=True)

    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise ValidationError("Add at least one purchase: choose what you bought.")


PurchaseRowFormSet = forms.formset_factory(
    PurchaseRowForm, formset=BasePurchaseRowFormSet, extra=1, max_num=100
)


class Receipt:
    """The receipt form and its rows, validated together: every row is
    checked as it will be recorded (date and expiry included)."""

    prefix = "rows"

    def __init__(self, data=None, *, initial_item: str = ""):
        self.form = ReceiptForm(
            data,
            initial={
                "purchased_on": timezone.localdate(),
                "submission_key": uuid.uuid4().hex,
            },
        )
        self.rows = PurchaseRowFormSet(data, prefix=self.prefix)
        if data is None and initial_item:
            self.rows.forms[0].initial = {"item": initial_item}

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    def is_valid(self) -> bool:
        valid = self.form.is_valid() & self.rows.is_valid()
        if not valid:
            return False
        for row in self.filled_rows:
            try:
                check_purchase(self._purchase(row))
            except ValidationError as error:
                add_errors(
                    row,
                    error,
                    fields={
                        "expires_on": "expires_on",
                        "quantity_purchased": "size",
                        "total_cost": "price",
                        "product": "item",
                    },
                )
                valid = False
        return valid

    @property
    def filled_rows(self) -> list[PurchaseRowForm]:
        return [row for row in self.rows.forms if row.has_changed()]

    def _purchase(self, row: PurchaseRowForm) -> Purchase:
        return row.purchase(
            purchased_on=self.form.cleaned_data["purchased_on"],
            supplier=self.form.cleaned_data["supplier"],
        )

    @property
    def purchases(self) -> list[Purchase]:
        return [self._purchase(row) for row in self.filled_rows]


def add_errors(form: forms.Form, error: ValidationError, fields=None) -> None:
    """Puts a service's ValidationError on the form: each field's messages on
    that field (renamed by `fields` where the form calls it otherwise), the
    rest above the form."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


STOCK_UNIT_HELP = (
    "How the pantry counts it: weigh it (g, kg, oz, lb) for flour or sugar, "
    "measure it (ml, l) for milk or vanilla, count it (each) for eggs. Every "
    "purchase and recipe line is turned into this unit."
)
DENSITY_HELP = (
    "Lets recipes written in cups and spoons use stock counted by weight (and "
    "the other way round). Weigh a level cup, or copy it from the flour bag. "
    "Leave it empty if you never measure it by volume."
)
EACH_HELP = (
    "For what you count one by one (eggs): what one weighs, in grams, so "
    "recipes may give it by weight."
)


def density_in_words(ingredient: Ingredient) -> str:
    """ "1 cup weighs 4.42 oz (125 g)", or "" without a density."""
    if not ingredient.density_g_per_ml:
        return ""
    grams = units.convert(Decimal(1), "cup", "g", ingredient=ingredient)
    ounces = units.convert(grams, "g", "oz")
    return (
        f"1 cup weighs {units.format_number(ounces)} oz "
        f"({units.format_number(grams)} g)"
    )


class IngredientPageForm(IngredientForm):
    """An ingredient on the baker's pages: its density given as "1 cup
    weighs … oz", the facts explained in words."""

    density_text = None  # given as "1 cup weighs", below
    cup_weight = forms.DecimalField(
        label="1 cup weighs",
        required=False,
        min_value=Decimal("0.001"),
        max_digits=10,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=DENSITY_HELP,
    )
    cup_weight_unit = forms.ChoiceField(
        label="Unit of the cup's weight", choices=WEIGHT_UNITS, initial="oz"
    )

    class Meta(IngredientForm.Meta):
        fields = [
            "name",
            "category",
            "stock_unit",
            "cup_weight",
            "cup_weight_unit",
            "grams_per_each",
        ]
        labels = {
            "stock_unit": "Counted in",
            "grams_per_each": "One weighs (g)",
        }
        help_texts = {
            "name": "As you call it, e.g. Flour, all-purpose.",
            "category": "e.g. Flours, Dairy; optional.",
            "stock_unit": STOCK_UNIT_HELP,
            "grams_per_each": EACH_HELP,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and instance.density_g_per_ml:
            grams = units.convert(Decimal(1), "cup", "g", ingredient=instance)
            self.initial.setdefault(
                "cup_weight", units.format_number(units.convert(grams, "g", "oz"))
            )
            self.initial.setdefault("cup_weight_unit", "oz")

    def clean(self):
        cleaned = super().clean()
        weight = cleaned.get("cup_weight")
        unit = cleaned.get("cup_weight_unit") or "oz"
        if not {"cup_weight", "cup_weight_unit"} & set(self.changed_data):
            # Unchanged: keep the density as stored, not as rounded for show.
            density = self.instance.density_g_per_ml
        elif weight is None:
            density = None
        else:
            density = units.density_from_measures(
                Decimal(1), "cup", weight, unit
            ).quantize(units.DENSITY_STEP)
        cleaned["density_g_per_ml"] = density
        self.instance.density_g_per_ml = density
        return cleaned

    def facts(self) -> dict:
        """The cleaned facts, as the ingredient services take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "category": data["category"],
            "stock_unit": data["stock_unit"],
            "density_g_per_ml": data["density_g_per_ml"],
            "grams_per_each": data["grams_per_each"],
        }


class ProductPageForm(forms.ModelForm):
    """A product: what is bought, in which package."""

    class Meta:
        model = Product
        fields = [
            "ingredient",
            "brand",
            "name",
            "package_quantity",
            "package_unit",
            "package_type",
            "is_preferred",
        ]
        labels = {
            "package_quantity": "One package holds",
            "package_unit": "Unit",
            "package_type": "Package",
            "is_preferred": "Preferred: its price plans what is not in stock",
        }
        help_texts = {
            "name": "As on the label, e.g. All-purpose flour.",
            "package_quantity": "As printed on it: 25 (lb), 2 (kg), 12 (each).",
            "package_unit": "g, kg, oz, lb, ml, l, cup, each…",
            "package_type": "bag, box, jar, carton…",
            "is_preferred": "",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ingredient"].queryset = Ingredient.objects.order_by("name")
        self.fields[
            "ingredient"
        ].help_text = "Not in the list? Add the ingredient first."

    def facts(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.Meta.fields}


class LotAdjustmentPageForm(LotAdjustmentForm):
    """Waste or a count, in any unit that converts to the lot's stock unit."""

    unit = forms.CharField(
        max_length=20,
        required=False,
        help_text="g, kg, oz, lb, cup, each…; empty: the stock unit.",
    )

    def __init__(self, *args, lot: Lot, **kwargs):
        super().__init__(*args, **kwargs)
        self.lot = lot
        stock_unit = lot.ingredient.stock_unit
        self.fields["quantity"].help_text = (
            f"Waste: how much was thrown away. Count: how much is left. In "
            f"{stock_unit} unless you give a unit."
        )
        self.fields[
            "reason"
        ].help_text = (
            "e.g. mouldy, spilled, counted on the shelf; kept with the change."
        )

    def clean(self):
        cleaned = super().clean()
        quantity, unit = cleaned.get("quantity"), (cleaned.get("unit") or "").strip()
        if quantity is not None and unit:
            try:
                cleaned["quantity"] = quantize_quantity(
                    self.lot.ingredient.to_stock_unit(quantity, unit)
                )
            except ValidationError as error:
                self.add_error("unit", error)
        return cleaned


class RecipeForm(forms.ModelForm):
    class Meta:
        model = Recipe
        fields = [
            "name",
            "category",
            "yield_quantity",
            "yield_unit",
            "keeps_for_days",
            "notes",
        ]
        labels = {"yield_quantity": "One batch makes", "yield_unit": "of what"}
        help_texts = {
            "yield_quantity": "e.g. 48; packages count their goods in this unit.",
            "yield_unit": "e.g. cookies, loaves, slices.",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class RecipeLineForm(forms.Form):
    """A line as written: 2 cup Flour. Its unit must convert to the
    ingredient's stock unit (`RecipeLine.clean`)."""

    ingredient = forms.ModelChoiceField(queryset=Ingredient.objects.order_by("name"))
    quantity = forms.DecimalField(
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    unit = forms.CharField(
        max_length=20, help_text="g, kg, oz, lb, ml, tsp, tbsp, cup, each…"
    )
    note = forms.CharField(max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        ingredient, quantity = cleaned.get("ingredient"), cleaned.get("quantity")
        unit = cleaned.get("unit")
        if unit:
            line = RecipeLine(ingredient=ingredient, quantity=quantity, unit=unit)
            try:
                line.clean()
            except ValidationError as error:
                add_errors(self, error)
            else:
                cleaned["unit"] = line.unit
        return cleaned

    def line(self) -> RecipeLineInput:
        data = self.cleaned_data
        return RecipeLineInput(
            ingredient=data["ingredient"],
            quantity=data["quantity"],
            unit=data["unit"],
            note=data.get("note", ""),
        )


class BaseRecipeLineFormSet(forms.BaseFormSet):
    """Lines of a recipe; the ingredient choices are read once for all rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ingredient_choices = [
            ("", "---------"),
            *Ingredient.objects.order_by("name").values_list("pk", "name"),
        ]

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["ingredient"].widget.choices = self.ingredient_choices
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove"

    def row(self, index: int) -> RecipeLineForm:
        """An empty line at `index`, as the formset renders its extra lines."""
        return self._construct_form(index, empty_permitted=True)

    @property
    def empty_form(self):
        form = super().empty_form
        form.fields["ingredient"].widget.choices = self.ingredient_choices
        return form

    def clean(self):
        if any(self.errors):
            return
        if not self.kept_forms:
            raise ValidationError("A recipe needs at least one ingredient line.")

    @property
    def kept_forms(self) -> list[RecipeLineForm]:
        """The lines the recipe had and the new ones filled in, without those
        ticked for removal, in order."""
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]

    def lines(self) -> list[RecipeLineInput]:
        return [form.line() for form in self.kept_forms]


RecipeLineFormSet = forms.formset_factory(
    RecipeLineForm,
    formset=BaseRecipeLineFormSet,
    extra=1,
    can_delete=True,
    max_num=200,
)


def _as_written(value: Decimal) -> Decimal:
    """2.000 -> 2 and 0.250 -> 0.25, never 1E+2."""
    return (
        value.quantize(Decimal(1))
        if value == value.to_integral()
        else value.normalize()
    )


def recipe_line_initial(recipe: Recipe) -> list[dict]:
    """The recipe's lines as the form shows them, in order."""
    return [
        {
            "ingredient": line.ingredient_id,
            "quantity": _as_written(line.quantity),
            "unit": line.unit,
            "note": line.note,
        }
        for line in recipe.lines.all()
    ]
