from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events.models import Event
from production.dataio import ImportFailed, backup, import_files

# A backup of a holiday season (see docs/import-format.md), dated around its
# "anchor" day: restored, its dates move to happen around today.
DEMO_SEASON = Path(__file__).resolve().parents[2] / "data" / "demo-season.json"

# What the summary counts, in the baker's words.
SHOWN = {
    "ingredients": "ingredients",
    "products": "products",
    "lots": "lots",
    "recipes": "recipes",
    "recipients": "recipients",
    "packages": "packages",
    "events": "events",
    "assignments": "assignments",
    "production_records": "production records",
}


class Command(BaseCommand):
    help = (
        "Loads the demo season into an empty database: a pantry with purchases, "
        "recipes, recipients, gift packages, a past and two upcoming events and "
        "some production, dated around today."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, successfully, when the database already holds data.",
        )

    def handle(self, *args, **options):
        if any(model._base_manager.exists() for _, model in backup.MODELS):
            if options["if_empty"]:
                self.stdout.write(
                    "The database holds data already: demo data not loaded."
                )
                return
            raise CommandError(
                "The database holds data already; demo data only loads into an "
                "empty database. Nothing was changed."
            )
        today = timezone.localdate()
        try:
            result = import_files([DEMO_SEASON], shift_dates_to=today)
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"The demo season in {DEMO_SEASON.name} does not load: "
                f"{len(failed.problems)} problem(s). Nothing was changed."
            ) from None
        rows = result.plan.counts.rows
        summary = ", ".join(
            f"{rows.get(section, 0)} {name}" for section, name in SHOWN.items()
        )
        events = "; ".join(
            f"{event.name} ({_when(event.date, today)})"
            for event in Event.objects.order_by("date", "pk")
        )
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        self.stdout.write(f"Events: {events}.")


def _when(day, today) -> str:
    days = (day - today).days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"
