import sys
import time

from django.core.management.base import BaseCommand, CommandError

from production.exchange import ImportFailed, import_files


class Command(BaseCommand):
    help = (
        "Imports ingredients, products, lots, recipes, recipients, packages, events "
        "and assignments from our JSON or CSV files or bake-tracker exports. All or "
        "nothing: every problem is listed and nothing is written if there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report only"
        )
        parser.add_argument(
            "--format", choices=["auto", "json", "csv", "bake-tracker"], default="auto"
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="create ingredients that references name but nothing matches, "
            "marked as needing review",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = import_files(
                options["paths"],
                format=options["format"],
                dry_run=options["dry_run"],
                create_missing=options["create_missing"],
                progress=self.progress,
            )
        except ImportFailed as failed:
            self.clear_progress()
            for problem in failed.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(failed.problems)} problem(s) found; nothing was imported."
            ) from None
        self.clear_progress()
        plan = result.plan
        for line in result.dataset.notes + plan.warnings:
            self.stdout.write(line)
        for line in result.dataset.skipped:
            self.stdout.write(f"Skipped {line}")
        if plan.created_missing:
            self.stdout.write(
                f"Created {len(plan.created_missing)} ingredient(s) marked as needing "
                f"review: {', '.join(plan.created_missing)}"
            )
        heading = (
            "Would import (dry run, nothing written)" if result.dry_run else "Imported"
        )
        self.stdout.write(
            self.style.SUCCESS(f"{heading} in {time.monotonic() - started:.1f}s:")
        )
        for line in plan.counts.lines() or ["nothing to import"]:
            self.stdout.write(f"  {line}")

    _shown = False

    def progress(self, label: str, done: int, total: int) -> None:
        """A progress bar on stderr for long imports."""
        if total < 5000:
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        line = f"{label:>14} [{bar}] {done:,}/{total:,}"
        if sys.stderr.isatty():
            self.stderr.write(f"\r{line}", ending="")
        else:
            self.stderr.write(line)
        self._shown = True

    def clear_progress(self) -> None:
        if self._shown and sys.stderr.isatty():
            self.stderr.write("")
        self._shown = False
