"""Bulk import of a season's data: our JSON and CSV formats, and bake-tracker.

All or nothing: every row of every file is read and checked first, and every
problem is collected (file, row or JSON path, field, value, reason); only
when there is none is anything written, in one transaction. Rows are matched
to what exists by natural keys, so importing the same data twice changes
nothing the second time. See docs/import-format.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from production.dataio import backup, bake_tracker
from production.dataio.planner import Plan, Planner
from production.dataio.rows import (
    DataSet,
    ImportFailed,
    Problem,
    detect_format,
    order,
    read_csv,
    read_json,
    read_price_list,
)
from production.dataio.writer import write

__all__ = ["ImportFailed", "Problem", "Result", "import_files"]


@dataclass
class Result:
    plan: Plan
    dataset: DataSet
    dry_run: bool


READERS = {
    "json": read_json,
    "csv": read_csv,
    "bake-tracker": bake_tracker.read,
    "price-list": read_price_list,
}


def import_files(
    paths: Iterable[Path],
    *,
    format: str = "auto",
    dry_run: bool = False,
    create_missing: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    shift_dates_to: datetime.date | None = None,
) -> Result:
    """Reads, checks and (unless `dry_run`) writes; ImportFailed lists every
    problem and means nothing was written. A path that is no file we can read
    (a folder, a file too large, not text, not JSON or CSV) is a problem too,
    and the dry run checks exactly what the real run checks. `shift_dates_to`
    moves a backup's dates to that day (see backup.DateShift)."""
    progress = progress or (lambda label, done, total: None)
    paths = [Path(path) for path in paths]
    if format in ("auto", "json") and any(map(backup.is_backup, paths)):
        # A backup (format version 2) is restored whole, not planned row by row.
        restored = backup.restore_backup(
            paths, dry_run=dry_run, progress=progress, shift_dates_to=shift_dates_to
        )
        return Result(plan=restored, dataset=DataSet(), dry_run=dry_run)
    if shift_dates_to is not None:
        raise ValueError("Only a backup's dates can be moved (shift_dates_to).")
    return _import_rows(
        paths,
        format=format,
        dry_run=dry_run,
        create_missing=create_missing,
        progress=progress,
    )


# --- rows of our formats, bake-tracker's exports and price lists ---------------


def _import_rows(
    paths: list[Path],
    *,
    format: str,
    dry_run: bool,
    create_missing: bool,
    progress: Callable[[str, int, int], None],
) -> Result:
    """Reads every file, then plans and writes their rows together, in the
    order of `rows.order` (whatever the order the files are given in) and
    section by section (see Planner.run). The dry run writes too, and rolls
    back: it finds whatever the real run would."""
    read: list[tuple[str, DataSet]] = []
    problems: list[Problem] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), "", None, "does not exist"))
            continue
        if path.is_dir():
            problems.append(
                Problem(
                    str(path),
                    "",
                    None,
                    "is a folder: give the files in it, like folder/*.csv",
                )
            )
            continue
        if not path.is_file():  # a pipe or a device: reading it may never end
            problems.append(Problem(str(path), "", None, "is not a file"))
            continue
        try:
            kind = detect_format(path) if format == "auto" else format
            reader = READERS.get(kind)
            if reader is None:
                problems.append(Problem(str(path), "", kind, "is not a format we read"))
                continue
            of_file = DataSet()
            reader(path, of_file)
            read.append((str(path), of_file))
        except ImportFailed as error:
            problems.extend(error.problems)
        except OSError as error:
            reason = error.strerror or str(error)
            problems.append(Problem(str(path), "", None, f"cannot be read: {reason}"))
    if problems:
        raise ImportFailed(problems)
    dataset = DataSet()
    for file, (_, of_file) in enumerate(order(read)):
        dataset.extend(of_file, file=file)
    with transaction.atomic():
        plan = Planner(dataset, create_missing=create_missing, progress=progress).run()
        if plan.problems:
            raise ImportFailed(plan.problems, warnings=plan.warnings)
        write(plan, progress=progress)
        if dry_run:
            transaction.set_rollback(True)
    return Result(plan=plan, dataset=dataset, dry_run=dry_run)
