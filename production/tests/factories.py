import factory
from factory.django import DjangoModelFactory

from events.tests.factories import EventFactory
from pantry.tests.factories import RecipeFactory
from production import services
from production.models import ProductionRecord


class ProductionRecordFactory(DjangoModelFactory):
    """Records are made the way the application makes them: by recording."""

    class Meta:
        model = ProductionRecord

    event = factory.SubFactory(EventFactory)
    recipe = factory.SubFactory(RecipeFactory)
    batches = 1

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.record_production(**kwargs)
