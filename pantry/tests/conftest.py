import pytest

from pantry.models import Lot, StockMovement


def _table(model):
    return [tuple(row.values()) for row in model.objects.order_by("pk").values()]


@pytest.fixture
def pantry_snapshot():
    """The whole lot and movement tables, to prove a call changed nothing."""

    def take():
        return _table(Lot), _table(StockMovement)

    return take
