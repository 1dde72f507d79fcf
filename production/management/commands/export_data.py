from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from production.dataio.export import export_backup, export_csv


class Command(BaseCommand):
    help = (
        "Exports everything as a backup: one JSON file (format version 2) that "
        "import_data restores into an empty database exactly, history included. "
        "--format csv writes a folder of CSV files instead, in the format "
        "import_data reads row by row (version 1: ingredients, products, lots as "
        "purchases, recipes, recipients, packages, events and assignments)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if options["format"] == "json":
            if path.is_dir():
                raise CommandError(f"{path} is a folder: give a file name for JSON.")
            if not path.parent.is_dir():
                raise CommandError(f"{path.parent} is not a folder.")
            counts = export_backup(path)
        else:
            if path.exists() and not path.is_dir():
                raise CommandError(f"{path} is a file: give a folder for CSV files.")
            counts = export_csv(path)
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Exported to {path}: {summary}."))
