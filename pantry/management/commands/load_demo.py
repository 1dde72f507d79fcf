from django.core.management.base import BaseCommand, CommandError

from pantry.demo import load_pantry_demo
from pantry.models import Ingredient, Recipe


class Command(BaseCommand):
    help = "Loads a demo pantry (ingredients, products, purchases, recipes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, successfully, when the database already holds data.",
        )

    def handle(self, *args, **options):
        if Ingredient.objects.exists() or Recipe.objects.exists():
            if options["if_empty"]:
                self.stdout.write(
                    "The database holds data already: demo data not loaded."
                )
                return
            raise CommandError(
                "The database holds data already; demo data only loads into an "
                "empty database. Nothing was changed."
            )
        counts = load_pantry_demo()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
