"""Rows read from files: our JSON and CSV formats, and where each came from."""

from __future__ import annotations

import csv
import io
import json
import re
import reprlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
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
# Far above a season's data (100,000 lots are some 30 MB of JSON), low enough
# that a file read whole, then parsed, fits in memory.
MAX_FILE_BYTES = 64 * 1024 * 1024
# Our format nests 5 deep and bake-tracker's exports 6; json recurses once a
# level and gives up near 1,000, and so would anything printing the values.
MAX_JSON_DEPTH = 32
# CSV files whose rows are the nested lists of another section:
# file -> (section, its key field, the child's field naming it, nested list)
NESTED_CSV = {
    "recipe_lines": ("recipes", "slug", "recipe", "lines"),
    "package_items": ("packages", "name", "package", "items"),
}


# A price list (bake-tracker's, or any spreadsheet of prices): a CSV file told
# by its header, whatever its name. Its rows are read after every section.
PRICES = "prices"
PRICE_LIST_COLUMNS = {"unit_price"}
PRICE_LIST_NAMES = {"product_name", "ingredient_name"}


@dataclass(slots=True)  # an import may hold 100,000 of them
class Row:
    source: str  # where it came from: "lots.csv row 5", "data.json lots[3]"
    data: dict[str, Any]
    file: int = 0  # the file's place in the import order (see DataSet.order)


class Note(str):
    """A line of the import summary that says where it comes from: its text
    is "source: reason"."""

    source: str
    reason: str

    def __new__(cls, source: str, reason: str) -> Note:
        note = super().__new__(cls, f"{source}: {reason}")
        note.source, note.reason = source, reason
        return note


@dataclass
class DataSet:
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    skipped: list[str] = field(default_factory=list)  # sections not modelled
    notes: list[str] = field(default_factory=list)
    # When the file was exported, if it says (bake-tracker's exports do):
    # files are imported oldest first, whatever the order they are given in.
    exported_at: str = ""

    def add_note(self, source: str, reason: str) -> None:
        self.notes.append(Note(source, reason))

    def extend(self, other: DataSet, *, file: int) -> None:
        """Adds the rows, notes and skipped sections of another file's data."""
        for section, rows in other.rows.items():
            for row in rows:
                row.file = file
            self.rows[section].extend(rows)
        self.skipped.extend(other.skipped)
        self.notes.extend(other.notes)


def order(datasets: list[tuple[str, DataSet]]) -> list[tuple[str, DataSet]]:
    """The files of one import in the order they are imported, whatever the
    order given: exports that say when they were made, oldest first (a newer
    export's rows win over an older one's), then the others by name. So one
    command with every file does what importing them one at a time, in that
    order, does."""

    def key(item: tuple[str, DataSet]):
        name, dataset = item
        when = _sortable_time(dataset.exported_at)
        return (when is None, when or "", Path(name).name, name)

    return sorted(datasets, key=key)


