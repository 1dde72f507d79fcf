"""Checks every row against the database and plans what to write."""

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
    SECTIONS,
    DataSet,
    Problem,
    Row,
    not_an_object,
)
from production.exchange.values import (
    FieldError,
    boolean,
    date,
    money,
    number,
    text,
    unfit,
    unit,
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

    def find(self, reference: str):
        key = reference.strip().lower()
        return self.by_slug.get(key) or self.by_name.get(key) or self.by_alias.get(key)

    def suggestions(self, reference: str) -> list[str]:
        """Up to three known names: those holding every word of the
        reference first ("Almond flour" -> "Flour, almond"), then look-alikes."""
        names = dict(self.by_name)
        words = set(re.findall(r"[a-z0-9]+", reference.lower()))
        sharing = sorted(
            (
                name
                for name in names
                if words and words <= set(re.findall(r"[a-z0-9]+", name))
            ),
            key=len,
        )
        close = difflib.get_close_matches(
            reference.lower(), list(names), n=3, cutoff=0.5
        )
        ordered = list(dict.fromkeys([*sharing, *close]))[:3]
        return [_name_of(names[name]) for name in ordered]


def _name_of(target) -> str:
    return target.name if hasattr(target, "name") else target.values["name"]


# --- planning ----------------------------------------------------------------


@dataclass(eq=False)
class Pending:
    """An object the import will create; `obj` is set once it is saved."""

    model: type
    values: dict[str, Any]
    source: str
    obj: Any = None

    @property
    def name(self) -> str:
        return str(self.values.get("name", ""))


def saved(target):
    """The saved object for a reference to an existing or a pending object."""
    return target.obj if isinstance(target, Pending) else target


@dataclass
class Counts:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        lines = []
        for section in SECTIONS:
            c, u, n = (
                self.created[section],
                self.updated[section],
                self.unchanged[section],
            )
            if c or u or n:
                lines.append(f"{section}: {c} created, {u} updated, {n} unchanged")
        return lines


@dataclass
class Plan:
    """What the import will do, checked in full before anything is written."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    creates: dict[str, list[Pending]] = field(default_factory=lambda: defaultdict(list))
    updates: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    replaced_lines: list[tuple[Any, list[dict]]] = field(default_factory=list)
    replaced_items: list[tuple[Any, list[dict]]] = field(default_factory=list)
    purchases: list[dict[str, Any]] = field(default_factory=list)
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
        # What the plan changes of each saved object, as the writer will, and
        # the (first) row changing it.
        self.planned: dict[models.Model, dict[str, Any]] = {}
        self.changed_by: dict[models.Model, str] = {}

    def problem(self, row: Row, error: FieldError | str, field_name: str = "") -> None:
        if isinstance(error, FieldError):
            self.plan.problems.append(
                Problem(row.source, error.field, error.value, error.reason)
            )
        else:
            self.plan.problems.append(Problem(row.source, field_name, None, error))

    def fits(
        self,
        row: Row,
        model: type[models.Model],
        values: Mapping[str, Any],
        *,
        also: Mapping[str, Any] | None = None,
        named: Mapping[str, str] | None = None,
        stored: Mapping[str, str] | None = None,
    ) -> bool:
        """Whether the model takes `values`, as they will be stored: each
        fits its column, and the model's `clean` finds nothing wrong (see
        values.unfit); `also` holds what else that clean may look at (saved
        objects referred to, copies of values). Anything refused is a
        problem under the row's own field (`named` maps a model field to it
        when they differ) and value; `stored` says, by row field, what a
        value becomes once stored when that is not what the row says (a
        lot's quantity in its stock unit)."""
        named, stored = named or {}, stored or {}
        reasons = unfit(model(**values, **(also or {})), values)
        for name, reason in reasons.items():
            field_name = "" if name == NON_FIELD_ERRORS else named.get(name, name)
            if field_name in stored:
                reason = f"{stored[field_name]}: {reason}"
            value = row.data.get(field_name) if field_name else None
            self.problem(row, FieldError(field_name, value, reason))
        return not reasons

    def run(self) -> Plan:
        self.attach_nested()
        for section in SECTIONS:
            getattr(self, f"plan_{section}")(self.dataset.rows.get(section, []))
        self.report_missing()
        self.check_writes()
        return self.plan

    def check_writes(self) -> None:
        """Runs `full_clean` on every object the import creates or changes,
        as saving it would, in the dry run too: each value, the model's own
        `clean`, its unique fields and its constraints. Of an object changed,
        only the fields changed are checked (its `clean` sees them all), as
        a ModelForm does; references to objects the import creates are left
        out (they do not exist yet). Rows refused already are not checked
        again."""
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

    # ingredients ------------------------------------------------------------

    def ingredient_ref(
        self, row: Row, name: str, reference: str, *, unit_hint: str = ""
    ):
        found = self.ingredients.find(reference)
        if found is not None:
            return found
        if self.create_missing:
            return self.create_missing_ingredient(reference, unit_hint)
        self.missing[reference].append(row.source)
        return None

    def create_missing_ingredient(self, reference: str, unit_hint: str):
        name = reference.strip()
        if re.fullmatch(r"[a-z0-9_\-]+", name) and "_" in name:
            name = name.replace("_", " ").capitalize()
        slug = slugify(reference).replace("-", "_") or "ingredient"
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
            source="--create-missing",
        )
        self.plan.creates["ingredients"].append(pending)
        self.plan.counts.created["ingredients"] += 1
        self.plan.created_missing.append(name)
        self.ingredients.add(pending, slug=slug, name=name)
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
        seen: dict[str, str] = {}
        for row in rows:
            try:
                values = {
                    "slug": text(row, "slug", required=True),
                    "name": text(row, "name", required=True),
                    "category": text(row, "category", max_length=100),
                    "description": text(row, "description", max_length=2000),
                    "notes": text(row, "notes", max_length=5000),
                }
                stock_unit = unit(row, "stock_unit", required=False)
                if stock_unit and stock_unit not in StockUnit.values:
                    raise FieldError(
                        "stock_unit",
                        stock_unit,
                        f"must be one of {', '.join(StockUnit.values)}",
                    )
                values["density_g_per_ml"] = self.density(row)
                values["grams_per_each"] = number(row, "grams_per_each", required=False)
            except FieldError as error:
                self.problem(row, error)
                self.known_but_refused(row)
                continue
            measure = text(row, "density", max_length=100)
            if not self.fits(
                row,
                Ingredient,
                {**values, "stock_unit": stock_unit or "g"},
                named={"density_g_per_ml": "density"} if measure else None,
                stored=(
                    {"density": f"makes {values['density_g_per_ml']:,} g per ml"}
                    if measure
                    else None
                ),
            ):
                self.known_but_refused(row)
                continue
            if not re.fullmatch(r"[\w-]+", values["slug"]):
                self.problem(
                    row,
                    FieldError(
                        "slug", values["slug"], "may hold only letters, digits, - and _"
                    ),
                )
                continue
            key = values["slug"].lower()
            if self.repeated(row, seen, key, "slug", values["slug"]):
                continue
            existing = self.ingredients.by_slug.get(key)
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
                pending = Pending(Ingredient, values, row.source)
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

    def repeated(self, row: Row, seen: dict, key, field_name: str, value) -> bool:
        """Whether an earlier row has the same natural key (then reported)."""
        if key in seen:
            self.problem(row, FieldError(field_name, value, f"repeats {seen[key]}"))
            return True
        seen[key] = row.source
        return False

    def known_but_refused(self, row: Row) -> None:
        """Keeps a refused ingredient findable, so that the rows naming it add
        no second, misleading problem (nothing is written anyway)."""
        slug, name = str(row.data.get("slug") or ""), str(row.data.get("name") or "")
        if slug and not self.ingredients.find(slug):
            placeholder = Pending(
                Ingredient, {"name": name, "stock_unit": "g"}, row.source
            )
            self.ingredients.add(placeholder, slug=slug, name=name or slug)

    def density(self, row: Row) -> Decimal | None:
        measure = text(row, "density", max_length=100)
        if measure:
            try:
                return units.parse_density(measure)
            except ValidationError as error:
                raise FieldError("density", measure, " ".join(error.messages)) from None
            except ArithmeticError:  # too many digits to round to 6 places
                raise FieldError(
                    "density", measure, "makes a density far too large"
                ) from None
        value = number(row, "density_g_per_ml", required=False, places=6)
        return value

    def update_or_keep(
        self, row: Row, section: str, obj, values: dict[str, Any]
    ) -> None:
        changes = {
            name: value
            for name, value in values.items()
            if name != "slug" and _differs(getattr(obj, name), value)
        }
        if changes:
            self.change(row, obj, changes)
            self.plan.counts.updated[section] += 1
        else:
            self.plan.counts.unchanged[section] += 1

    def change(self, row: Row, obj, changes: dict[str, Any]) -> None:
        self.plan.updates.append((obj, changes))
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
        self.products: dict[tuple, Any] = {}
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
        seen: dict[tuple, str] = {}
        for row in rows:
            try:
                reference = text(row, "ingredient", required=True)
                values = {
                    "brand": text(row, "brand"),
                    "name": text(row, "name", required=True),
                    "package_quantity": number(row, "package_quantity"),
                    "package_unit": unit(row, "package_unit"),
                    "package_type": text(row, "package_type", max_length=50)
                    or "package",
                    "is_preferred": boolean(row, "is_preferred"),
                    "upc": text(row, "upc", max_length=20),
                }
            except FieldError as error:
                self.problem(row, error)
                continue
            if not self.fits(row, Product, values):
                continue
            ingredient = self.ingredient_ref(
                row, "ingredient", reference, unit_hint=values["package_unit"]
            )
            if ingredient is None:
                continue
            if not self.convertible(ingredient, values["package_unit"]):
                adapted = self.adapt_to_product(row, ingredient, values["package_unit"])
                if adapted is None:
                    continue
                values["package_unit"] = adapted
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
            if existing is None:
                pending = Pending(
                    Product, {**values, "ingredient": ingredient}, row.source
                )
                self.plan.creates["products"].append(pending)
                self.plan.counts.created["products"] += 1
                self.products[key] = pending
            else:
                self.update_or_keep(
                    row,
                    "products",
                    existing,
                    {
                        name: values[name]
                        for name in ("package_type", "is_preferred", "upc")
                    },
                )
        preferred = Counter(
            key[0]
            for key, product in self.products.items()
            if (
                product.values["is_preferred"]
                if isinstance(product, Pending)
                else product.is_preferred
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

    def check_convertible(self, row: Row, name: str, ingredient, code: str) -> bool:
        problem = self.conversion_problem(ingredient, code)
        if problem:
            self.problem(row, FieldError(name, code, problem))
        return not problem

    def adapt_to_product(self, row: Row, ingredient, code: str) -> str | None:
        """Makes sense of a bake-tracker product whose unit does not convert to
        its ingredient's stock unit, or refuses it (returns None).

        "oz" of an ingredient counted by volume is taken as fluid ounces; the
        first product sold by volume or count of an ingredient without lots
        or other products sets its stock unit (ml, each).
        """
        if not row.data.get("_adapt_stock_unit"):
            self.check_convertible(row, "package_unit", ingredient, code)
            return None
        facts = self.facts(ingredient)
        if code == "oz" and units.UNITS[facts.stock_unit][1] == units.VOLUME:
            self.plan.warnings.append(
                f"{row.source}: oz of {facts.name}, which is counted by volume, "
                "taken as fl oz."
            )
            return "fl oz"
        has_products = any(key[0] == ingredient for key in self.products)
        has_lots = not isinstance(ingredient, Pending) and ingredient.lots.exists()
        if has_products or has_lots:
            self.check_convertible(row, "package_unit", ingredient, code)
            return None
        base = units.BASE_UNIT[units.UNITS[code][1]]
        if isinstance(ingredient, Pending):
            ingredient.values["stock_unit"] = base
        else:
            self.change(row, ingredient, {"stock_unit": base})
            self.plan.counts.updated["ingredients"] += 1
        self.plan.warnings.append(
            f"{row.source}: {facts.name} is counted in {base} from now on, as its "
            f"products are sold in {code} and it has no fact to convert them."
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
        existing = Counter()
        ingredient_ids = {
            target.pk
            for target in self.ingredients.by_slug.values()
            if not isinstance(target, Pending)
        }
        if rows and ingredient_ids:
            for values in Lot.objects.filter(
                ingredient_id__in=ingredient_ids
            ).values_list(
                "ingredient_id",
                "product_id",
                "purchased_on",
                "quantity_purchased",
                "total_cost",
                "supplier",
            ):
                existing[values] += 1
        total = len(rows)
        for index, row in enumerate(rows, start=1):
            if index % 5000 == 0 or index == total:
                self.progress("checking lots", index, total)
            try:
                reference = text(row, "ingredient", required=True)
                quantity = number(row, "quantity")
                lot_unit = unit(row, "unit", required=False)
                total_cost = money(row, "total_cost")
                purchased_on = date(row, "purchased_on")
                expires_on = date(row, "expires_on", required=False)
                supplier = text(row, "supplier")
                notes = text(row, "notes", max_length=5000)
                brand, product_name = (
                    text(row, "product_brand"),
                    text(row, "product_name"),
                )
            except FieldError as error:
                self.problem(row, error)
                continue
            ingredient = self.ingredient_ref(
                row, "ingredient", reference, unit_hint=lot_unit
            )
            if ingredient is None:
                continue
            product = None
            if product_name:
                matches = self.find_product(ingredient, brand, product_name)
                if len(matches) != 1:
                    reason = (
                        "names no product of this ingredient"
                        if not matches
                        else "names several products: give product_brand too"
                    )
                    self.problem(row, FieldError("product_name", product_name, reason))
                    continue
                product = matches[0]
            if lot_unit and not self.check_convertible(
                row, "unit", ingredient, lot_unit
            ):
                continue
            if expires_on and expires_on < purchased_on:
                self.problem(
                    row,
                    FieldError(
                        "expires_on", str(expires_on), "is before the purchase date"
                    ),
                )
                continue
            stock_unit = self.facts(ingredient).stock_unit
            amount = self.in_stock_unit(ingredient, quantity, lot_unit)
            cost = _rounded(quantize_money, total_cost)
            converted = lot_unit and lot_unit != stock_unit
            saved = {  # for Lot.clean, which compares them
                name: self.as_planned(target)
                for name, target in (("ingredient", ingredient), ("product", product))
                if target is not None and not isinstance(target, Pending)
            }
            if not self.fits(
                row,
                Lot,
                {
                    "quantity_purchased": amount,
                    "total_cost": cost,
                    "purchased_on": purchased_on,
                    "expires_on": expires_on,
                    "supplier": supplier,
                    "notes": notes,
                },
                also={"quantity_remaining": amount, "cost_remaining": cost, **saved},
                named={"quantity_purchased": "quantity"},
                stored=(
                    {"quantity": f"is {amount:,} {stock_unit} in its stock unit"}
                    if converted
                    else None
                ),
            ):
                continue
            purchase = {
                "ingredient": ingredient,
                "product": product,
                "quantity": quantity,
                "unit": lot_unit or None,
                "total_cost": total_cost,
                "purchased_on": purchased_on,
                "expires_on": expires_on,
                "supplier": supplier,
                "notes": notes,
            }
            key = self.lot_key(purchase, amount=amount, cost=cost)
            if key is not None and existing[key] > 0:
                existing[key] -= 1
                self.plan.counts.unchanged["lots"] += 1
                continue
            self.plan.purchases.append(purchase)
            self.plan.counts.created["lots"] += 1

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

    def lot_key(
        self, purchase: dict, *, amount: Decimal, cost: Decimal
    ) -> tuple | None:
        """The key of an existing identical lot, for saved ingredients only."""
        ingredient, product = purchase["ingredient"], purchase["product"]
        if isinstance(ingredient, Pending) or isinstance(product, Pending):
            return None
        return (
            ingredient.pk,
            product.pk if product else None,
            purchase["purchased_on"],
            amount,
            cost,
            purchase["supplier"],
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
        seen: dict[str, str] = {}
        for row in rows:
            try:
                values = {
                    "slug": text(row, "slug", required=True),
                    "name": text(row, "name", required=True),
                    "category": text(row, "category", max_length=100),
                    "yield_quantity": number(
                        row, "yield_quantity", required=False, places=2
                    ),
                    "yield_unit": text(row, "yield_unit", max_length=50),
                    "notes": text(row, "notes", max_length=20000),
                }
            except FieldError as error:
                self.problem(row, error)
                continue
            if not self.fits(row, Recipe, values):
                continue
            key = values["slug"].lower()
            if self.repeated(row, seen, key, "slug", values["slug"]):
                continue
            lines = self.recipe_lines(row)
            existing = self.recipes.get(key)
            if lines is None:
                # Reported already; known, so references to it add no noise.
                self.recipes.setdefault(key, Pending(Recipe, values, row.source))
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
                pending = Pending(Recipe, values, row.source)
                self.plan.creates["recipes"].append(pending)
                self.plan.counts.created["recipes"] += 1
                self.recipes[key] = pending
                self.recipe_names[values["name"].lower()] = pending
                self.plan.replaced_lines.append((pending, lines))
                continue
            changes_yield = not isinstance(existing, Pending) and (
                existing.yield_quantity != values["yield_quantity"]
            )
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
            try:
                reference = text(line_row, "ingredient", required=True)
                quantity = number(line_row, "quantity")
                line_unit = unit(line_row, "unit")
                note = text(line_row, "note")
            except FieldError as error:
                self.problem(line_row, error)
                ok = False
                continue
            if not self.fits(
                line_row,
                RecipeLine,
                {
                    "quantity": quantity,
                    "unit": line_unit,
                    "note": note,
                    "position": index + 1,
                },
            ):
                ok = False
                continue
            ingredient = self.ingredient_ref(
                line_row, "ingredient", reference, unit_hint=line_unit
            )
            if ingredient is None:
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
            self.plan.warnings.append(
                f"{row.source}: {units.format_number(quantity)} {code} of "
                f"{_name_of(ingredient)} is kept, but cannot be costed or baked yet: "
                f"{problem}"
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
            lambda row: {
                "name": text(row, "name", required=True),
                "household": text(row, "household"),
                "address": text(row, "address", max_length=2000),
                "notes": text(row, "notes", max_length=5000),
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
            lambda row: {
                "name": text(row, "name", required=True),
                "date": date(row, "date"),
                "notes": text(row, "notes", max_length=5000),
            },
            lambda values: (values["name"].lower(), values["date"]),
        )

    def simple_section(self, section, rows, index, model, parse, key_of) -> None:
        seen: dict[Any, str] = {}
        for row in rows:
            try:
                values = parse(row)
            except FieldError as error:
                self.problem(row, error)
                continue
            if not self.fits(row, model, values):
                continue
            key = key_of(values)
            if self.repeated(row, seen, key, "name", values["name"]):
                continue
            existing = index.get(key)
            if existing is None:
                pending = Pending(model, values, row.source)
                self.plan.creates[section].append(pending)
                self.plan.counts.created[section] += 1
                index[key] = pending
            else:
                self.update_or_keep(row, section, existing, values)

    def plan_packages(self, rows: list[Row]) -> None:
        self.packages = {
            p.name.lower(): p for p in Package.objects.prefetch_related("items")
        }
        for row in rows:
            try:
                values = {
                    "name": text(row, "name", required=True),
                    "description": text(row, "description", max_length=5000),
                }
            except FieldError as error:
                self.problem(row, error)
                continue
            if not self.fits(row, Package, values):
                continue
            items = self.package_items(row)
            if items is None:
                continue
            existing = self.packages.get(values["name"].lower())
            if existing is None:
                pending = Pending(Package, values, row.source)
                self.plan.creates["packages"].append(pending)
                self.plan.counts.created["packages"] += 1
                self.packages[values["name"].lower()] = pending
                self.plan.replaced_items.append((pending, items))
                continue
            if isinstance(existing, Pending):
                self.problem(
                    row, FieldError("name", values["name"], "repeats another row")
                )
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
            try:
                reference = text(item_row, "recipe", required=True)
                quantity = number(item_row, "quantity", places=2)
            except FieldError as error:
                self.problem(item_row, error)
                ok = False
                continue
            if not self.fits(item_row, PackageItem, {"quantity": quantity}):
                ok = False
                continue
            recipe = self.recipes.get(reference.lower()) or self.recipe_names.get(
                reference.lower()
            )
            if recipe is None:
                close = difflib.get_close_matches(
                    reference.lower(), list(self.recipe_names), n=3, cutoff=0.5
                )
                hint = f" Closest: {', '.join(close)}." if close else ""
                self.problem(
                    item_row,
                    FieldError(
                        "recipe", reference, "matches no recipe by slug or name." + hint
                    ),
                )
                ok = False
                continue
            if id(recipe) in recipes_seen:
                self.problem(
                    item_row,
                    FieldError("recipe", reference, "is in this package twice"),
                )
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
        seen: dict[tuple, str] = {}
        for row in rows:
            try:
                event_key = (
                    text(row, "event", required=True).lower(),
                    date(row, "event_date"),
                )
                recipient_key = (
                    text(row, "recipient", required=True).lower(),
                    text(row, "recipient_household").lower(),
                )
                package_key = text(row, "package", required=True).lower()
                quantity = number(row, "quantity", required=False, places=0) or Decimal(
                    1
                )
            except FieldError as error:
                self.problem(row, error)
                continue
            if not self.fits(row, Assignment, {"quantity": quantity}):
                continue
            event = self.events.get(event_key)
            recipient = self.recipients.get(recipient_key)
            package = self.packages.get(package_key)
            failed = False
            for name, target, value in (
                ("event", event, row.data.get("event")),
                ("recipient", recipient, row.data.get("recipient")),
                ("package", package, row.data.get("package")),
            ):
                if target is None:
                    self.problem(row, FieldError(name, value, f"matches no {name}"))
                    failed = True
            if failed:
                continue
            key = (id(event), id(recipient), id(package))
            if key in seen:
                self.problem(
                    row,
                    FieldError(
                        "recipient",
                        row.data.get("recipient"),
                        f"has this package at this event in {seen[key]}",
                    ),
                )
                continue
            seen[key] = row.source
            values = {
                "event": event,
                "recipient": recipient,
                "package": package,
                "quantity": int(quantity),
            }
            found = None
            if not any(isinstance(t, Pending) for t in (event, recipient, package)):
                found = existing.get((event.pk, recipient.pk, package.pk))
            if found is None:
                self.plan.creates["assignments"].append(
                    Pending(Assignment, values, row.source)
                )
                self.plan.counts.created["assignments"] += 1
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
