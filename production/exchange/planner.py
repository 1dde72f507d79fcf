"""Checks every row against the database and plans what to write.

Sections are planned in one explicit order (`Planner.run`), each after the
ones its rows refer to, across every file of the import at once; the files'
rows come in the order of `rows.order`. A row naming what a row of an
earlier file creates updates it, as importing the files one at a time would.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import UniqueConstraint
from django.utils.text import slugify

from bakery.numbers import quantize_money, quantize_quantity
from events.models import Assignment, Event, Package, PackageItem, Recipient
from events.services import (
    ensure_package_contents_can_change,
    ensure_recipe_yield_can_change,
)
from pantry import units
from pantry.models import Ingredient, Lot, Product, Recipe, RecipeLine, StockUnit
from production.exchange.rows import (
    NESTED_CSV,
    PRICES,
    SECTIONS,
    DataSet,
    Problem,
    Row,
    not_an_object,
)
from production.exchange.values import (
    FieldError,
    RowFields,
    number,
    text,
    unfit,
)

# --- matching ingredients ----------------------------------------------------


def description_names(description: str) -> list[str]:
    """The name and aliases in a bake-tracker description:
    "Flour, all-purpose (aka AP flour|plain flour)" -> the three of them."""
    if not description:
        return []
    head, _, rest = description.partition("(")
    names = [head.strip()]
    aka = re.search(r"aka\s+([^)]*)", rest)
    if aka:
        names.extend(part.strip() for part in re.split(r"[|,;]", aka.group(1)))
    return [name for name in names if name]


class IngredientIndex:
    """Finds ingredients by slug, then name, then the names and aliases in
    their description, case-insensitively, among saved and pending ones."""

    def __init__(self):
        self.by_slug: dict[str, Any] = {}
        self.by_name: dict[str, Any] = {}
        self.by_alias: dict[str, Any] = {}

    def add(self, target, *, slug: str, name: str, description: str = "") -> None:
        self.by_slug[slug.lower()] = target
        self.by_name[name.lower()] = target
        for alias in description_names(description):
            self.by_alias.setdefault(alias.lower(), target)

    def rename(self, target, *, old: str, new: str) -> None:
        if self.by_name.get(old.lower()) is target:
            del self.by_name[old.lower()]
        self.by_name[new.lower()] = target

    def find(self, reference: str):
        key = reference.strip().lower()
        return self.by_slug.get(key) or self.by_name.get(key) or self.by_alias.get(key)

    def suggestions(self, reference: str) -> list[str]:
        """Up to three known names: those holding every word of the
        reference first ("Almond flour" -> "Flour, almond"), then look-alikes."""
        return closest_names(reference, self.by_name)


def closest_names(reference: str, names: Mapping[str, Any]) -> list[str]:
    """Up to three of `names` (lower-cased name -> what it names) closest to
    the reference: those holding every word of it first, then look-alikes."""
    words = set(re.findall(r"[a-z0-9]+", reference.lower()))
    sharing = sorted(
        (
            name
            for name in names
            if words and words <= set(re.findall(r"[a-z0-9]+", name))
        ),
        key=len,
    )
    close = difflib.get_close_matches(reference.lower(), list(names), n=3, cutoff=0.5)
    ordered = list(dict.fromkeys([*sharing, *close]))[:3]
    return [_name_of(names[name]) for name in ordered]


def _name_of(target) -> str:
    if isinstance(target, str):
        return target
    return target.name if hasattr(target, "name") else target.values["name"]


# --- planning ----------------------------------------------------------------


@dataclass(eq=False)
class Pending:
    """An object the import will create; `obj` is set once it is saved."""

    model: type
    values: dict[str, Any]
    source: str
    obj: Any = None
    file: int = 0  # the place in the import order of the file of its row
    # Stands for a row refused already, so that rows naming it add no noise;
    # nothing is written for it.
    refused: bool = False
    # Created by --create-missing, named after a slug ("eggs_large")
    named_after_slug: bool = False

    @property
    def name(self) -> str:
        return str(self.values.get("name", ""))


def saved(target):
    """The saved object for a reference to an existing or a pending object."""
    return target.obj if isinstance(target, Pending) else target


@dataclass(eq=False)
class PlannedLot:
    """A purchase the import records: `values` are a `Purchase`'s fields."""

    values: dict[str, Any]
    source: str
    amount: Decimal  # the quantity in the stock unit, as the lot will hold it
    file: int = 0


@dataclass
class PriceCounts:
    """What the price lists of an import do."""

    lots: int = 0  # unpriced lots given their price
    products: int = 0  # products whose latest price is set
    without_price: int = 0  # rows with no unit_price, skipped
    unused: int = 0  # rows that price nothing (listed as warnings)

    def line(self) -> str:
        parts = [
            f"{self.lots} unpriced lot(s) priced",
            f"latest price of {self.products} product(s) changed",
        ]
        if self.without_price:
            parts.append(f"{self.without_price} row(s) without a price skipped")
        if self.unused:
            parts.append(f"{self.unused} row(s) pricing nothing (listed)")
        return "prices: " + ", ".join(parts)


@dataclass
class Counts:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    unpriced: Counter = field(default_factory=Counter)  # of the lots created
    prices: PriceCounts | None = None  # when a price list is imported

    def lines(self) -> list[str]:
        lines = []
        for section in SECTIONS:
            c, u, n = (
                self.created[section],
                self.updated[section],
                self.unchanged[section],
            )
            if c or u or n:
                created = f"{c} created"
                if self.unpriced[section]:
                    created += f" ({self.unpriced[section]} unpriced: cost unknown)"
                lines.append(f"{section}: {created}, {u} updated, {n} unchanged")
        if self.prices is not None:
            lines.append(self.prices.line())
        return lines