def _sortable_time(value: Any) -> str | None:
    """An export time as text that sorts in time order (ISO 8601, "Z" or
    not), or None when there is none."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().replace(" ", "T").removesuffix("Z")


@dataclass(frozen=True)
class Problem:
    source: str
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}, {self.field}" if self.field else self.source
        if self.value is not None and self.value != "":
            return f"{where} = {_shown(self.value)}: {self.reason}"
        return f"{where}: {self.reason}"


class _Short(reprlib.Repr):
    """Values cut short, numbers read from JSON shown as they were written
    (1E+30, not Decimal('1E+30')), text quoted."""

    def __init__(self):
        super().__init__()
        self.maxstring = self.maxother = 80
        self.maxlist = self.maxdict = 4
        self.maxlevel = 2

    def repr_Decimal(self, value: Decimal, level: int) -> str:
        return self.repr_str(str(value), level).strip("'")


_shown = _Short().repr


class ImportFailed(Exception):
    """Nothing was written: every problem found is in `problems`."""

    def __init__(self, problems: list[Problem], *, warnings: list | None = None):
        self.problems = problems
        self.warnings = warnings or []  # found on the way, for the report
        super().__init__(f"{len(problems)} problem(s); nothing was imported.")


# --- reading -----------------------------------------------------------------


def detect_format(path: Path) -> str:
    if path.suffix.lower() == ".csv":
        return "price-list" if _is_price_list(path) else "csv"
    # The markers are ASCII, which reads the same in every encoding we read.
    with path.open("rb") as handle:
        head = handle.read(4096).decode("latin-1")
    if re.search(r'"format"\s*:\s*"bakery"', head):
        return "json"
    if '"bake-tracker"' in head or '"Seasonal Baking Tracker' in head:
        return "bake-tracker"
    if re.search(r'"(export_date|exported_at)"', head):
        return "bake-tracker"
    return "json"


def read_json(path: Path, dataset: DataSet) -> None:
    """Our JSON format: {"format": "bakery", "ingredients": [...], ...}."""
    data = load_json(path, dataset)
    dataset.exported_at = data.get("exported_at") or ""
    problems: list[Problem] = []
    for section, rows in data.items():
        if section in ("format", "version", "exported_at"):
            continue
        if section not in SECTIONS:
            dataset.skipped.append(f"{path.name}: section “{section}” is not ours")
            continue
        for source, row in objects(rows, f"{path.name} {section}", problems):
            dataset.rows[section].append(Row(source, row))
    if problems:
        raise ImportFailed(problems)


def objects(
    value: Any, source: str, problems: list[Problem]
) -> list[tuple[str, dict[str, Any]]]:
    """The objects of a JSON list, each with its path ("data.json lots[3]");
    a list missing or empty has none. Anything that is not a list, or not an
    object in it, is added to `problems`."""
    if value is None or value == []:
        return []
    if not isinstance(value, list):
        problems.append(Problem(source, "", value, f"is {_kind(value)}, not a list"))
        return []
    found = []
    for index, item in enumerate(value):
        where = f"{source}[{index}]"
        if isinstance(item, dict):
            found.append((where, item))
        else:
            problems.append(not_an_object(where, item))
    return found


def not_an_object(source: str, value: Any) -> Problem:
    return Problem(
        source, "", value, f'is {_kind(value)}, not an object like {{"name": ...}}'
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def load_json(path: Path, dataset: DataSet) -> dict:
    """The object a JSON file holds, its numbers as exact Decimals (a price
    of 13.69 stays 13.69, and 1e400 stays a number to refuse, not infinity)."""
    text = read_text(path, dataset)
    try:
        data = json.loads(text, parse_float=_exact, parse_int=Decimal)
        too_deep = _deeper_than(MAX_JSON_DEPTH, data)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            [Problem(path.name, "", None, f"is not JSON: {error}")]
        ) from None
    except RecursionError:  # json gives up near 1,000 levels
        too_deep = True
    if too_deep:
        raise ImportFailed(
            [
                Problem(
                    path.name,
                    "",
                    None,
                    f"nests lists and objects more than {MAX_JSON_DEPTH} levels "
                    "deep; our files need 5",
                )
            ]
        )
    if not isinstance(data, dict):
        raise ImportFailed(
            [Problem(path.name, "", None, "must hold an object of sections")]
        )
    return data


def _exact(number: str) -> Decimal | str:
    """A JSON number as a Decimal; one beyond Decimal's range stays text, for
    the field reading it to refuse."""
    try:
        return Decimal(number)
    except InvalidOperation:
        return number


def _deeper_than(limit: int, data: Any) -> bool:
    """Whether lists and objects nest more than `limit` levels in `data`;
    looked at one level at a time, so that nothing recurses."""
    level, containers = 0, [data] if isinstance(data, (dict, list)) else []
    while containers and level <= limit:
        level += 1
        containers = [
            child
            for value in containers
            for child in (value.values() if isinstance(value, dict) else value)
            if isinstance(child, (dict, list))
        ]
    return level > limit


def _is_price_list(path: Path) -> bool:
    """Whether a CSV file's header is a price list's: a `unit_price` column
    and a product or ingredient name."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8-sig", errors="replace")
    except OSError:
        return False  # reading it again reports why
    header = next(csv.reader(io.StringIO(head.partition("\n")[0])), [])
    columns = {name.strip().lower() for name in header}
    return columns >= PRICE_LIST_COLUMNS and bool(PRICE_LIST_NAMES & columns)


