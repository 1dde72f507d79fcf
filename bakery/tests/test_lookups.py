from decimal import Decimal

import pytest

from bakery.lookups import exists
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
