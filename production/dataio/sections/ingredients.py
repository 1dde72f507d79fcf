"""Ingredients, by slug; and how every other section finds one: by slug,
then name, then the names and aliases in the descriptions, or (with
--create-missing) by creating it for review."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from pantry import units
from pantry.models import Ingredient, StockUnit
from production.dataio.plan import Pending, Plan, name_of
from production.dataio.rows import Problem, Row
from production.dataio.sections.common import (
    create,
    merge,
    repeated,
    update_or_keep,
    write_creates,
    write_updates,
)
from production.dataio.values import FieldError, RowFields, number, text

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = "ingredients"


# --- finding ingredients -----------------------------------------------------


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
    return [name_of(names[name]) for name in ordered]


def find(planner: Planner, row: Row, reference: str, *, unit_hint: str = ""):
    """The ingredient a row names; with --create-missing, one created for
    review if nothing matches; else None, and the reference is reported
    once for all the rows naming it (`report_missing`)."""
    found = planner.ingredients.find(reference)
    if found is not None:
        return found
    if planner.create_missing:
        return _create_missing(planner, row, reference, unit_hint)
    planner.missing[reference].append(row.source)
    return None


def _create_missing(planner: Planner, row: Row, reference: str, unit_hint: str):
    """An ingredient for review, named as the row names it. A reference
    whose slug or name is that of another ingredient ("Pecans, chopped"
    and "pecans_chopped") is that ingredient, named as written rather
    than after its slug, whichever row comes first."""
    index = planner.ingredients
    name = reference.strip()
    named_after_slug = bool(re.fullmatch(r"[a-z0-9_\-]+", name) and "_" in name)
    if named_after_slug:
        name = name.replace("_", " ").capitalize()
    slug = slugify(reference).replace("-", "_")
    same = index.by_name.get(name.lower())
    if slug:
        same = index.by_slug.get(slug) or same
    else:  # no letter a slug keeps ("ÆØÅ"): a slug of its own
        slug = next(
            f"ingredient_{n}"
            for n in range(1, len(index.by_slug) + 2)
            if f"ingredient_{n}" not in index.by_slug
        )
    if same is not None and not (isinstance(same, Pending) and same.refused):
        if isinstance(same, Pending) and same.named_after_slug:
            if not named_after_slug:
                index.rename(same, old=same.name, new=name)
                same.values["name"] = name
                same.named_after_slug = False
        elif same not in planner.created_missing:
            planner.warn(
                row,
                f"matches no ingredient by slug, name or alias; taken as "
                f"{name_of(same)}, whose slug or name it makes",
                "ingredient",
                reference,
            )
        index.by_name.setdefault(reference.strip().lower(), same)
        return same
    dimension = units.UNITS[unit_hint][1] if unit_hint in units.UNITS else units.MASS
    pending = create(
        planner,
        section=NAME,
        row=row,
        model=Ingredient,
        values={
            "name": name,
            "slug": slug,
            "stock_unit": units.BASE_UNIT[dimension],
            "needs_review": True,
            "description": "",
        },
    )
    pending.source = f"{row.source} (--create-missing)"
    pending.named_after_slug = named_after_slug
    planner.created_missing.append(pending)
    index.add(pending, slug=slug, name=name)
    index.by_name.setdefault(reference.strip().lower(), pending)
    return pending


def report_missing(planner: Planner) -> None:
    """One problem for each reference nothing matches, naming its first row
    and how many more, with the closest names."""
    for reference, sources in planner.missing.items():
        suggestions = planner.ingredients.suggestions(reference)
        hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
        where = sources[0] + (
            f" and {len(sources) - 1} more" if len(sources) > 1 else ""
        )
        planner.plan.problems.append(
            Problem(
                where,
                "ingredient",
                reference,
                "matches no ingredient by slug, name or alias."
                + hint
                + " Use --create-missing to create it for review.",
            )
        )


# --- converting quantities of an ingredient ----------------------------------


class _Facts:
    """A pending ingredient's conversion facts, for checks before it exists."""

    def __init__(self, values):
        self.name = values["name"]
        self.stock_unit = values["stock_unit"]
        self.density_g_per_ml = values.get("density_g_per_ml")
        self.grams_per_each = values.get("grams_per_each")


