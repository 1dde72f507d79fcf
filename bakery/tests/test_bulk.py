from decimal import Decimal

import pytest

from bakery.bulk import save_fields
from pantry.models import Lot
from pantry.tests.factories import LotFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_saves_the_fields_named_of_every_object_in_one_query(
    django_assert_num_queries,
):
    lots = LotFactory.create_batch(3, quantity_purchased=D(10), total_cost=D("4.00"))
    for index, lot in enumerate(lots):
        lot.quantity_remaining = D(index) + D("0.0005")  # rounds half up
        lot.cost_remaining = D(index)
        lot.notes = "not saved"

    with django_assert_num_queries(1):
        save_fields(lots, ["quantity_remaining", "cost_remaining"])

    assert list(
        Lot.objects.order_by("pk").values_list(
            "quantity_remaining", "cost_remaining", "notes"
        )
    ) == [(D("0.001"), D(0), ""), (D("1.001"), D(1), ""), (D("2.001"), D(2), "")]


def test_no_objects_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        save_fields([], ["quantity_remaining"])
