"""Rows read from files: our JSON and CSV formats, and where each came from."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SECTIONS = (
    "ingredients",
    "products",
    "lots",
    "recipes",
    "recipients",
    "packages",
    "events",
    "assignments",
)
# CSV files whose rows are the nested lists of another section:
# file -> (section, its key field, the child's field naming it, nested list)
NESTED_CSV = {
    "recipe_lines": ("recipes", "slug", "recipe", "lines"),
    "package_items": ("packages", "name", "package", "items"),
}


@dataclass
class Row:
    source: str  # where it came from: "lots.csv row 5", "data.json lots[3]"
    data: dict[str, Any]


@dataclass
class DataSet:
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    skipped: list[str] = field(default_factory=list)  # sections not modelled
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    source: str
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}, {self.field}" if self.field else self.source
        if self.value not in (None, ""):
            return f"{where} = {self.value!r}: {self.reason}"
        return f"{where}: {self.reason}"


class ImportFailed(Exception):
    """Nothing was written: every problem found is in `problems`."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported.")


# --- reading -----------------------------------------------------------------


def detect_format(path: Path) -> str:
    if path.suffix.lower() == ".csv":
        return "csv"
    with path.open(encoding="utf-8") as handle:
        head = handle.read(4096)
    if re.search(r'"format"\s*:\s*"bakery"', head):
        return "json"
    if '"bake-tracker"' in head or '"Seasonal Baking Tracker' in head:
        return "bake-tracker"
    if re.search(r'"(export_date|exported_at)"', head):
        return "bake-tracker"
    return "json"


def read_json(path: Path, dataset: DataSet) -> None:
    """Our JSON format: {"format": "bakery", "ingredients": [...], ...}."""
    data = load_json(path)
    for section, rows in data.items():
        if section in ("format", "version", "exported_at"):
            continue
        if section not in SECTIONS:
            dataset.skipped.append(f"{path.name}: section “{section}” is not ours")
            continue
        if not isinstance(rows, list):
            raise ImportFailed(
                [Problem(f"{path.name} {section}", "", None, "is not a list")]
            )
        for index, row in enumerate(rows):
            dataset.rows[section].append(Row(f"{path.name} {section}[{index}]", row))


def load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFailed(
            [Problem(path.name, "", None, f"is not JSON: {error}")]
        ) from None
    if not isinstance(data, dict):
        raise ImportFailed(
            [Problem(path.name, "", None, "must hold an object of sections")]
        )
    return data


def read_csv(path: Path, dataset: DataSet) -> None:
    """One CSV file per section, named after it: lots.csv, recipes.csv, ..."""
    section = path.stem.lower()
    if section not in SECTIONS and section not in NESTED_CSV:
        known = ", ".join(f"{name}.csv" for name in (*SECTIONS, *NESTED_CSV))
        raise ImportFailed(
            [
                Problem(
                    path.name,
                    "",
                    None,
                    f"is not a file we read; name it one of {known}",
                )
            ]
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [
            Row(
                f"{path.name} row {number}",
                {k: _formula_kept_as_text(v) for k, v in row.items() if k},
            )
            for number, row in enumerate(reader, start=2)
        ]
    if section in NESTED_CSV:
        parent, _, _, nested = NESTED_CSV[section]
        dataset.rows[f"{parent}:{nested}"].extend(rows)
    else:
        dataset.rows[section].extend(rows)


def _formula_kept_as_text(value):
    """Undoes the export's guard against spreadsheet formulas ('=1+1 -> =1+1)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value
