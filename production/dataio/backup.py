"""A complete backup of the bakery's data (format version 2), and its
restore into an empty database.

A backup holds every row of every model in `MODELS`, with every concrete
field the model has, found from the model itself: a field added later is
backed up and restored without more code, and a backup made before it was
added restores with the field's default. Rows keep their ids, references
between rows are those ids, and references to users are usernames (a user
missing from the database is created inactive, without a password).

A restore is all or nothing, in one transaction and in bulk. It refuses a
database that holds any of these rows, unless it holds exactly the rows of
the backup, which changes nothing. Every value is checked against its
column and its model's rules first, then references, unique values and the
ledgers: a lot's remaining quantity and cost are what it was bought with
plus its stock movements, and a production's actual cost is the sum of its
consumption lines. What breaks a rule is a problem naming its row
(`backup.json lots[3]`), and nothing is written. See docs/import-format.md.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from bakery.bulk import save_fields
from events.models import (
    Assignment,
    Event,
    FrozenPlannedCost,
    Package,
    PackageItem,
    Recipient,
)
from pantry.models import (
    Ingredient,
    Lot,
    Product,
    Recipe,
    RecipeLine,
    RecordedReceipt,
    StockMovement,
    StockUnitChange,
)
from production.dataio.rows import ImportFailed, Problem, objects
from production.dataio.values import unfit
from production.models import Allocation, ConsumptionLine, ProductionRecord

FORMAT_VERSION = 2
HEADER = {"format": "bakery", "version": FORMAT_VERSION, "backup": True}
# Optional in the header: the day a backup's dates are relative to, for a
# restore that moves them (see DateShift).
ANCHOR = "anchor"

# Every model of pantry, events and production, each after the models it
# refers to; rows of a model are written and restored in id order, so lots
# bought the same day keep their FIFO order.
MODELS: tuple[tuple[str, type[models.Model]], ...] = (
    ("ingredients", Ingredient),
    ("products", Product),
    ("lots", Lot),
    ("stock_movements", StockMovement),
    ("stock_unit_changes", StockUnitChange),
    ("recorded_receipts", RecordedReceipt),
    ("recipes", Recipe),
    ("recipe_lines", RecipeLine),
    ("recipients", Recipient),
    ("packages", Package),
    ("package_items", PackageItem),
    ("events", Event),
    ("assignments", Assignment),
    ("frozen_planned_costs", FrozenPlannedCost),
    ("production_records", ProductionRecord),
    ("consumption_lines", ConsumptionLine),
    ("allocations", Allocation),
)
SECTION_OF = {model: section for section, model in MODELS}
MAX_ID = 2**63 - 1
WRITE_BATCH = 2000


@functools.cache
def _fields(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.name: f for f in model._meta.concrete_fields}


@functools.cache
def _refers_to_user(field: models.Field) -> bool:
    return field.is_relation and field.related_model is get_user_model()


def _stamped(field: models.Field) -> bool:
    """Set by Django when a row is saved (created_at): given, not taken."""
    return bool(
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    )


# --- backing up --------------------------------------------------------------


@contextmanager
def snapshot():
    """One consistent view of the database while a backup is read: a
    production recorded meanwhile is in it with all its rows, or not at all
    (a lot's ledger would not add up otherwise, and the backup would not
    restore)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def backup_sections() -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
    """(section, rows) for every model, rows in id order, each a dict of
    JSON values by field name. Run it inside `snapshot()`."""
    User = get_user_model()
    usernames = dict(
        User._base_manager.values_list("pk", User.USERNAME_FIELD).iterator()
    )
    for section, model in MODELS:
        yield section, _rows(model, usernames)


def _rows(model: type[models.Model], usernames: dict) -> Iterator[dict[str, Any]]:
    fields = model._meta.concrete_fields
    rows = model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
    for values in rows.iterator(chunk_size=WRITE_BATCH):
        yield {
            f.name: _plain(f, value, usernames)
            for f, value in zip(fields, values, strict=True)
        }


def _plain(field: models.Field, value: Any, usernames: dict) -> Any:
    """A value as JSON writes it: money and quantities as text with their
    places ("18.4900"), dates and times in ISO 8601 (times in UTC)."""
    if value is None:
        return None
    if _refers_to_user(field):
        return usernames.get(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bool, int, str)):
        return value
    return str(value)


# --- restoring ---------------------------------------------------------------


