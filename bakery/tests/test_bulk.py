import datetime
import math
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from bakery.bulk import MAX_ROWS_PER_INSERT, insert, save_fields
from pantry.models import Lot
from pantry.tests.factories import IngredientFactory, LotFactory

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


def _new_lots(count: int) -> list[Lot]:
    ingredient = IngredientFactory()
    return [
        Lot(
            ingredient=ingredient,
            purchased_on=datetime.date(2026, 1, 1) + datetime.timedelta(index),
            quantity_purchased=D(index + 1) + D("0.0005"),  # rounds half up
            quantity_remaining=D(index + 1),
            total_cost=D(index),
            cost_remaining=D(index),
            supplier=f"Mill {index}",
        )
        for index in range(count)
    ]


def test_inserts_new_objects_as_saving_them_would():
    before = timezone.now()
    lots = _new_lots(3)
    insert(lots)

    # each object has the primary key of its row, and is saved
    assert [
        Lot.objects.get(pk=lot.pk).supplier for lot in lots if not lot._state.adding
    ] == ["Mill 0", "Mill 1", "Mill 2"]
    assert list(
        Lot.objects.order_by("pk").values_list(
            "purchased_on", "quantity_purchased", "total_cost", "supplier", "is_priced"
        )
    ) == [
        (datetime.date(2026, 1, 1), D("1.001"), D(0), "Mill 0", True),
        (datetime.date(2026, 1, 2), D("2.001"), D(1), "Mill 1", True),
        (datetime.date(2026, 1, 3), D("3.001"), D(2), "Mill 2", True),
    ]
    # auto_now_add stamps them as save does, once for the rows of a statement
    [stamp] = {lot.created_at for lot in lots}
    assert before <= stamp <= timezone.now()
    assert set(Lot.objects.values_list("created_at", flat=True)) == {stamp}


def test_as_many_rows_a_statement_as_the_database_takes(django_assert_num_queries):
    fields = len([f for f in Lot._meta.concrete_fields if not f.primary_key])
    lots = _new_lots(300)
    rows = min(connection.ops.bulk_batch_size([None] * fields, lots), 300)
    assert rows <= MAX_ROWS_PER_INSERT

    with django_assert_num_queries(math.ceil(300 / rows)):
        insert(lots)

    assert Lot.objects.count() == 300
    assert Lot.objects.filter(supplier="Mill 299").exists()


def test_inserting_nothing_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert([])
