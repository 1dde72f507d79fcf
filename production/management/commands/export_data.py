from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from production.exchange.export import export_csv, export_json


class Command(BaseCommand):
    help = (
        "Exports ingredients, products, lots (as purchases), recipes, recipients, "
        "packages, events and assignments in the format import_data reads: one JSON "
        "file, or a folder of CSV files."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if options["format"] == "json":
            if path.is_dir():
                raise CommandError(f"{path} is a folder: give a file name for JSON.")
            counts = export_json(path)
        else:
            if path.exists() and not path.is_dir():
                raise CommandError(f"{path} is a file: give a folder for CSV files.")
            counts = export_csv(path)
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Exported to {path}: {summary}."))
