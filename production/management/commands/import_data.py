import csv
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from production.dataio import ImportFailed, import_files
from production.dataio.rows import Note, Problem

REPORT_COLUMNS = ["file/row", "field", "value", "reason", "kind"]


class Command(BaseCommand):
    help = (
        "Imports ingredients, products, lots, recipes, recipients, packages, events "
        "and assignments from our JSON or CSV files, bake-tracker exports and price "
        "lists. All or nothing: every problem is listed and nothing is written if "
        "there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report only"
        )
        parser.add_argument(
            "--format",
            choices=["auto", "json", "csv", "bake-tracker", "price-list"],
            default="auto",
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="create ingredients that references name but nothing matches, "
            "marked as needing review",
        )
        parser.add_argument(
            "--report",
            metavar="PATH",
            help="also write every problem, warning and note to this file: CSV "
            "if it ends with .csv (file/row, field, value, reason, kind), else text",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        report = Path(options["report"]) if options["report"] else None
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
            if report:
                self.write_report(
                    report,
                    [("problem", p) for p in failed.problems]
                    + [("warning", w) for w in failed.warnings],
                )
            raise CommandError(
                f"{len(failed.problems)} problem(s) found; nothing was imported."
            ) from None
        self.clear_progress()
        plan = result.plan
        for line in result.dataset.notes + plan.warnings:
            self.stdout.write(str(line))
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
        if report:
            self.write_report(
                report,
                [("warning", w) for w in plan.warnings]
                + [("note", n) for n in result.dataset.notes]
                + [("skipped", s) for s in result.dataset.skipped],
            )

    def write_report(self, path: Path, lines: list[tuple[str, object]]) -> None:
        """Every problem, warning and note, one a line: CSV for a path ending
        in .csv, else text as shown on the terminal."""
        rows = [(kind, *_fields(line)) for kind, line in lines]
        try:
            with path.open("w", newline="", encoding="utf-8") as handle:
                if path.suffix.lower() == ".csv":
                    writer = csv.writer(handle)
                    writer.writerow(REPORT_COLUMNS)
                    for kind, source, field, value, reason in rows:
                        writer.writerow([source, field, value, reason, kind])
                else:
                    for (kind, *_), (_, line) in zip(rows, lines, strict=True):
                        handle.write(f"{kind}: {line}\n")
        except OSError as error:
            raise CommandError(
                f"The report cannot be written to {path}: {error.strerror or error}"
            ) from None
        self.stdout.write(f"Report written to {path} ({len(rows)} line(s)).")

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


def _fields(line) -> tuple[str, str, str, str]:
    """(file/row, field, value, reason) of a problem, warning or note."""
    if isinstance(line, Problem):
        value = "" if line.value is None else str(line.value)
        return line.source, line.field, value, line.reason
    if isinstance(line, Note):
        return line.source, "", "", line.reason
    source, _, reason = str(line).partition(": ")
    return (source, "", "", reason) if reason else ("", "", "", source)
