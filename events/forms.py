"""The planning pages' forms: they read what was typed; the services write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from events.models import Event, Package, Recipient
from pantry.models import Recipe

MAX_NAME_LINES = 500


class ServiceErrorsMixin:
    """Shows a service's refusal beside the field it names (elsewhere above
    the form), and a "exists already" message about the row beside its
    name."""

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, errors in error.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)

    def add_error(self, field, error):
        if (
            field is None
            and "name" in self.fields
            and isinstance(error, ValidationError)
            and hasattr(error, "error_dict")
            and NON_FIELD_ERRORS in error.error_dict
        ):
            error.error_dict.setdefault("name", []).extend(
                error.error_dict.pop(NON_FIELD_ERRORS)
            )
        super().add_error(field, error)


class EventForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["name", "date", "notes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": "Give the event a name, e.g. “Christmas 2026”."},
            "date": {
                "required": "Give the day of the event.",
                "invalid": "Give the day as a date, e.g. 2026-12-19.",
            },
        }


class EventCopyForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        max_length=200,
        label="Name of the new event",
        error_messages={"required": "Give the new event a name."},
    )
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the day of the new event.",
            "invalid": "Give the day as a date, e.g. 2027-12-18.",
        },
    )


class RecipientForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Recipient
        fields = ["name", "household", "address", "notes"]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "household": "Optional: tells apart two recipients of the same name.",
        }
        error_messages = {
            "name": {"required": "Give the recipient's name."},
        }


class PackageForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Package
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "name": {
                "required": "Give the package a name, e.g. “Cookie tin”.",
                "unique": "A package with this name exists already.",
            },
        }


class RecipeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, recipe):
        """ "Chocolate chip (48 cookies a batch)": the units to count in."""
        if not recipe.yield_quantity:
            return f"{recipe.name} (no yield set)"
        return f"{recipe.name} ({recipe.yield_display} a batch)"


class PackageItemForm(forms.Form):
    """One recipe of a package and how many of its units; a row left empty
    is no item."""

    recipe = RecipeChoiceField(
        queryset=Recipe.objects.all(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Choose a recipe from the list."},
    )
    quantity = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        label="Units",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "invalid": "Give the units as a number, e.g. 12.",
            "min_value": "Give more than 0 units.",
            "max_decimal_places": "Give the units with at most 2 decimals.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        recipe, quantity = cleaned.get("recipe"), cleaned.get("quantity")
        if recipe and quantity is None and not self.has_error("quantity"):
            self.add_error(
                "quantity", f"Say how many {recipe.yield_unit or 'units'} of {recipe}."
            )
        if quantity is not None and not recipe and not self.has_error("recipe"):
            self.add_error("recipe", "Choose the recipe of these units.")
        return cleaned


class BasePackageItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One query for the recipe choices of every row, not one per row.
        choices = list(self.form.base_fields["recipe"].choices)
        for form in self.forms:
            form.fields["recipe"].choices = choices

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            recipe = form.cleaned_data.get("recipe")
            if recipe is None:
                continue
            if recipe.pk in seen:
                form.add_error("recipe", f"{recipe} is in the package already.")
            seen.add(recipe.pk)
        if not seen:
            raise ValidationError(
                "Add at least one recipe, with how many units of it.", code="empty"
            )

    @property
    def items(self) -> list[tuple[Recipe, object]]:
        return [
            (form.cleaned_data["recipe"], form.cleaned_data["quantity"])
            for form in self.forms
            if form.cleaned_data.get("recipe")
        ]


PackageItemFormSet = forms.formset_factory(
    PackageItemForm, formset=BasePackageItemFormSet, extra=3, max_num=50
)


class AddPackagesForm(ServiceErrorsMixin, forms.Form):
    package = forms.ModelChoiceField(
        queryset=Package.objects.all(),
        empty_label="Choose a package",
        error_messages={
            "required": "Choose the package to add.",
            "invalid_choice": "Choose a package from the list.",
        },
    )
    quantity = forms.IntegerField(
        min_value=1,
        max_value=1000,
        initial=1,
        label="How many each",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
        error_messages={
            "required": "Say how many packages each recipient gets.",
            "invalid": "Give a whole number, e.g. 1.",
            "min_value": "Give at least 1 package each.",
            "max_value": "Give at most 1,000 packages each.",
        },
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=Recipient.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="For",
        error_messages={"invalid_choice": "A ticked recipient no longer exists."},
    )
    names = forms.CharField(
        required=False,
        label="Or paste names, one per line",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Names no recipient has yet are created after you confirm. "
        "Write “Name (household)” to tell apart two of the same name.",
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, has: dict[int, list[str]] | None = None, **kwargs):
        """`has`: the packages each recipient has at the event already, by
        recipient id, shown beside their names."""
        super().__init__(*args, **kwargs)
        has = has or {}
        self.fields["recipients"].label_from_instance = lambda recipient: (
            f"{recipient} (has {', '.join(has[recipient.pk])})"
            if recipient.pk in has
            else str(recipient)
        )

    def clean_names(self) -> list[str]:
        lines = [
            " ".join(line.split()) for line in self.cleaned_data["names"].splitlines()
        ]
        lines = [line for line in lines if line]
        if len(lines) > MAX_NAME_LINES:
            raise ValidationError(
                f"Paste at most {MAX_NAME_LINES} names at once; this is {len(lines)}."
            )
        too_long = [
            number for number, line in enumerate(lines, start=1) if len(line) > 200
        ]
        if too_long:
            raise ValidationError(
                f"Line {too_long[0]} is longer than 200 characters: is it one name?"
            )
        return lines

    def clean(self):
        cleaned = super().clean()
        if (
            not self.has_error("recipients")
            and not self.has_error("names")
            and not cleaned.get("recipients")
            and not cleaned.get("names")
        ):
            self.add_error(
                "recipients", "Tick at least one recipient, or paste their names."
            )
        return cleaned


class QuantityForm(ServiceErrorsMixin, forms.Form):
    quantity = forms.IntegerField(
        min_value=1,
        max_value=1000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
        error_messages={
            "required": "Say how many; remove the package to give none.",
            "invalid": "Give a whole number, e.g. 2.",
            "min_value": "Give at least 1; remove the package to give none.",
            "max_value": "Give at most 1,000.",
        },
    )
