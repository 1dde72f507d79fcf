import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError

from bakery.lookups import exists, lock
from pantry.models import Lot
from pantry.tests.factories import IngredientFactory, LotFactory

pytestmark = pytest.mark.django_db


def test_a_row_with_every_value_given_exists(django_assert_num_queries):
    lot = LotFactory(quantity_purchased=Decimal("2.5"), supplier="Mill")

    with django_assert_num_queries(1):
        assert exists(Lot, ingredient_id=lot.ingredient_id, supplier="Mill")
    # values are prepared as the field prepares them: a decimal, a date
    assert exists(Lot, pk=lot.pk, quantity_purchased=Decimal("2.500"))
    assert exists(Lot, ingredient=lot.ingredient_id, purchased_on=lot.purchased_on)


def test_a_row_that_differs_in_one_value_does_not(django_assert_num_queries):
    lot = LotFactory(supplier="Mill")
    other = IngredientFactory()

    with django_assert_num_queries(1):
        assert not exists(Lot, ingredient_id=other.pk, supplier="Mill")
    assert not exists(Lot, ingredient_id=lot.ingredient_id, supplier="Farm")


def test_none_matches_an_empty_field():
    lot = LotFactory(product=None, expires_on=None)

    assert exists(Lot, pk=lot.pk, product_id=None)
    lot.expires_on = lot.purchased_on
    lot.save(update_fields=["expires_on"])
    assert not exists(Lot, pk=lot.pk, expires_on=None)


def test_only_the_fields_of_its_table_can_be_asked(django_assert_num_queries):
    with django_assert_num_queries(0):
        with pytest.raises(ValueError, match="not a field of its table"):
            exists(Lot, movements=1)
        with pytest.raises(ValueError, match="at least one field"):
            exists(Lot)


def test_lock_reads_the_row_as_the_orm_does(django_assert_num_queries):
    lot = LotFactory(quantity_purchased=Decimal("2.5"), total_cost=Decimal("1.25"))

    with transaction.atomic(), django_assert_num_queries(1):
        locked = lock(Lot, lot.pk)

    assert isinstance(locked, Lot)
    read = Lot.objects.get(pk=lot.pk)
    fields = [field.attname for field in Lot._meta.concrete_fields]
    assert [getattr(locked, name) for name in fields] == [
        getattr(read, name) for name in fields
    ]
    assert locked.purchased_on == lot.purchased_on  # a date, not its text


def test_lock_of_no_row_is_none():
    with transaction.atomic():
        assert lock(Lot, 404) is None


@pytest.mark.django_db(transaction=True)  # not inside the test's transaction
def test_lock_outside_a_transaction_is_refused(django_assert_num_queries):
    lot = LotFactory()

    with django_assert_num_queries(0), pytest.raises(TransactionManagementError):
        lock(Lot, lot.pk)


@pytest.mark.django_db(transaction=True)
def test_the_row_stays_locked_until_the_transaction_ends():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's IMMEDIATE transactions hold the whole database")
    lot = LotFactory()
    tries = []

    def try_to_lock():
        try:
            with transaction.atomic():
                Lot.objects.select_for_update(nowait=True).get(pk=lot.pk)
            tries.append("locked it")
        except DatabaseError:
            tries.append("waited")
        finally:
            connection.close()

    def in_a_thread(work):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(timeout=30)

    with transaction.atomic():
        lock(Lot, lot.pk)
        in_a_thread(try_to_lock)
    in_a_thread(try_to_lock)

    assert tries == ["waited", "locked it"]
