import pytest

from pantry.models import Lot, StockMovement
from pantry.tests.factories import FlourFactory


@pytest.fixture
def flour():
    """All-purpose flour, whose cup weighs 4.42 oz (125 g)."""
    return FlourFactory()


def _table(model):
    return [tuple(row.values()) for row in model.objects.order_by("pk").values()]


@pytest.fixture
def pantry_snapshot():
    """The whole lot and movement tables, to prove a call changed nothing."""

    def take():
        return _table(Lot), _table(StockMovement)

    return take
