import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import AssignmentStatus
from production.models import (
    MAX_BATCHES,
    MIN_BATCHES,
    check_produced_at,
    clean_batches,
    clean_units_made,
)


class BatchesField(forms.Field):
    """Batches by the one rule of production.models (`clean_batches`); the
    input's min, max and step come from the same limits."""

    widget = forms.NumberInput
    default_error_messages = {"required": "Say how many batches."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return clean_batches(value)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "min": str(MIN_BATCHES),
            "max": str(MAX_BATCHES),
            "step": str(MIN_BATCHES),
            "inputmode": "decimal",
            "size": 5,
        }


class UnitsMadeField(forms.Field):
    """Optional units made, by `clean_units_made`; empty is None."""

    widget = forms.NumberInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return clean_units_made(value)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "min": "0",
            "step": "any",
            "inputmode": "decimal",
            "size": 6,
        }


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class RecordForm(forms.Form):
    """Batches to record, what they made and when; `submission_key` makes a
    resubmission record once."""

    batches = BatchesField(initial=1, label="Batches")
    units_made = UnitsMadeField(
        required=False,
        label="Units made",
        help_text="Leave empty for what the batches yield; 0 for a lost batch.",
    )
    produced_at = forms.DateTimeField(
        required=False,
        label="Baked",
        initial=_now_to_the_minute,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        error_messages={"invalid": "Give the day and time the batches were baked."},
    )
    notes = forms.CharField(required=False, max_length=1000, widget=forms.TextInput)
    submission_key = forms.CharField(
        widget=forms.HiddenInput, max_length=64, required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_produced_at(self):
        produced_at = self.cleaned_data["produced_at"]
        check_produced_at(produced_at)
        return produced_at

    def add_service_error(self, error: ValidationError) -> None:
        """Shows a service's refusal beside the field it names."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for field, errors in error.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class StatusForm(forms.Form):
    """A package's next status (production.services decides which that is)
    and, when delivering, a delivery note."""

    status = forms.ChoiceField(choices=AssignmentStatus.choices)
    note = forms.CharField(required=False, max_length=1000, label="Delivery note")


class ReverseForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        label="Why reverse it?",
        help_text="Kept with the record, e.g. “Recorded twice” or “Burnt batch”.",
        error_messages={"required": "Say why, so the history explains itself."},
    )
