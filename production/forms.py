import uuid

from django import forms

from production.services import MAX_BATCHES


class RecordForm(forms.Form):
    """Batches to record; `submission_key` makes a resubmission record once."""

    batches = forms.IntegerField(
        min_value=1,
        max_value=MAX_BATCHES,
        initial=1,
        label="Batches",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
        error_messages={
            "invalid": "Batches must be a whole number.",
            "min_value": "Record at least 1 batch.",
            "max_value": f"Record at most {MAX_BATCHES:,} batches at once.",
            "required": "Say how many batches.",
        },
    )
    notes = forms.CharField(required=False, max_length=1000, widget=forms.TextInput)
    submission_key = forms.CharField(
        widget=forms.HiddenInput, max_length=64, required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("assembled", "assembled"), ("delivered", "delivered")]
    )
    note = forms.CharField(required=False, max_length=1000)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        max_length=1000,
        label="Why reverse it?",
        help_text="Kept with the record, e.g. “Recorded twice” or “Burnt batch”.",
        error_messages={"required": "Say why, so the history explains itself."},
    )