def is_backup(path: Path) -> bool:
    """Whether a file says, at its start, that it is one of our backups."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            head = handle.read(4096).decode("latin-1")
    except OSError:
        return False
    return bool(
        re.search(r'"format"\s*:\s*"bakery"', head)
        and re.search(r'"backup"\s*:\s*true', head)
    )


@dataclass
class RestoreCounts:
    rows: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"{section}: {count}" for section, count in self.rows.items() if count]


@dataclass
class Restore:
    """What a restore wrote, or (dry run) would write; read by import_data
    as it reads an import's plan."""

    counts: RestoreCounts = field(default_factory=RestoreCounts)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created_missing: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    unchanged: bool = False


def restore_backup(
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    shift_dates_to: datetime.date | None = None,
) -> Restore:
    """Restores a backup into an empty database, exactly: ids, history,
    statuses, who did what and when. All or nothing (ImportFailed lists
    every problem, and nothing is written); `dry_run` runs every check and
    every write, then rolls them back. With `shift_dates_to`, every date and
    time is first moved by the days from the backup's anchor to that day
    (see DateShift), and checked as moved."""
    progress = progress or (lambda label, done, total: None)
    paths = [Path(path) for path in paths]
    if len(paths) != 1:
        raise ImportFailed(
            [
                Problem(
                    str(path),
                    "",
                    None,
                    "is a backup, which restores on its own: give it as the only file",
                )
                for path in paths
                if is_backup(path)
            ]
        )
    [path] = paths
    sections = _Reader(path.name, shift_dates_to=shift_dates_to).read(_load(path))
    with transaction.atomic():
        held = {
            section: count
            for section, model in MODELS
            if (count := model._base_manager.count())
        }
        if held:
            difference = _first_difference(sections)
            if difference is None:
                return Restore(
                    warnings=[
                        f"The database holds exactly the data of {path.name} "
                        "already: nothing changed."
                    ],
                    unchanged=True,
                )
            holding = ", ".join(f"{count} {name}" for name, count in held.items())
            raise ImportFailed(
                [
                    Problem(
                        path.name,
                        "",
                        None,
                        f"is a backup, which restores only into an empty database, "
                        f"and this one holds other data ({holding}; first "
                        f"difference: {difference}). Nothing was written.",
                    )
                ]
            )
        restore = _write(path.name, sections, progress)
        if dry_run:
            transaction.set_rollback(True)
    return restore


