"""Bulk import of a season's data: our JSON and CSV formats, and bake-tracker.

All or nothing: every row of every file is read and checked first, and every
problem is collected (file, row or JSON path, field, value, reason); only
when there is none is anything written, in one transaction. Rows are matched
to what exists by natural keys, so importing the same data twice changes
nothing the second time. See docs/import-format.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from production.exchange import bake_tracker
from production.exchange.planner import Plan, Planner
from production.exchange.rows import (
    DataSet,
    ImportFailed,
    Problem,
    detect_format,
    read_csv,
    read_json,
)
from production.exchange.writer import write

__all__ = ["ImportFailed", "Problem", "Result", "import_files"]


@dataclass
class Result:
    plan: Plan
    dataset: DataSet
    dry_run: bool


READERS = {"json": read_json, "csv": read_csv}


def import_files(
    paths: Iterable[Path],
    *,
    format: str = "auto",
    dry_run: bool = False,
    create_missing: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> Result:
    """Reads, checks and (unless `dry_run`) writes; ImportFailed lists every
    problem and means nothing was written. A path that is no file we can read
    (a folder, a file too large, not text, not JSON or CSV) is a problem too,
    and the dry run checks exactly what the real run checks."""
    progress = progress or (lambda label, done, total: None)
    dataset = DataSet()
    problems: list[Problem] = []
    for path in paths:
        path = Path(path)
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
            reader = bake_tracker.read if kind == "bake-tracker" else READERS.get(kind)
            if reader is None:
                problems.append(Problem(str(path), "", kind, "is not a format we read"))
                continue
            reader(path, dataset)
        except ImportFailed as error:
            problems.extend(error.problems)
        except OSError as error:
            reason = error.strerror or str(error)
            problems.append(Problem(str(path), "", None, f"cannot be read: {reason}"))
    if problems:
        raise ImportFailed(problems)
    with transaction.atomic():
        plan = Planner(dataset, create_missing=create_missing, progress=progress).run()
        if plan.problems:
            raise ImportFailed(plan.problems)
        if not dry_run:
            write(plan, progress=progress)
    return Result(plan=plan, dataset=dataset, dry_run=dry_run)
