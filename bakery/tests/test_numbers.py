from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bakery.numbers import format_money, quantize_money, quantize_quantity, to_decimal


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("1.2345", "1.235"),
        ("1.2344", "1.234"),
        ("-1.2345", "-1.235"),
        ("2.0005", "2.001"),
    ],
)
def test_quantities_round_half_up(value, rounded):
    assert quantize_quantity(Decimal(value)) == Decimal(rounded)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [("0.33335", "0.3334"), ("0.33334", "0.3333"), ("10", "10.0000")],
)
def test_money_rounds_half_up_to_four_places(value, rounded):
    assert str(quantize_money(value)) == rounded


def test_floats_never_become_money():
    with pytest.raises(TypeError):
        quantize_money(0.1)


def test_text_that_is_not_a_number_is_a_validation_error():
    with pytest.raises(ValidationError, match="abc is not a number"):
        to_decimal("abc")


@pytest.mark.parametrize(
    ("value", "signed", "shown"),
    [
        (Decimal("41.2"), False, "$41.20"),
        (Decimal("1234.5"), False, "$1,234.50"),
        (Decimal("-10.8"), False, "-$10.80"),
        (Decimal("0.355"), True, "+$0.36"),
        (None, False, "—"),
    ],
)
def test_format_money(value, signed, shown):
    assert format_money(value, signed=signed) == shown


@pytest.mark.django_db
def test_quantity_field_stores_half_up_on_every_backend():
    from pantry.tests.factories import LotFactory

    lot = LotFactory(quantity_purchased=Decimal(2), total_cost=Decimal(1))
    lot.notes = "rounding"
    lot.quantity_remaining = Decimal("1.2345")
    lot.cost_remaining = Decimal("0.12345")
    lot.save()
    lot.refresh_from_db()

    assert (lot.quantity_remaining, lot.cost_remaining) == (
        Decimal("1.235"),
        Decimal("0.1235"),
    )
