from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.demo import load_events_demo
from events.models import Event, Recipient
from pantry.demo import load_pantry_demo
from pantry.models import Ingredient, Recipe
from production.demo import load_production_demo


class Command(BaseCommand):
    help = (
        "Loads demo data into an empty database: a pantry with purchases, "
        "recipes, recipients, gift packages, events and some production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, successfully, when the database already holds data.",
        )

    def handle(self, *args, **options):
        if any(m.objects.exists() for m in (Ingredient, Recipe, Recipient, Event)):
            if options["if_empty"]:
                self.stdout.write(
                    "The database holds data already: demo data not loaded."
                )
                return
            raise CommandError(
                "The database holds data already; demo data only loads into an "
                "empty database. Nothing was changed."
            )
        with transaction.atomic():
            counts = {
                **load_pantry_demo(),
                **load_events_demo(),
                **load_production_demo(),
            }
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