def read_price_list(path: Path, dataset: DataSet) -> None:
    """A price list: one row per product and package, with its `unit_price`
    (the price of one package). See docs/import-format.md."""
    rows = _csv_rows(path, dataset)
    if rows and not (set(rows[0].data) >= PRICE_LIST_COLUMNS):
        raise ImportFailed(
            [
                Problem(
                    path.name,
                    "",
                    None,
                    "is not a price list: it needs a unit_price column and a "
                    "product_name or ingredient_name column",
                )
            ]
        )
    dataset.rows[PRICES].extend(rows)


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
                    f"is not a file we read; name it one of {known}, or give "
                    "it the header of a price list (unit_price, product_name, …)",
                )
            ]
        )
    rows = _csv_rows(path, dataset)
    if section in NESTED_CSV:
        parent, _, _, nested = NESTED_CSV[section]
        dataset.rows[f"{parent}:{nested}"].extend(rows)
    else:
        dataset.rows[section].extend(rows)


def _csv_rows(path: Path, dataset: DataSet) -> list[Row]:
    """The rows of a CSV file, each named by its line ("lots.csv row 5", the
    header being row 1); column names are stripped and lower-cased."""
    reader = csv.DictReader(io.StringIO(read_text(path, dataset), newline=""))
    rows: list[Row] = []
    number = 1  # the header
    try:
        if reader.fieldnames is not None:  # asking for it reads the header
            number = 2
        for record in reader:
            rows.append(
                Row(
                    f"{path.name} row {number}",
                    {
                        k.strip().lower(): _formula_kept_as_text(v)
                        for k, v in record.items()
                        if k and k.strip()
                    },
                )
            )
            number += 1
    except csv.Error as error:
        raise ImportFailed(
            [Problem(f"{path.name} row {number}", "", None, _csv_reason(error))]
        ) from None
    return rows


def _csv_reason(error: csv.Error) -> str:
    if str(error).startswith("field larger than field limit"):
        # The limit stays: a cell this long is a broken file, not a baker's note.
        return (
            f"has a field longer than {csv.field_size_limit():,} characters, "
            "more than a CSV field may hold (is a quote left open?)"
        )
    return f"is not CSV: {error}"


def read_text(path: Path, dataset: DataSet) -> str:
    """The text of a file in UTF-8 (with or without a byte order mark) or,
    failing that, in Windows-1252: what Excel on Windows saves as "CSV", a
    superset of latin-1 for text. Reading it so is noted, for the baker to
    check the accents. A file too large, holding NUL bytes (not text), or in
    neither encoding is refused."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportFailed(
            [
                Problem(
                    path.name,
                    "",
                    None,
                    f"is larger than {MAX_FILE_BYTES // 2**20} MB ({size:,} bytes), "
                    "the most a file may hold: split it in several",
                )
            ]
        )
    data = path.read_bytes()
    if b"\0" in data:
        raise ImportFailed(
            [
                Problem(
                    path.name,
                    "",
                    None,
                    "holds NUL bytes, so it is not text: save it as CSV (UTF-8) "
                    "or JSON",
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        first = error.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            [
                Problem(
                    path.name,
                    "",
                    None,
                    f"is not text: byte {data[error.start]:#04x} at position "
                    f"{error.start:,} is neither UTF-8 nor Windows-1252; save it "
                    "as UTF-8",
                )
            ]
        ) from None
    # One byte is one character in Windows-1252: `first` is a text position.
    start, end = text.rfind("\n", 0, first) + 1, text.find("\n", first)
    line = text[start : end if end >= 0 else len(text)].strip()
    number = text.count("\n", 0, first) + 1
    dataset.add_note(
        path.name,
        "not UTF-8, read as Windows-1252 (latin-1); check its accents, first "
        f"on line {number}: {line[:80]}",
    )
    return text


def _formula_kept_as_text(value):
    """Undoes the export's guard against spreadsheet formulas ('=1+1 -> =1+1)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value