def facts(planner: Planner, ingredient):
    """The ingredient's conversion facts as the import leaves them."""
    if isinstance(ingredient, Pending):
        return _Facts(ingredient.values)
    return planner.as_planned(ingredient)


def conversion_problem(planner: Planner, ingredient, code: str) -> str:
    """Why a quantity in `code` cannot be converted to the ingredient's
    stock unit; "" when it can."""
    known = facts(planner, ingredient)
    try:
        units.convert(Decimal(1), code, known.stock_unit, ingredient=known)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def warn_unconvertible(
    planner: Planner, row: Row, ingredient, quantity: Decimal, code: str
) -> None:
    """A quantity kept as written that cannot be costed yet is a warning."""
    problem = conversion_problem(planner, ingredient, code)
    if problem:
        planner.warn(
            row,
            f"{units.format_number(quantity)} {code} of {name_of(ingredient)} "
            f"is kept, but cannot be costed or baked yet: {problem}",
        )


# --- the section -------------------------------------------------------------


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Indexes the saved ingredients (every later section finds its
    ingredients here), then plans the rows."""
    for ingredient in Ingredient.objects.all():
        planner.ingredients.add(
            ingredient,
            slug=ingredient.slug,
            name=ingredient.name,
            description=ingredient.description,
        )
    seen: dict[str, Row] = {}
    for row in rows:
        _plan_row(planner, row, seen)


def _plan_row(planner: Planner, row: Row, seen: dict[str, Row]) -> None:
    index = planner.ingredients
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
            "stock_unit", stock_unit, f"must be one of {', '.join(StockUnit.values)}"
        )
    values["density_g_per_ml"] = fields.read(_density, "density")
    values["grams_per_each"] = fields.number("grams_per_each", required=False)
    measure = str(row.data.get("density") or "").strip()
    density = values["density_g_per_ml"]
    planner.fits(
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
    if not planner.report(row, fields):
        _known_but_refused(planner, row)
        return
    key = slug.lower()
    if repeated(planner, row, seen, key, "slug", slug):
        return
    existing = index.by_slug.get(key)
    if isinstance(existing, Pending) and not existing.refused:
        _merge(planner, row, existing, values, stock_unit)
        return
    if isinstance(existing, Pending):
        existing = None
    if existing is None:
        values["stock_unit"] = stock_unit or "g"
        if index.by_name.get(values["name"].lower()) is not None:
            planner.problem(
                row,
                FieldError(
                    "name", values["name"], "belongs to another ingredient already"
                ),
            )
            return
        pending = create(
            planner, section=NAME, row=row, model=Ingredient, values=values
        )
        index.add(
            pending,
            slug=values["slug"],
            name=values["name"],
            description=values["description"],
        )
        return
    if stock_unit:
        values["stock_unit"] = stock_unit
    update_or_keep(planner, section=NAME, row=row, obj=existing, values=values)


def _merge(
    planner: Planner, row: Row, pending: Pending, values: dict[str, Any], stock_unit
) -> None:
    index = planner.ingredients
    other = index.by_name.get(values["name"].lower())
    if other is not None and other is not pending:
        planner.problem(
            row,
            FieldError("name", values["name"], "belongs to another ingredient already"),
        )
        return
    old_name = pending.name
    merge(row, pending, values)
    if stock_unit:
        pending.values["stock_unit"] = stock_unit
    index.rename(pending, old=old_name, new=values["name"])
    index.add(
        pending,
        slug=values["slug"],
        name=values["name"],
        description=values["description"],
    )


def _known_but_refused(planner: Planner, row: Row) -> None:
    """Keeps a refused ingredient findable, so that the rows naming it add
    no second, misleading problem (nothing is written anyway)."""
    slug, name = str(row.data.get("slug") or ""), str(row.data.get("name") or "")
    if slug and not planner.ingredients.find(slug):
        placeholder = Pending(
            Ingredient,
            {"name": name, "stock_unit": "g"},
            row.source,
            file=row.file,
            refused=True,
        )
        planner.ingredients.add(placeholder, slug=slug, name=name or slug)


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


def write(plan: Plan, *, progress) -> None:
    """Creates the ingredients, then writes every change to saved objects of
    any section, before the other sections write: lots are converted to the
    stock unit an ingredient has once changed."""
    write_creates(plan, section=NAME)
    write_updates(plan)
