"""Recipes, by slug, with their lines: a recipe's lines are replaced whole
when they differ from the row's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from events.services import ensure_recipe_yield_can_change
from pantry.models import Recipe, RecipeLine
from production.dataio.plan import Pending, Plan, saved
from production.dataio.rows import Row
from production.dataio.sections import ingredients
from production.dataio.sections.common import (
    create,
    merge,
    repeated,
    replace_children,
    set_children,
    update_or_keep,
    write_children,
    write_creates,
)
from production.dataio.values import FieldError, RowFields

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = "recipes"


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Indexes the saved recipes by slug and by name (packages find them by
    either), then plans the rows."""
    planner.recipes.update(
        (recipe.slug.lower(), recipe)
        for recipe in Recipe.objects.prefetch_related("lines")
    )
    planner.recipe_names.update(
        (recipe.name.lower(), recipe) for recipe in planner.recipes.values()
    )
    seen: dict[str, Row] = {}
    for row in rows:
        _plan_row(planner, row, seen)


def _plan_row(planner: Planner, row: Row, seen: dict[str, Row]) -> None:
    fields = RowFields(row)
    values = {
        "slug": fields.text("slug", required=True),
        "name": fields.text("name", required=True),
        "category": fields.text("category", max_length=100),
        "yield_quantity": fields.number("yield_quantity", required=False, places=2),
        "yield_unit": fields.text("yield_unit", max_length=50),
        "notes": fields.text("notes", max_length=20000),
    }
    planner.fits(row, Recipe, values, fields=fields)
    readable = planner.report(row, fields)
    lines = _lines(planner, row)  # checked whatever the recipe's fields
    if not readable:
        return
    key = values["slug"].lower()
    if repeated(planner, row, seen, key, "slug", values["slug"]):
        return
    existing = planner.recipes.get(key)
    if lines is None:
        # Reported already; known, so references to it add no noise.
        planner.recipes.setdefault(
            key, Pending(Recipe, values, row.source, refused=True)
        )
        return
    if isinstance(existing, Pending) and existing.refused:
        existing = None
    if isinstance(existing, Pending):
        _merge(planner, row, existing, values, lines)
        return
    if existing is None:
        if values["name"].lower() in planner.recipe_names:
            planner.problem(
                row,
                FieldError("name", values["name"], "belongs to another recipe already"),
            )
            return
        pending = create(planner, section=NAME, row=row, model=Recipe, values=values)
        planner.recipes[key] = pending
        planner.recipe_names[values["name"].lower()] = pending
        planner.plan.replaced_lines.append((pending, lines))
        return
    changes_yield = existing.yield_quantity != values["yield_quantity"]
    if changes_yield and not planner.allowed(
        row,
        "yield_quantity",
        values["yield_quantity"],
        ensure_recipe_yield_can_change,
        recipe=existing,
    ):
        return
    before = len(planner.plan.updates)
    update_or_keep(planner, section=NAME, row=row, obj=existing, values=values)
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
        replace_children(
            planner,
            section=NAME,
            obj=existing,
            children=lines,
            replaced=planner.plan.replaced_lines,
            updates_before=before,
        )


def _merge(
    planner: Planner, row: Row, pending: Pending, values: dict[str, Any], lines: list
) -> None:
    other = planner.recipe_names.get(values["name"].lower())
    if other is not None and other is not pending:
        planner.problem(
            row,
            FieldError("name", values["name"], "belongs to another recipe already"),
        )
        return
    if planner.recipe_names.get(pending.name.lower()) is pending:
        del planner.recipe_names[pending.name.lower()]
    merge(row, pending, values)
    planner.recipe_names[values["name"].lower()] = pending
    set_children(planner.plan.replaced_lines, pending, lines)


def _lines(planner: Planner, row: Row) -> list[dict] | None:
    """The recipe's lines, each checked; None if any is wrong (reported)."""
    raw_lines = row.data.get("lines") or []
    if not isinstance(raw_lines, list):
        planner.problem(row, FieldError("lines", raw_lines, "must be a list"))
        return None
    lines, ok = [], True
    for index, raw in enumerate(raw_lines):
        if not planner.is_object(raw, f"{row.source}.lines[{index}]"):
            ok = False
            continue
        line_row = Row(raw.pop("_source", f"{row.source}.lines[{index}]"), raw)
        line_row.file = row.file
        fields = RowFields(line_row)
        reference = fields.text("ingredient", required=True)
        quantity = fields.number("quantity")
        line_unit = fields.unit("unit")
        note = fields.text("note")
        planner.fits(
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
            ingredient = ingredients.find(
                planner, line_row, reference, unit_hint=line_unit or ""
            )
        if not planner.report(line_row, fields) or ingredient is None:
            ok = False
            continue
        ingredients.warn_unconvertible(
            planner, line_row, ingredient, quantity, line_unit
        )
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


def write(plan: Plan, *, progress) -> None:
    """Creates the recipes, then replaces the lines of those whose lines
    the import sets."""
    write_creates(plan, section=NAME)
    write_children(
        model=RecipeLine,
        parent_field="recipe",
        replaced=plan.replaced_lines,
        build=lambda recipe, line: RecipeLine(
            recipe=recipe, **{**line, "ingredient": saved(line["ingredient"])}
        ),
    )