@dataclass
class Plan:
    """What the import will do, checked in full before anything is written."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    creates: dict[str, list[Pending]] = field(default_factory=lambda: defaultdict(list))
    updates: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    update_sources: list[str] = field(default_factory=list)  # the row of each
    replaced_lines: list[tuple[Any, list[dict]]] = field(default_factory=list)
    replaced_items: list[tuple[Any, list[dict]]] = field(default_factory=list)
    purchases: list[PlannedLot] = field(default_factory=list)
    # Saved lots whose unknown cost the import sets (production.services
    # .price_lots), by id, and the row setting it
    lot_prices: dict[int, Decimal] = field(default_factory=dict)
    lot_price_sources: dict[int, str] = field(default_factory=dict)
    created_missing: list[str] = field(default_factory=list)


class Planner:
    def __init__(
        self,
        dataset: DataSet,
        *,
        create_missing: bool = False,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.dataset = dataset
        self.create_missing = create_missing
        self.progress = progress or (lambda label, done, total: None)
        self.plan = Plan()
        self.ingredients = IngredientIndex()
        for ingredient in Ingredient.objects.all():
            self.ingredients.add(
                ingredient,
                slug=ingredient.slug,
                name=ingredient.name,
                description=ingredient.description,
            )
        self.missing: dict[str, list[str]] = defaultdict(list)
        self.created_missing: list[Pending] = []
        # What the plan changes of each saved object, as the writer will, and
        # the (first) row changing it.
        self.planned: dict[models.Model, dict[str, Any]] = {}
        self.changed_by: dict[models.Model, str] = {}
        self.products: dict[tuple, Any] = {}
        self.lot_files: dict[str, int] = {}

    def problem(self, row: Row, error: FieldError | str, field_name: str = "") -> None:
        if isinstance(error, FieldError):
            self.plan.problems.append(
                Problem(row.source, error.field, error.value, error.reason)
            )
        else:
            self.plan.problems.append(Problem(row.source, field_name, None, error))

    def warn(self, row: Row, reason: str, field_name: str = "", value=None) -> None:
        self.plan.warnings.append(Problem(row.source, field_name, value, reason))

    def report(self, row: Row, fields: RowFields) -> bool:
        """Reports every problem found in the row; whether there was none."""
        for error in fields.errors:
            self.problem(row, error)
        return not fields.errors

    def fits(
        self,
        row: Row,
        model: type[models.Model],
        values: Mapping[str, Any],
        *,
        also: Mapping[str, Any] | None = None,
        named: Mapping[str, str] | None = None,
        stored: Mapping[str, str] | None = None,
        fields: RowFields | None = None,
        model_clean: bool = True,
    ) -> bool:
        """Whether the model takes `values`, as they will be stored: each
        fits its column, and the model's `clean` finds nothing wrong (see
        values.unfit); `also` holds what else that clean may look at (saved
        objects referred to, copies of values). Anything refused is a
        problem under the row's own field (`named` maps a model field to it
        when they differ) and value; `stored` says, by row field, what a
        value becomes once stored when that is not what the row says (a
        lot's quantity in its stock unit).

        With `fields` (the row's values as read), the problems join those
        of reading them, and the values that could not be read are left
        out: the others are still checked, but not by the model's `clean`,
        which needs them all (nor with `model_clean` False: the values are
        not all of the object's)."""
        named, stored = named or {}, stored or {}
        if fields is not None:
            values = {
                name: value
                for name, value in values.items()
                if value is not None and not fields.failed(named.get(name, name))
            }
        whole = model_clean and (fields is None or not fields.errors)
        reasons = unfit(model(**values, **(also or {})), values, model_clean=whole)
        for name, reason in reasons.items():
            field_name = "" if name == NON_FIELD_ERRORS else named.get(name, name)
            if field_name in stored:
                reason = f"{stored[field_name]}: {reason}"
            value = row.data.get(field_name) if field_name else None
            error = FieldError(field_name, value, reason)
            if fields is not None:
                fields.errors.append(error)
            else:
                self.problem(row, error)
        return not reasons

    def run(self) -> Plan:
        """Plans every section in the order their references need: products
        name ingredients, lots products, recipes ingredients, packages
        recipes, assignments events, recipients and packages; a price list
        prices the lots and products of every other section."""
        self.attach_nested()
        self.lot_files = self.lot_references()
        rows = self.dataset.rows
        self.plan_ingredients(rows.get("ingredients", []))
        self.plan_products(rows.get("products", []))
        self.plan_lots(rows.get("lots", []))
        self.plan_recipes(rows.get("recipes", []))
        self.plan_recipients(rows.get("recipients", []))
        self.plan_packages(rows.get("packages", []))
        self.plan_events(rows.get("events", []))
        self.plan_assignments(rows.get("assignments", []))
        if rows.get(PRICES):
            from production.exchange.prices import plan_prices

            plan_prices(self, rows[PRICES])
        self.report_missing()
        self.check_writes()
        self.plan.created_missing = [pending.name for pending in self.created_missing]
        self.plan.counts.unpriced["lots"] = sum(
            1 for lot in self.plan.purchases if lot.values["total_cost"] is None
        )
        return self.plan

    def check_writes(self) -> None:
        """Runs `full_clean` on every object the import creates or changes,
        as saving it would, in the dry run too: each value, the model's own
        `clean`, its unique fields and its constraints. Of an object changed,
        only the fields changed are checked (its `clean` sees them all), as
        a ModelForm does; references to objects the import creates are left
        out (they do not exist yet). Objects the import creates are also
        checked against each other, which the database would do on saving
        the second. Rows refused already are not checked again."""
        refused = {problem.source for problem in self.plan.problems}
        for pendings in self.plan.creates.values():
            for pending in pendings:
                if pending.source not in refused:
                    later = {
                        n for n, v in pending.values.items() if isinstance(v, Pending)
                    }
                    values = {
                        name: self.as_planned(value)
                        for name, value in pending.values.items()
                        if name not in later
                    }
                    self.full_clean(pending.source, pending.model(**values), later)
        for obj, changes in self.planned.items():
            source = self.changed_by[obj]
            if source not in refused:
                unchanged = {
                    field.name
                    for field in obj._meta.concrete_fields
                    if field.name not in changes and field.attname not in changes
                }
                self.full_clean(source, self.as_planned(obj), unchanged)
        self.check_unique_among_creates(refused)

    def check_unique_among_creates(self, refused: set[str]) -> None:
        """Two objects the import creates that a unique field or constraint
        (without a condition) forbids together: the second is refused,
        naming the first."""
        first: dict[tuple, Pending] = {}
        for pendings in self.plan.creates.values():
            for pending in pendings:
                if pending.source in refused:
                    continue
                for names in _unique_sets(pending.model):
                    key = tuple(_comparable(pending.values.get(n)) for n in names)
                    if any(part is None or part == "" for part in key):
                        continue
                    earlier = first.setdefault((pending.model, names, key), pending)
                    if earlier is pending:
                        continue
                    label = " and ".join(
                        str(pending.model._meta.get_field(n).verbose_name)
                        for n in names
                        if not isinstance(pending.values.get(n), Pending)
                    )
                    self.plan.problems.append(
                        Problem(
                            pending.source,
                            names[0] if len(names) == 1 else "",
                            pending.values.get(names[0]) if len(names) == 1 else None,
                            f"{pending.model._meta.verbose_name} with this "
                            f"{label} is created by {earlier.source} already",
                        )
                    )

    def allowed(
        self, row: Row, name: str, value, check: Callable[..., None], **arguments
    ) -> bool:
        """Runs a rule of the services on a planned change; a refusal is the
        row's problem."""
        try:
            check(**arguments)
        except ValidationError as error:
            self.problem(row, FieldError(name, value, " ".join(error.messages)))
            return False
        return True

    def full_clean(self, source: str, obj: models.Model, exclude: set[str]) -> None:
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.plan.problems.append(
                    Problem(
                        source,
                        "" if name == NON_FIELD_ERRORS else name,
                        getattr(obj, name, None),
                        " ".join(messages),
                    )
                )

    def attach_nested(self) -> None:
        """Puts CSV lines and items under their recipe or package rows."""
        for name, (parent, parent_key, key, nested) in NESTED_CSV.items():
            children = self.dataset.rows.pop(f"{parent}:{nested}", [])
            if not children:
                continue
            parents = {}
            for row in self.dataset.rows.get(parent, []):
                parents[str(row.data.get(parent_key) or "").strip().lower()] = row
                row.data.setdefault(nested, [])
            for child in children:
                reference = str(child.data.get(key) or "").strip().lower()
                owner = parents.get(reference)
                if owner is None:
                    self.problem(
                        child,
                        FieldError(
                            key,
                            child.data.get(key),
                            f"names no row of {parent}.csv, "
                            f"and {name}.csv rows belong to one",
                        ),
                    )
                    continue
                nested_rows = owner.data[nested]
                if not isinstance(nested_rows, list):
                    continue
                nested_rows.append({**child.data, "_source": child.source})

    def repeated(self, row: Row, seen: dict, key, field_name: str, value) -> bool:
        """Whether an earlier row of the same file has the same natural key
        (then reported). A row of an earlier file with that key is no
        repeat: this one updates what it plans, as it would if the files
        were imported one at a time."""
        earlier = seen.get(key)
        if earlier is not None and earlier.file == row.file:
            self.problem(
                row, FieldError(field_name, value, f"repeats {earlier.source}")
            )
            return True
        seen[key] = row
        return False

    def merge(self, row: Row, pending: Pending, values: Mapping[str, Any]) -> None:
        """A row of a later file naming what a row of an earlier file creates:
        its values win, as if the files had been imported one at a time."""
        pending.values.update(values)
        pending.source, pending.file = row.source, row.file

    # ingredients ------------------------------------------------------------

    def ingredient_ref(
        self, row: Row, name: str, reference: str, *, unit_hint: str = ""
    ):
        found = self.ingredients.find(reference)
        if found is not None:
            return found
        if self.create_missing:
            return self.create_missing_ingredient(row, reference, unit_hint)
        self.missing[reference].append(row.source)
        return None

    def create_missing_ingredient(self, row: Row, reference: str, unit_hint: str):
        """An ingredient for review, named as the row names it. A reference
        whose slug or name is that of another ingredient ("Pecans, chopped"
        and "pecans_chopped") is that ingredient, named as written rather
        than after its slug, whichever row comes first."""
        name = reference.strip()
        named_after_slug = bool(re.fullmatch(r"[a-z0-9_\-]+", name) and "_" in name)
        if named_after_slug:
            name = name.replace("_", " ").capitalize()
        slug = slugify(reference).replace("-", "_")
        same = self.ingredients.by_name.get(name.lower())
        if slug:
            same = self.ingredients.by_slug.get(slug) or same
        else:  # no letter a slug keeps ("ÆØÅ"): a slug of its own
            slug = next(
                f"ingredient_{n}"
                for n in range(1, len(self.ingredients.by_slug) + 2)
                if f"ingredient_{n}" not in self.ingredients.by_slug
            )
        if same is not None and not (isinstance(same, Pending) and same.refused):
            if isinstance(same, Pending) and same.named_after_slug:
                if not named_after_slug:
                    self.ingredients.rename(same, old=same.name, new=name)
                    same.values["name"] = name
                    same.named_after_slug = False
            elif same not in self.created_missing:
                self.warn(
                    row,
                    f"matches no ingredient by slug, name or alias; taken as "
                    f"{_name_of(same)}, whose slug or name it makes",
                    "ingredient",
                    reference,
                )
            self.ingredients.by_name.setdefault(reference.strip().lower(), same)
            return same
        dimension = (
            units.UNITS[unit_hint][1] if unit_hint in units.UNITS else units.MASS
        )
        pending = Pending(
            Ingredient,
            {
                "name": name,
                "slug": slug,
                "stock_unit": units.BASE_UNIT[dimension],
                "needs_review": True,
                "description": "",
            },
            source=f"{row.source} (--create-missing)",
            file=row.file,
            named_after_slug=named_after_slug,
        )
        self.plan.creates["ingredients"].append(pending)
        self.plan.counts.created["ingredients"] += 1
        self.created_missing.append(pending)
        self.ingredients.add(pending, slug=slug, name=name)
        self.ingredients.by_name.setdefault(reference.strip().lower(), pending)
        return pending

    def report_missing(self) -> None:
        for reference, sources in self.missing.items():
            suggestions = self.ingredients.suggestions(reference)
            hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
            where = sources[0] + (
                f" and {len(sources) - 1} more" if len(sources) > 1 else ""
            )
            self.plan.problems.append(
                Problem(
                    where,
                    "ingredient",
                    reference,
                    "matches no ingredient by slug, name or alias."
                    + hint
                    + " Use --create-missing to create it for review.",
                )
            )

    def plan_ingredients(self, rows: list[Row]) -> None:
        seen: dict[str, Row] = {}
        for row in rows:
            fields = RowFields(row)
            values = {
                "slug": fields.text("slug", required=True),
                "name": fields.text("name", required=True),
                "category": fields.text("category", max_length=100),
                "description": fields.text("description", max_length=2000),
                "notes": fields.text("notes", max_length=5000),
            }
            stock_unit = fields.unit("stock_unit", required=False)
            if stock_unit and stock_unit not in StockUnit.values:
                fields.refuse(
                    "stock_unit",
                    stock_unit,
                    f"must be one of {', '.join(StockUnit.values)}",
                )
            values["density_g_per_ml"] = fields.read(_density, "density")
            values["grams_per_each"] = fields.number("grams_per_each", required=False)
            measure = str(row.data.get("density") or "").strip()
            density = values["density_g_per_ml"]
            self.fits(
                row,
                Ingredient,
                {**values, "stock_unit": stock_unit or "g"},
                named={"density_g_per_ml": "density"} if measure else None,
                stored=(
                    {"density": f"makes {density:,} g per ml"}
                    if measure and density is not None
                    else None
                ),
                fields=fields,
            )
            slug = values["slug"]
            if slug and not fields.failed("slug") and not re.fullmatch(r"[\w-]+", slug):
                fields.refuse("slug", slug, "may hold only letters, digits, - and _")
            if not self.report(row, fields):
                self.known_but_refused(row)
                continue
            key = slug.lower()
            if self.repeated(row, seen, key, "slug", slug):
                continue
            existing = self.ingredients.by_slug.get(key)
            if isinstance(existing, Pending) and not existing.refused:
                self.merge_ingredient(row, existing, values, stock_unit)
                continue
            if isinstance(existing, Pending):
                existing = None
            if existing is None:
                values["stock_unit"] = stock_unit or "g"
                other = self.ingredients.by_name.get(values["name"].lower())
                if other is not None:
                    self.problem(
                        row,
                        FieldError(
                            "name",
                            values["name"],
                            "belongs to another ingredient already",
                        ),
                    )
                    continue
                pending = Pending(Ingredient, values, row.source, file=row.file)
                self.plan.creates["ingredients"].append(pending)
                self.plan.counts.created["ingredients"] += 1
                self.ingredients.add(
                    pending,
                    slug=values["slug"],
                    name=values["name"],
                    description=values["description"],
                )
                continue
            if stock_unit:
                values["stock_unit"] = stock_unit
            self.update_or_keep(row, "ingredients", existing, values)

    def merge_ingredient(
        self, row: Row, pending: Pending, values: dict[str, Any], stock_unit
    ) -> None:
        other = self.ingredients.by_name.get(values["name"].lower())
        if other is not None and other is not pending:
            self.problem(
                row,
                FieldError(
                    "name", values["name"], "belongs to another ingredient already"
                ),
            )
            return
        old_name = pending.name
        self.merge(row, pending, values)
        if stock_unit:
            pending.values["stock_unit"] = stock_unit
        self.ingredients.rename(pending, old=old_name, new=values["name"])
        self.ingredients.add(
            pending,
            slug=values["slug"],
            name=values["name"],
            description=values["description"],
        )

    def known_but_refused(self, row: Row) -> None:
        """Keeps a refused ingredient findable, so that the rows naming it add
        no second, misleading problem (nothing is written anyway)."""
        slug, name = str(row.data.get("slug") or ""), str(row.data.get("name") or "")
        if slug and not self.ingredients.find(slug):
            placeholder = Pending(
                Ingredient,
                {"name": name, "stock_unit": "g"},
                row.source,
                file=row.file,
                refused=True,
            )
            self.ingredients.add(placeholder, slug=slug, name=name or slug)

    def update_or_keep(
        self, row: Row, section: str, obj, values: dict[str, Any]
    ) -> None:
        planned = self.as_planned(obj)  # as an earlier file's rows leave it
        changes = {
            name: value
            for name, value in values.items()
            if name != "slug" and _differs(getattr(planned, name), value)
        }
        if changes:
            self.change(row, obj, changes)
            self.plan.counts.updated[section] += 1
        else:
            self.plan.counts.unchanged[section] += 1

    def change(self, row: Row, obj, changes: dict[str, Any]) -> None:
        self.plan.updates.append((obj, changes))
        self.plan.update_sources.append(row.source)
        self.planned.setdefault(obj, {}).update(changes)
        self.changed_by.setdefault(obj, row.source)

    def as_planned(self, obj):
        """A saved object as the writer leaves it, with the plan's changes
        (a copy); anything else as it is."""
        changes = (
            self.planned.get(obj) if isinstance(obj, models.Model) and obj.pk else None
        )
        if not changes:
            return obj
        planned = copy.copy(obj)
        for name, value in changes.items():
            setattr(planned, name, value)
        return planned

    # products -----------------------------------------------------------------

    def plan_products(self, rows: list[Row]) -> None:
        for product in Product.objects.select_related("ingredient"):
            self.products[
                self.product_key(
                    product.ingredient,
                    product.brand,
                    product.name,
                    product.package_quantity,
                    product.package_unit,
                )
            ] = product
        seen: dict[tuple, Row] = {}
        for row in rows:
            fields = RowFields(row)
            reference = fields.text("ingredient", required=True)
            values = {
                "brand": fields.text("brand"),
                "name": fields.text("name", required=True),
                "package_quantity": fields.number("package_quantity"),
                "package_unit": fields.unit("package_unit"),
                "package_type": fields.text("package_type", max_length=50) or "package",
                "is_preferred": fields.boolean("is_preferred"),
                "upc": fields.text("upc", max_length=20),
            }
            self.fits(row, Product, values, fields=fields)
            ingredient = None
            if reference:
                ingredient = self.ingredient_ref(
                    row,
                    "ingredient",
                    reference,
                    unit_hint=values["package_unit"] or "",
                )
            code = values["package_unit"]
            if (
                ingredient is not None
                and code
                and not self.convertible(ingredient, code)
            ):
                adapted = self.adapt_to_product(row, ingredient, code, fields)
                if adapted is not None:
                    values["package_unit"] = adapted
            if not self.report(row, fields) or ingredient is None:
                continue
            key = self.product_key(
                ingredient,
                values["brand"],
                values["name"],
                values["package_quantity"],
                values["package_unit"],
            )
            if self.repeated(row, seen, key, "name", values["name"]):
                continue
            existing = self.products.get(key)
            kept = {
                name: values[name] for name in ("package_type", "is_preferred", "upc")
            }
            if isinstance(existing, Pending):
                self.merge(row, existing, kept)
            elif existing is None:
                pending = Pending(
                    Product,
                    {**values, "ingredient": ingredient},
                    row.source,
                    file=row.file,
                )
                self.plan.creates["products"].append(pending)
                self.plan.counts.created["products"] += 1
                self.products[key] = pending
            else:
                self.update_or_keep(row, "products", existing, kept)
        preferred = Counter(
            key[0]
            for key, product in self.products.items()
            if (
                product.values["is_preferred"]
                if isinstance(product, Pending)
                else self.as_planned(product).is_preferred
            )
        )
        for key, product in self.products.items():
            if (
                isinstance(product, Pending)
                and product.values["is_preferred"]
                and (preferred[key[0]] > 1)
            ):
                self.plan.problems.append(
                    Problem(
                        product.source,
                        "is_preferred",
                        True,
                        f"{_name_of(key[0])} would have {preferred[key[0]]} "
                        "preferred products; mark one",
                    )
                )

    @staticmethod
    def product_key(ingredient, brand, name, quantity, package_unit) -> tuple:
        return (
            ingredient,
            brand.lower(),
            name.lower(),
            quantize_quantity(quantity),
            package_unit,
        )

    def facts(self, ingredient):
        """The ingredient's conversion facts as the import leaves them."""
        if isinstance(ingredient, Pending):
            return _Facts(ingredient.values)
        return self.as_planned(ingredient)

    def conversion_problem(self, ingredient, code: str) -> str:
        facts = self.facts(ingredient)
        try:
            units.convert(Decimal(1), code, facts.stock_unit, ingredient=facts)
        except ValidationError as error:
            return " ".join(error.messages)
        return ""

    def convertible(self, ingredient, code: str) -> bool:
        return not self.conversion_problem(ingredient, code)

    def lot_references(self) -> dict[str, int]:
        """The first file whose lots name each ingredient reference
        (lower-cased): a product of a later file finds its ingredient with
        lots, as it would if the files were imported one at a time."""
        first: dict[str, int] = {}
        for row in self.dataset.rows.get("lots", []):
            reference = row.data.get("ingredient")
            if isinstance(reference, str) and reference.strip():
                first.setdefault(reference.strip().lower(), row.file)
        return first

    def has_lots(self, ingredient, row: Row) -> bool:
        """Whether the ingredient has lots, saved or in a file before the
        row's."""
        if not isinstance(ingredient, Pending) and ingredient.lots.exists():
            return True
        return any(
            file < row.file and self.ingredients.find(reference) is ingredient
            for reference, file in self.lot_files.items()
        )

    def adapt_to_product(
        self, row: Row, ingredient, code: str, fields: RowFields
    ) -> str | None:
        """Makes sense of a bake-tracker product whose unit does not convert to
        its ingredient's stock unit (returns the unit to read), or refuses it
        (adds the problem to `fields`, returns None).

        `oz` is a weight: of an ingredient counted by weight, or that has a
        density, it converts already. The first product of an ingredient
        without lots or other products, and without the fact to convert its
        unit, sets the ingredient's stock unit: g for a weight (`oz` on a bag
        of nuts counted in cups so far), ml for a volume, each for a count.
        Only an ingredient counted by volume without a density that has
        products or lots already reads `oz` as `fl oz` (reported): a liquid
        whose bottles say oz.
        """
        if not row.data.get("_adapt_stock_unit"):
            fields.refuse(
                "package_unit", code, self.conversion_problem(ingredient, code)
            )
            return None
        facts = self.facts(ingredient)
        has_products = any(key[0] == ingredient for key in self.products)
        if has_products or self.has_lots(ingredient, row):
            if code == "oz" and units.UNITS[facts.stock_unit][1] == units.VOLUME:
                self.warn(
                    row,
                    f"oz of {facts.name}, which is counted by volume and has "
                    "products or lots already, taken as fl oz.",
                )
                return "fl oz"
            fields.refuse(
                "package_unit", code, self.conversion_problem(ingredient, code)
            )
            return None
        base = units.BASE_UNIT[units.UNITS[code][1]]
        if isinstance(ingredient, Pending):
            ingredient.values["stock_unit"] = base
        else:
            self.change(row, ingredient, {"stock_unit": base})
            self.plan.counts.updated["ingredients"] += 1
        self.warn(
            row,
            f"{facts.name} is counted in {base} from now on, as its products are "
            f"sold in {code} and it has no fact to convert them.",
        )
        return code

    def find_product(self, ingredient, brand: str, name: str):
        matches = [
            product
            for key, product in self.products.items()
            if key[0] == ingredient
            and key[2] == name.lower()
            and (not brand or key[1] == brand.lower())
        ]
        return matches

    # lots ---------------------------------------------------------------------

    def plan_lots(self, rows: list[Row]) -> None:
        """Lots to record. A row identical to a lot held already (saved, or
        from a file before its own) is that lot, one row per lot: without a
        cost it stays that lot even once priced, and with one it gives an
        unpriced lot its cost."""
        existing: dict[tuple, list[_LotMatch]] = defaultdict(list)
        ingredients = {
            target.pk: target
            for target in self.ingredients.by_slug.values()
            if not isinstance(target, Pending)
        }
        products = {
            product.pk: product
            for product in self.products.values()
            if not isinstance(product, Pending)
        }
        if rows and ingredients:
            for pk, ingredient_id, product_id, *key, cost, priced in Lot.objects.filter(
                ingredient_id__in=ingredients
            ).values_list(
                "pk",
                "ingredient_id",
                "product_id",
                "purchased_on",
                "quantity_purchased",
                "supplier",
                "total_cost",
                "is_priced",
            ):
                product = products.get(product_id) if product_id else None
                key = (ingredients[ingredient_id], product, *key)
                existing[key].append(_LotMatch(cost if priced else None, lot_id=pk))
        total, file, of_file = len(rows), None, []
        for index, row in enumerate(rows, start=1):
            if index % 5000 == 0 or index == total:
                self.progress("checking lots", index, total)
            if row.file != file:
                for key, match in of_file:  # there for the files after theirs
                    existing[key].append(match)
                file, of_file = row.file, []
            planned = self.plan_lot(row)
            if planned is None:
                continue
            key = self.lot_key(planned)
            cost = planned.values["total_cost"]
            cost = None if cost is None else _rounded(quantize_money, cost)
            match = _take_match(existing.get(key), cost)
            if match is None:
                self.plan.purchases.append(planned)
                self.plan.counts.created["lots"] += 1
                of_file.append((key, _LotMatch(cost, planned=planned)))
            elif match.cost is None and cost is not None:
                self.set_lot_price(match, planned.values["total_cost"], row.source)
                self.plan.counts.updated["lots"] += 1
            else:
                self.plan.counts.unchanged["lots"] += 1

    def plan_lot(self, row: Row) -> PlannedLot | None:
        """The purchase a lot row records, or None (its problems reported)."""
        fields = RowFields(row)
        reference = fields.text("ingredient", required=True)
        quantity = fields.number("quantity")
        lot_unit = fields.unit("unit", required=False)
        total_cost = fields.money("total_cost", required=False)  # None: unpriced
        purchased_on = fields.date("purchased_on")
        expires_on = fields.date("expires_on", required=False)
        supplier = fields.text("supplier")
        notes = fields.text("notes", max_length=5000)
        brand = fields.text("product_brand")
        product_name = fields.text("product_name")
        ingredient = product = amount = None
        if reference:
            ingredient = self.ingredient_ref(
                row, "ingredient", reference, unit_hint=lot_unit or ""
            )
        if ingredient is not None and product_name:
            matches = self.find_product(ingredient, brand or "", product_name)
            if len(matches) == 1:
                product = matches[0]
            else:
                fields.refuse(
                    "product_name",
                    product_name,
                    "names no product of this ingredient"
                    if not matches
                    else "names several products: give product_brand too",
                )
        if ingredient is not None and lot_unit:
            problem = self.conversion_problem(ingredient, lot_unit)
            if problem:
                fields.refuse("unit", lot_unit, problem)
        if expires_on and purchased_on and expires_on < purchased_on:
            fields.refuse("expires_on", str(expires_on), "is before the purchase date")
        stock_unit = None
        if ingredient is not None:
            stock_unit = self.facts(ingredient).stock_unit
            if quantity is not None and not fields.failed("unit"):
                amount = self.in_stock_unit(ingredient, quantity, lot_unit or "")
        cost = None if total_cost is None else _rounded(quantize_money, total_cost)
        converted = lot_unit and lot_unit != stock_unit
        known = {  # for Lot.clean, which compares them
            name: self.as_planned(target)
            for name, target in (("ingredient", ingredient), ("product", product))
            if target is not None and not isinstance(target, Pending)
        }
        self.fits(
            row,
            Lot,
            {
                "quantity_purchased": amount,
                "total_cost": cost if cost is not None else Decimal(0),
                "is_priced": cost is not None,
                "purchased_on": purchased_on,
                "expires_on": expires_on,
                "supplier": supplier,
                "notes": notes,
            },
            also={
                "quantity_remaining": amount,
                "cost_remaining": cost if cost is not None else Decimal(0),
                **known,
            },
            named={"quantity_purchased": "quantity"},
            stored=(
                {"quantity": f"is {amount:,} {stock_unit} in its stock unit"}
                if converted and amount is not None
                else None
            ),
            fields=fields,
        )
        if not self.report(row, fields) or ingredient is None:
            return None
        return PlannedLot(
            {
                "ingredient": ingredient,
                "product": product,
                "quantity": quantity,
                "unit": lot_unit or None,
                "total_cost": total_cost,
                "purchased_on": purchased_on,
                "expires_on": expires_on,
                "supplier": supplier,
                "notes": notes,
            },
            source=row.source,
            amount=amount,
            file=row.file,
        )

    def set_lot_price(self, match: _LotMatch, cost: Decimal, source: str) -> None:
        """Gives a lot whose cost is unknown its cost: a saved lot through
        `price_lots` when written, a planned one at purchase."""
        if match.planned is not None:
            match.planned.values["total_cost"] = cost
        else:
            self.plan.lot_prices[match.lot_id] = cost
            self.plan.lot_price_sources[match.lot_id] = source
        match.cost = _rounded(quantize_money, cost)

    def in_stock_unit(self, ingredient, quantity: Decimal, code: str) -> Decimal:
        """The quantity as a lot of the ingredient will hold it: converted to
        its stock unit (as the import leaves it) and rounded as QuantityField
        rounds it."""
        facts = self.facts(ingredient)
        if not code:
            return _rounded(quantize_quantity, quantity)
        # Decimal's range, not the column's, could end the conversion of
        # 1E+999999 lb: the column check is the one to refuse it.
        with localcontext() as context:
            context.Emax, context.Emin = MAX_EMAX, MIN_EMIN
            amount = units.convert(quantity, code, facts.stock_unit, ingredient=facts)
        return _rounded(quantize_quantity, amount)

    @staticmethod
    def lot_key(lot: PlannedLot) -> tuple:
        """What an identical lot has the same, but its cost."""
        return (
            lot.values["ingredient"],
            lot.values["product"],
            lot.values["purchased_on"],
            lot.amount,
            lot.values["supplier"],
        )

    # recipes ------------------------------------------------------------------

    def plan_recipes(self, rows: list[Row]) -> None:
        self.recipes: dict[str, Any] = {
            recipe.slug.lower(): recipe
            for recipe in Recipe.objects.prefetch_related("lines")
        }
        self.recipe_names = {
            recipe.name.lower(): recipe for recipe in self.recipes.values()
        }
        seen: dict[str, Row] = {}
        for row in rows:
            fields = RowFields(row)
            values = {
                "slug": fields.text("slug", required=True),
                "name": fields.text("name", required=True),
                "category": fields.text("category", max_length=100),
                "yield_quantity": fields.number(
                    "yield_quantity", required=False, places=2
                ),
                "yield_unit": fields.text("yield_unit", max_length=50),
                "notes": fields.text("notes", max_length=20000),
            }
            self.fits(row, Recipe, values, fields=fields)
            readable = self.report(row, fields)
            lines = self.recipe_lines(row)  # checked whatever the recipe's fields
            if not readable:
                continue
            key = values["slug"].lower()
            if self.repeated(row, seen, key, "slug", values["slug"]):
                continue
            existing = self.recipes.get(key)
            if lines is None:
                # Reported already; known, so references to it add no noise.
                self.recipes.setdefault(
                    key, Pending(Recipe, values, row.source, refused=True)
                )
                continue
            if isinstance(existing, Pending) and existing.refused:
                existing = None
            if isinstance(existing, Pending):
                self.merge_recipe(row, existing, values, lines)
                continue
            if existing is None:
                if values["name"].lower() in self.recipe_names:
                    self.problem(
                        row,
                        FieldError(
                            "name", values["name"], "belongs to another recipe already"
                        ),
                    )
                    continue
                pending = Pending(Recipe, values, row.source, file=row.file)
                self.plan.creates["recipes"].append(pending)
                self.plan.counts.created["recipes"] += 1
                self.recipes[key] = pending
                self.recipe_names[values["name"].lower()] = pending
                self.plan.replaced_lines.append((pending, lines))
                continue
            changes_yield = existing.yield_quantity != values["yield_quantity"]
            if changes_yield and not self.allowed(
                row,
                "yield_quantity",
                values["yield_quantity"],
                ensure_recipe_yield_can_change,
                recipe=existing,
            ):
                continue
            before = len(self.plan.updates)
            self.update_or_keep(row, "recipes", existing, values)
            current = [
                (line.ingredient_id, line.quantity, line.unit, line.note)
                for line in existing.lines.all()
            ]
            wanted = [
                (
                    saved(line["ingredient"]).pk if saved(line["ingredient"]) else None,
                    line["quantity"],
                    line["unit"],
                    line["note"],
                )
                for line in lines
            ]
            if current != wanted:
                self.replace_children("recipes", existing, lines, before=before)

    def merge_recipe(
        self, row: Row, pending: Pending, values: dict[str, Any], lines: list[dict]
    ) -> None:
        other = self.recipe_names.get(values["name"].lower())
        if other is not None and other is not pending:
            self.problem(
                row,
                FieldError("name", values["name"], "belongs to another recipe already"),
            )
            return
        if self.recipe_names.get(pending.name.lower()) is pending:
            del self.recipe_names[pending.name.lower()]
        self.merge(row, pending, values)
        self.recipe_names[values["name"].lower()] = pending
        self.plan.replaced_lines = [
            (obj, lines if obj is pending else children)
            for obj, children in self.plan.replaced_lines
        ]

    def replace_children(self, section: str, obj, children: list[dict], *, before: int):
        """Plans new lines (items) for an existing recipe (package); it counts as
        updated, unless its own fields made it so already."""
        replaced = (
            self.plan.replaced_lines
            if section == "recipes"
            else (self.plan.replaced_items)
        )
        replaced.append((obj, children))
        if len(self.plan.updates) == before:
            self.plan.counts.unchanged[section] -= 1
            self.plan.counts.updated[section] += 1

    def recipe_lines(self, row: Row) -> list[dict] | None:
        raw_lines = row.data.get("lines") or []
        if not isinstance(raw_lines, list):
            self.problem(row, FieldError("lines", raw_lines, "must be a list"))
            return None
        lines, ok = [], True
        for index, raw in enumerate(raw_lines):
            if not self.is_object(raw, f"{row.source}.lines[{index}]"):
                ok = False
                continue
            line_row = Row(raw.pop("_source", f"{row.source}.lines[{index}]"), raw)
            line_row.file = row.file
            fields = RowFields(line_row)
            reference = fields.text("ingredient", required=True)
            quantity = fields.number("quantity")
            line_unit = fields.unit("unit")
            note = fields.text("note")
            self.fits(
                line_row,
                RecipeLine,
                {
                    "quantity": quantity,
                    "unit": line_unit,
                    "note": note,
                    "position": index + 1,
                },
                fields=fields,
            )
            ingredient = None
            if reference:
                ingredient = self.ingredient_ref(
                    line_row, "ingredient", reference, unit_hint=line_unit or ""
                )
            if not self.report(line_row, fields) or ingredient is None:
                ok = False
                continue
            self.warn_unconvertible(line_row, ingredient, quantity, line_unit)
            lines.append(
                {
                    "ingredient": ingredient,
                    "quantity": quantity,
                    "unit": line_unit,
                    "note": note,
                    "position": index + 1,
                }
            )
        return lines if ok else None

    def is_object(self, raw: Any, source: str) -> bool:
        """Whether a line or item is an object of fields; if not, a problem."""
        if isinstance(raw, dict):
            return True
        self.plan.problems.append(not_an_object(source, raw))
        return False

    def warn_unconvertible(self, row: Row, ingredient, quantity, code: str) -> None:
        problem = self.conversion_problem(ingredient, code)
        if problem:
            self.warn(
                row,
                f"{units.format_number(quantity)} {code} of {_name_of(ingredient)} "
                f"is kept, but cannot be costed or baked yet: {problem}",
            )

    # recipients, packages, events, assignments -----------------------------------

    def plan_recipients(self, rows: list[Row]) -> None:
        self.recipients = {
            (r.name.lower(), r.household.lower()): r for r in Recipient.objects.all()
        }
        self.simple_section(
            "recipients",
            rows,
            self.recipients,
            Recipient,
            lambda fields: {
                "name": fields.text("name", required=True),
                "household": fields.text("household"),
                "address": fields.text("address", max_length=2000),
                "notes": fields.text("notes", max_length=5000),
            },
            lambda values: (values["name"].lower(), values["household"].lower()),
        )

    def plan_events(self, rows: list[Row]) -> None:
        self.events = {(e.name.lower(), e.date): e for e in Event.objects.all()}
        self.simple_section(
            "events",
            rows,
            self.events,
            Event,
            lambda fields: {
                "name": fields.text("name", required=True),
                "date": fields.date("date"),
                "notes": fields.text("notes", max_length=5000),
            },
            lambda values: (values["name"].lower(), values["date"]),
        )

    def simple_section(self, section, rows, index, model, parse, key_of) -> None:
        seen: dict[Any, Row] = {}
        for row in rows:
            fields = RowFields(row)
            values = parse(fields)
            self.fits(row, model, values, fields=fields)
            if not self.report(row, fields):
                continue
            key = key_of(values)
            if self.repeated(row, seen, key, "name", values["name"]):
                continue
            existing = index.get(key)
            if isinstance(existing, Pending):
                self.merge(row, existing, values)
            elif existing is None:
                pending = Pending(model, values, row.source, file=row.file)
                self.plan.creates[section].append(pending)
                self.plan.counts.created[section] += 1
                index[key] = pending
            else:
                self.update_or_keep(row, section, existing, values)

    def plan_packages(self, rows: list[Row]) -> None:
        self.packages = {
            p.name.lower(): p for p in Package.objects.prefetch_related("items")
        }
        seen: dict[str, Row] = {}
        for row in rows:
            fields = RowFields(row)
            values = {
                "name": fields.text("name", required=True),
                "description": fields.text("description", max_length=5000),
            }
            self.fits(row, Package, values, fields=fields)
            readable = self.report(row, fields)
            items = self.package_items(row)  # checked whatever the package's fields
            if not readable or items is None:
                continue
            key = values["name"].lower()
            if self.repeated(row, seen, key, "name", values["name"]):
                continue
            existing = self.packages.get(key)
            if isinstance(existing, Pending):
                self.merge(row, existing, values)
                self.plan.replaced_items = [
                    (obj, items if obj is existing else children)
                    for obj, children in self.plan.replaced_items
                ]
                continue
            if existing is None:
                pending = Pending(Package, values, row.source, file=row.file)
                self.plan.creates["packages"].append(pending)
                self.plan.counts.created["packages"] += 1
                self.packages[key] = pending
                self.plan.replaced_items.append((pending, items))
                continue
            before = len(self.plan.updates)
            self.update_or_keep(row, "packages", existing, values)
            current = sorted(
                (item.recipe_id, item.quantity) for item in existing.items.all()
            )
            wanted = sorted(
                (
                    saved(item["recipe"]).pk if saved(item["recipe"]) else -1,
                    item["quantity"],
                )
                for item in items
            )
            if current != wanted and self.allowed(
                row,
                "items",
                None,
                ensure_package_contents_can_change,
                package=existing,
            ):
                self.replace_children("packages", existing, items, before=before)

    def package_items(self, row: Row) -> list[dict] | None:
        raw_items = row.data.get("items") or []
        if not isinstance(raw_items, list):
            self.problem(row, FieldError("items", raw_items, "must be a list"))
            return None
        items, ok, recipes_seen = [], True, set()
        for index, raw in enumerate(raw_items):
            if not self.is_object(raw, f"{row.source}.items[{index}]"):
                ok = False
                continue
            item_row = Row(raw.pop("_source", f"{row.source}.items[{index}]"), raw)
            fields = RowFields(item_row)
            reference = fields.text("recipe", required=True)
            quantity = fields.number("quantity", places=2)
            self.fits(item_row, PackageItem, {"quantity": quantity}, fields=fields)
            recipe = None
            if reference:
                recipe = self.recipes.get(reference.lower()) or self.recipe_names.get(
                    reference.lower()
                )
                if recipe is None:
                    close = difflib.get_close_matches(
                        reference.lower(), list(self.recipe_names), n=3, cutoff=0.5
                    )
                    hint = f" Closest: {', '.join(close)}." if close else ""
                    fields.refuse(
                        "recipe", reference, "matches no recipe by slug or name." + hint
                    )
                elif id(recipe) in recipes_seen:
                    fields.refuse("recipe", reference, "is in this package twice")
            if not self.report(item_row, fields):
                ok = False
                continue
            recipes_seen.add(id(recipe))
            items.append({"recipe": recipe, "quantity": quantity})
        return items if ok else None

    def plan_assignments(self, rows: list[Row]) -> None:
        existing = {
            (a.event_id, a.recipient_id, a.package_id): a
            for a in Assignment.objects.filter(
                event__in=[
                    e for e in self.events.values() if not isinstance(e, Pending)
                ]
            )
        }
        seen: dict[tuple, Row] = {}
        created: dict[tuple, Pending] = {}
        for row in rows:
            fields = RowFields(row)
            event_name = fields.text("event", required=True)
            event_date = fields.date("event_date")
            recipient_name = fields.text("recipient", required=True)
            household = fields.text("recipient_household")
            package_name = fields.text("package", required=True)
            quantity = fields.number("quantity", required=False, places=0)
            quantity = Decimal(1) if quantity is None else quantity
            if not fields.failed("quantity"):
                self.fits(row, Assignment, {"quantity": quantity}, fields=fields)
            targets = {}
            for name, key, index in (
                ("event", (event_name, event_date), self.events),
                ("recipient", (recipient_name, household), self.recipients),
                ("package", (package_name,), self.packages),
            ):
                if any(part is None for part in key):
                    continue  # reported as it was read
                lowered = tuple(
                    part.lower() if isinstance(part, str) else part for part in key
                )
                target = index.get(lowered[0] if name == "package" else lowered)
                if target is None:
                    fields.refuse(name, row.data.get(name), f"matches no {name}")
                targets[name] = target
            if not self.report(row, fields):
                continue
            event, recipient, package = (
                targets["event"],
                targets["recipient"],
                targets["package"],
            )
            key = (id(event), id(recipient), id(package))
            earlier = seen.get(key)
            if earlier is not None and earlier.file == row.file:
                self.problem(
                    row,
                    FieldError(
                        "recipient",
                        row.data.get("recipient"),
                        f"has this package at this event in {earlier.source}",
                    ),
                )
                continue
            seen[key] = row
            values = {
                "event": event,
                "recipient": recipient,
                "package": package,
                "quantity": int(quantity),
            }
            found = None
            if not any(isinstance(t, Pending) for t in (event, recipient, package)):
                found = existing.get((event.pk, recipient.pk, package.pk))
            if key in created:
                self.merge(row, created[key], values)
            elif found is None:
                pending = Pending(Assignment, values, row.source, file=row.file)
                self.plan.creates["assignments"].append(pending)
                self.plan.counts.created["assignments"] += 1
                created[key] = pending
            else:
                self.update_or_keep(
                    row, "assignments", found, {"quantity": int(quantity)}
                )


def _rounded(quantize: Callable[[Decimal], Decimal], value: Decimal) -> Decimal:
    """The value rounded as its field rounds it; one with more digits than
    Decimal rounds (28) is left as it is, for its column check to refuse."""
    try:
        return quantize(value)
    except ArithmeticError:
        return value


def _density(row: Row, name: str) -> Decimal | None:
    """An ingredient's density in g per ml: from a measure in `density`
    ("1 cup = 4.42 oz"), else as written in `density_g_per_ml`."""
    measure = text(row, name, max_length=100)
    if measure:
        try:
            return units.parse_density(measure)
        except ValidationError as error:
            raise FieldError(name, measure, " ".join(error.messages)) from None
        except ArithmeticError:  # too many digits to round to 6 places
            raise FieldError(name, measure, "makes a density far too large") from None
    return number(row, "density_g_per_ml", required=False, places=6)


@dataclass(eq=False)
class _LotMatch:
    """A lot that a row identical to it, but for its cost, is: a saved one
    (`lot_id`) or one planned from an earlier file."""

    cost: Decimal | None  # None: unpriced
    lot_id: int | None = None
    planned: PlannedLot | None = None


def _take_match(candidates: list[_LotMatch] | None, cost) -> _LotMatch | None:
    """Takes the lot a row with this cost is: one with the same cost, else,
    for a row without a cost, one priced since, else, for a row with a cost,
    an unpriced one (the row gives it its cost)."""
    if not candidates:
        return None
    for fits in (
        lambda match: match.cost == cost,
        lambda match: cost is None,
        lambda match: match.cost is None,
    ):
        for index, match in enumerate(candidates):
            if fits(match):
                return candidates.pop(index)
    return None


def _unique_sets(model: type[models.Model]) -> list[tuple[str, ...]]:
    """The sets of fields the database keeps unique (but the primary key and
    constraints with a condition)."""
    sets = [
        (field.name,)
        for field in model._meta.concrete_fields
        if field.unique and not field.primary_key
    ]
    sets += [tuple(fields) for fields in model._meta.unique_together]
    sets += [
        tuple(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint)
        and constraint.condition is None
        and constraint.fields
    ]
    return sets


def _comparable(value):
    """A value as the database compares it for uniqueness: objects by
    identity (saved or pending), numbers by value."""
    if isinstance(value, Pending):
        return ("pending", id(value))
    if isinstance(value, models.Model):
        return (type(value), value.pk)
    if isinstance(value, Decimal):
        return quantize_quantity(value) if value.is_finite() else value
    return value


class _Facts:
    """A pending ingredient's conversion facts, for checks before it exists."""

    def __init__(self, values):
        self.name = values["name"]
        self.stock_unit = values["stock_unit"]
        self.density_g_per_ml = values.get("density_g_per_ml")
        self.grams_per_each = values.get("grams_per_each")


def _differs(current, wanted) -> bool:
    if isinstance(current, Decimal) or isinstance(wanted, Decimal):
        if current is None or wanted is None:
            return current != wanted
        return Decimal(current) != Decimal(wanted)
    return current != wanted