def _load(path: Path) -> dict:
    """The JSON object of a backup, its numbers as exact Decimals. Not limited
    in size like an import's files: a backup cannot be split."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        reason = error.strerror or str(error)
        raise ImportFailed(
            [Problem(str(path), "", None, f"cannot be read: {reason}")]
        ) from None
    except UnicodeDecodeError as error:
        raise ImportFailed(
            [Problem(path.name, "", None, f"is not UTF-8, as backups are: {error}")]
        ) from None
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            [Problem(path.name, "", None, f"is not JSON: {error}")]
        ) from None
    except RecursionError:
        raise ImportFailed(
            [Problem(path.name, "", None, "nests lists and objects too deep")]
        ) from None
    if not isinstance(data, dict):
        raise ImportFailed(
            [Problem(path.name, "", None, "must hold an object of sections")]
        )
    return data


@dataclass(eq=False)
class _Row:
    source: str  # "backup.json lots[3]"
    values: dict[str, Any]  # by field name; references as ids and usernames
    obj: models.Model


class _Reader:
    """Reads and checks every row of a backup; raises ImportFailed with every
    problem found."""

    def __init__(self, name: str, *, shift_dates_to: datetime.date | None = None):
        self.name = name
        self.shift_dates_to = shift_dates_to
        self.shift: DateShift | None = None
        self.problems: list[Problem] = []
        user_model = get_user_model()
        self.username_field = user_model._meta.get_field(user_model.USERNAME_FIELD)

    def problem(self, source: str, name: str, value: Any, reason: str) -> None:
        self.problems.append(Problem(source, name, value, reason))

    def read(self, data: dict) -> dict[str, list[_Row]]:
        for key, expected in HEADER.items():
            if data.get(key) != expected:
                self.problem(
                    self.name,
                    key,
                    data.get(key),
                    f"must be {json.dumps(expected)} in a backup of format version "
                    f"{FORMAT_VERSION}",
                )
        self.shift = self.date_shift(data.get(ANCHOR))
        for key in data:
            if key not in HEADER and key != ANCHOR and key not in SECTION_OF.values():
                self.problem(
                    self.name,
                    key,
                    None,
                    "is not a section of a backup; its sections are "
                    + ", ".join(section for section, _ in MODELS),
                )
        sections = {
            section: [
                self.row(model, section, source, raw)
                for source, raw in objects(
                    data.get(section), f"{self.name} {section}", self.problems
                )
            ]
            for section, model in MODELS
        }
        for section, model in MODELS:
            self.check_references(model, sections)
            self.check_unique(model, section, sections[section])
        if not self.problems:
            self.problems.extend(_check_ledgers(sections))
        if self.problems:
            raise ImportFailed(self.problems)
        return sections

    def row(self, model, section: str, source: str, raw: dict) -> _Row:
        fields = _fields(model)
        for name, value in raw.items():
            if name not in fields:
                self.problem(source, name, value, f"is not a field of {section}")
        values: dict[str, Any] = {}
        for name, model_field in fields.items():
            if name in raw:
                value = raw[name]
            elif model_field.primary_key:
                self.problem(source, name, None, "is required: every row has its id")
                continue
            else:  # a field added after the backup was made
                value = None if _stamped(model_field) else model_field.get_default()
            try:
                values[name] = self.value(model_field, value)
            except ValidationError as error:
                self.problem(source, name, value, " ".join(error.messages))
            else:
                if self.shift is not None:
                    values[name] = self.shift.move(model_field, values[name])
        # Without its id and references first (positionally, in field order,
        # which is quicker): so the model's clean() looks at this row alone,
        # without a query.
        obj = model(
            *(
                None
                if f.is_relation or f.primary_key
                else values[name]
                if name in values
                else f.get_default()
                for name, f in fields.items()
            )
        )
        plain = [
            name
            for name in values
            if not fields[name].is_relation and not fields[name].primary_key
        ]
        for name, reason in unfit(obj, plain).items():
            name = "" if name == NON_FIELD_ERRORS else name
            self.problem(source, name, raw.get(name) if name else None, reason)
        for name, value in values.items():
            if fields[name].primary_key:
                obj.pk = value
            elif fields[name].is_relation and not _refers_to_user(fields[name]):
                setattr(obj, fields[name].attname, value)
        return _Row(source, values, obj)

    def date_shift(self, anchor: Any) -> DateShift | None:
        """The shift from the backup's anchor to `shift_dates_to`, if asked
        for; a missing or unreadable anchor is a problem then."""
        day = None
        if isinstance(anchor, str):
            with suppress(ValueError):
                day = datetime.date.fromisoformat(anchor)
        if anchor is not None and day is None:
            self.problem(self.name, ANCHOR, anchor, "is not a date like 2026-12-01")
        elif self.shift_dates_to is not None and day is None:
            self.problem(
                self.name,
                ANCHOR,
                None,
                "is required to move the dates: the day they are relative to, "
                "like 2026-12-01",
            )
        if self.shift_dates_to is None or day is None:
            return None
        return DateShift(days=(self.shift_dates_to - day).days, now=timezone.now())

    def value(self, model_field: models.Field, value: Any) -> Any:
        """The Python value of a JSON value, or ValidationError."""
        if isinstance(value, (list, dict)):
            raise ValidationError("is a list or an object, not a value")
        if model_field.is_relation or model_field.primary_key:
            if value is None:
                if model_field.null:
                    return None
                raise ValidationError("is required")
            if _refers_to_user(model_field):
                if not isinstance(value, str) or not value.strip():
                    raise ValidationError("is not a username")
                self.username_field.run_validators(value)
                return value
            number = _whole(value)
            if number is None or not 1 <= number <= MAX_ID:
                raise ValidationError("is not an id: a whole number above 0")
            return number
        if value is None:
            return None
        if isinstance(model_field, models.IntegerField):
            number = _whole(value)
            if number is None:
                raise ValidationError("is not a whole number")
            return number
        return model_field.to_python(value)

    def check_references(self, model, sections: dict[str, list[_Row]]) -> None:
        for model_field in model._meta.concrete_fields:
            if not model_field.is_relation or _refers_to_user(model_field):
                continue
            target = SECTION_OF[model_field.related_model]
            ids = {row.values.get("id") for row in sections[target]}
            for row in sections[SECTION_OF[model]]:
                value = row.values.get(model_field.name)
                if value is not None and value not in ids:
                    self.problem(
                        row.source,
                        model_field.name,
                        value,
                        f"refers to no row of {target} with this id",
                    )

    def check_unique(self, model, section: str, rows: list[_Row]) -> None:
        """Values that must be unique (ids, slugs, names, unique together)
        are, within the backup: the database restored into is empty."""
        meta = model._meta
        keys = [(f.name,) for f in meta.concrete_fields if f.unique]
        keys += [tuple(c.fields) for c in meta.total_unique_constraints]
        keys += [tuple(names) for names in meta.unique_together]
        for names in dict.fromkeys(keys):
            seen: dict[tuple, str] = {}
            for row in rows:
                key = tuple(row.values.get(name) for name in names)
                if None in key:
                    continue
                if key in seen:
                    self.problem(
                        row.source,
                        ", ".join(names),
                        key[0] if len(key) == 1 else ", ".join(map(str, key)),
                        f"repeats {seen[key]}: {section} are unique by "
                        f"{' and '.join(names)}",
                    )
                else:
                    seen[key] = row.source


@dataclass(frozen=True)
class DateShift:
    """Moves a backup's dates and times by whole days, so that a season
    saved once (the demo) happens around whatever day it is restored on.

    Applied to every DateField and DateTimeField of every model, found from
    the model, before any check. Times keep their time of day on the
    bakery's clock (ten in the morning stays ten in the morning across a
    change to summer time). A time the move puts after `now` is put at
    `now`: the times record what happened (baked, delivered, stamped), and
    what happened on the anchor day at a later hour than it is now has
    happened by now, never in the future. Order is kept (ties aside)."""

    days: int
    now: datetime.datetime

    def move(self, model_field: models.Field, value: Any) -> Any:
        """The value moved, if it is a date or a time."""
        if value is None or not isinstance(model_field, models.DateField):
            return value
        days = datetime.timedelta(days=self.days)
        if not isinstance(model_field, models.DateTimeField):
            return value + days
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        moved = local.replace(tzinfo=None) + days
        if timezone.is_aware(self.now):
            moved = timezone.make_aware(moved)
        return min(moved, self.now)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,20}\s*", value):
        return int(value)
    return None


def _check_ledgers(sections: dict[str, list[_Row]]) -> list[Problem]:
    """A lot's remaining quantity and cost are what it was bought with plus
    its movements; a production's actual cost is the sum of its lines; each
    line takes from a lot of its ingredient through a movement of that lot;
    a lot's product is of the lot's ingredient."""
    problems = []
    values = {
        section: {row.values["id"]: row.values for row in rows}
        for section, rows in sections.items()
    }
    moved: dict[int, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for movement in values["stock_movements"].values():
        total = moved[movement["lot"]]
        total[0] += movement["quantity"]
        total[1] += movement["cost"]
        total[2] += 1
    for row in sections["lots"]:
        lot = row.values
        quantity, cost, count = moved.get(lot["id"], (Decimal(0), Decimal(0), 0))
        for remaining, start, change in (
            ("quantity_remaining", "quantity_purchased", quantity),
            ("cost_remaining", "total_cost", cost),
        ):
            expected = lot[start] + change
            if lot[remaining] != expected:
                problems.append(
                    Problem(
                        row.source,
                        remaining,
                        lot[remaining],
                        f"is not its {start} ({lot[start]}) plus its {count} stock "
                        f"movement(s) ({change:+f}) = {expected}",
                    )
                )
        product = values["products"].get(lot["product"])
        if product is not None and product["ingredient"] != lot["ingredient"]:
            problems.append(
                Problem(
                    row.source,
                    "product",
                    lot["product"],
                    f"is a product of ingredient {product['ingredient']}, not of "
                    f"the lot's ingredient {lot['ingredient']}",
                )
            )
    spent: dict[int, Decimal] = defaultdict(Decimal)
    for row in sections["consumption_lines"]:
        line = row.values
        spent[line["record"]] += line["cost"]
        lot = values["lots"][line["lot"]]
        movement = values["stock_movements"][line["movement"]]
        if lot["ingredient"] != line["ingredient"]:
            problems.append(
                Problem(
                    row.source,
                    "lot",
                    line["lot"],
                    f"is a lot of ingredient {lot['ingredient']}, not of the line's "
                    f"ingredient {line['ingredient']}",
                )
            )
        if movement["lot"] != line["lot"]:
            problems.append(
                Problem(
                    row.source,
                    "movement",
                    line["movement"],
                    f"is a movement of lot {movement['lot']}, not of the line's "
                    f"lot {line['lot']}",
                )
            )
    for row in sections["production_records"]:
        record = row.values
        expected = spent.get(record["id"], Decimal(0))
        if record["actual_cost"] != expected:
            problems.append(
                Problem(
                    row.source,
                    "actual_cost",
                    record["actual_cost"],
                    f"is not the sum of its consumption lines' costs ({expected})",
                )
            )
    return problems


def _first_difference(sections: dict[str, list[_Row]]) -> str | None:
    """Where the database first differs from a backup's rows; None when it
    holds exactly them."""
    User = get_user_model()
    usernames = dict(User._base_manager.values_list("pk", User.USERNAME_FIELD))
    reader = _Reader("database")
    for section, model in MODELS:
        backup = {row.values["id"]: row.values for row in sections[section]}
        held = {}
        for raw in _rows(model, usernames):
            values = {}
            for model_field in model._meta.concrete_fields:
                try:
                    values[model_field.name] = reader.value(
                        model_field, raw[model_field.name]
                    )
                except ValidationError:
                    values[model_field.name] = raw[model_field.name]
            held[values["id"]] = values
        for pk in sorted(backup.keys() | held.keys()):
            if backup.get(pk) != held.get(pk):
                return f"{section} id {pk}"
    return None


def _write(name: str, sections: dict[str, list[_Row]], progress: Callable) -> Restore:
    """Bulk writes every row with its id, in the caller's transaction."""
    restore = Restore()
    restore.users_created = _users(sections)
    if restore.users_created:
        restore.warnings.append(
            f"Created {len(restore.users_created)} inactive user(s) without a "
            f"password for the names in {name}: {', '.join(restore.users_created)}"
        )
    User = get_user_model()
    user_ids = dict(
        User._base_manager.filter(
            **{f"{User.USERNAME_FIELD}__in": _usernames(sections)}
        ).values_list(User.USERNAME_FIELD, "pk")
    )
    total = sum(len(rows) for rows in sections.values())
    done = 0
    for section, model in MODELS:
        rows = sections[section]
        fields = model._meta.concrete_fields
        for model_field in fields:
            if _refers_to_user(model_field):
                for row in rows:
                    username = row.values[model_field.name]
                    setattr(
                        row.obj,
                        model_field.attname,
                        None if username is None else user_ids[username],
                    )
        stamped = [f for f in fields if _stamped(f)]
        given = [[getattr(row.obj, f.attname) for f in stamped] for row in rows]
        objs = [row.obj for row in rows]
        try:
            with transaction.atomic():
                model._base_manager.bulk_create(objs, batch_size=WRITE_BATCH)
                for index, model_field in enumerate(stamped):
                    _put_back(model_field, objs, [v[index] for v in given])
        except DatabaseError as error:
            raise ImportFailed(_refused(name, section, model, rows, error)) from None
        restore.counts.rows[section] = len(rows)
        done += len(rows)
        progress("restoring", done, total)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [model for _, model in MODELS]
        ):
            cursor.execute(sql)
    return restore


