import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from events.models import Assignment, Event, Package, PackageItem, Recipient
from pantry.tests.factories import RecipeFactory


class RecipientFactory(DjangoModelFactory):
    class Meta:
        model = Recipient

    name = factory.Sequence(lambda n: f"Recipient {n}")
    household = ""


class PackageFactory(DjangoModelFactory):
    class Meta:
        model = Package

    name = factory.Sequence(lambda n: f"Package {n}")


class PackageItemFactory(DjangoModelFactory):
    class Meta:
        model = PackageItem

    package = factory.SubFactory(PackageFactory)
    recipe = factory.SubFactory(RecipeFactory)
    quantity = Decimal(12)


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Event {n}")
    date = factory.Sequence(
        lambda n: datetime.date(2026, 12, 1) + datetime.timedelta(n)
    )


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment

    event = factory.SubFactory(EventFactory)
    recipient = factory.SubFactory(RecipientFactory)
    package = factory.SubFactory(PackageFactory)
    quantity = 1