def _put_back(model_field, objs: list, times: list) -> None:
    """Saving stamps a row's created_at with the time now, bulk_create too:
    the times the backup gives are put back, in one statement for all rows."""
    stamped = []
    for obj, value in zip(objs, times, strict=True):
        if value is not None:  # not in the backup: stamped now
            setattr(obj, model_field.attname, value)
            stamped.append(obj)
    save_fields(stamped, [model_field.name])


def _usernames(sections: dict[str, list[_Row]]) -> set[str]:
    return {
        row.values[f.name]
        for section, model in MODELS
        for f in model._meta.concrete_fields
        if _refers_to_user(f)
        for row in sections[section]
        if row.values[f.name] is not None
    }


def _users(sections: dict[str, list[_Row]]) -> list[str]:
    """Creates the users the backup names and the database lacks: inactive,
    with no usable password. Returns their names."""
    User = get_user_model()
    names = _usernames(sections)
    existing = set(
        User._base_manager.filter(**{f"{User.USERNAME_FIELD}__in": names}).values_list(
            User.USERNAME_FIELD, flat=True
        )
    )
    missing = sorted(names - existing)
    User._base_manager.bulk_create(
        User(
            **{User.USERNAME_FIELD: name}, is_active=False, password=make_password(None)
        )
        for name in missing
    )
    return missing


def _refused(
    name: str, section: str, model, rows: list[_Row], error: DatabaseError
) -> list[Problem]:
    """The rows of a section the database refused, found by its check
    constraints one row at a time (this runs only when it refused)."""
    checks = [
        c for c in model._meta.constraints if isinstance(c, models.CheckConstraint)
    ]
    problems = []
    for row in rows:
        for check in checks:
            try:
                check.validate(model, row.obj)
            except ValidationError as refused:
                message = " ".join(refused.messages)
                if check.name not in message:
                    message = f"{message} (rule {check.name})"
                problems.append(Problem(row.source, "", None, message))
    return problems or [
        Problem(f"{name} {section}", "", None, f"is refused by the database: {error}")
    ]
