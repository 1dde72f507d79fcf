"""Packages, by name, with their items: a package's items are replaced
whole when they differ from the row's."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from events.models import Package, PackageItem
from events.services import ensure_package_contents_can_change
from production.dataio.plan import Pending, Plan, saved
from production.dataio.rows import Row
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

NAME = "packages"


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Indexes the saved packages (assignments find them here), then plans
    the rows."""
    planner.packages.update(
        (p.name.lower(), p) for p in Package.objects.prefetch_related("items")
    )
    seen: dict[str, Row] = {}
    for row in rows:
        _plan_row(planner, row, seen)


def _plan_row(planner: Planner, row: Row, seen: dict[str, Row]) -> None:
    fields = RowFields(row)
    values = {
        "name": fields.text("name", required=True),
        "description": fields.text("description", max_length=5000),
    }
    planner.fits(row, Package, values, fields=fields)
    readable = planner.report(row, fields)
    items = _items(planner, row)  # checked whatever the package's fields
    if not readable or items is None:
        return
    key = values["name"].lower()
    if repeated(planner, row, seen, key, "name", values["name"]):
        return
    existing = planner.packages.get(key)
    if isinstance(existing, Pending):
        merge(row, existing, values)
        set_children(planner.plan.replaced_items, existing, items)
        return
    if existing is None:
        pending = create(planner, section=NAME, row=row, model=Package, values=values)
        planner.packages[key] = pending
        planner.plan.replaced_items.append((pending, items))
        return
    before = len(planner.plan.updates)
    update_or_keep(planner, section=NAME, row=row, obj=existing, values=values)
    current = sorted((item.recipe_id, item.quantity) for item in existing.items.all())
    wanted = sorted(
        (
            saved(item["recipe"]).pk if saved(item["recipe"]) else -1,
            item["quantity"],
        )
        for item in items
    )
    if current != wanted and planner.allowed(
        row, "items", None, ensure_package_contents_can_change, package=existing
    ):
        replace_children(
            planner,
            section=NAME,
            obj=existing,
            children=items,
            replaced=planner.plan.replaced_items,
            updates_before=before,
        )


def _items(planner: Planner, row: Row) -> list[dict] | None:
    """The package's items, each checked; None if any is wrong (reported)."""
    raw_items = row.data.get("items") or []
    if not isinstance(raw_items, list):
        planner.problem(row, FieldError("items", raw_items, "must be a list"))
        return None
    items, ok, recipes_seen = [], True, set()
    for index, raw in enumerate(raw_items):
        if not planner.is_object(raw, f"{row.source}.items[{index}]"):
            ok = False
            continue
        item_row = Row(raw.pop("_source", f"{row.source}.items[{index}]"), raw)
        fields = RowFields(item_row)
        reference = fields.text("recipe", required=True)
        quantity = fields.number("quantity", places=2)
        planner.fits(item_row, PackageItem, {"quantity": quantity}, fields=fields)
        recipe = None
        if reference:
            recipe = planner.recipes.get(reference.lower()) or planner.recipe_names.get(
                reference.lower()
            )
            if recipe is None:
                close = difflib.get_close_matches(
                    reference.lower(), list(planner.recipe_names), n=3, cutoff=0.5
                )
                hint = f" Closest: {', '.join(close)}." if close else ""
                fields.refuse(
                    "recipe", reference, "matches no recipe by slug or name." + hint
                )
            elif id(recipe) in recipes_seen:
                fields.refuse("recipe", reference, "is in this package twice")
        if not planner.report(item_row, fields):
            ok = False
            continue
        recipes_seen.add(id(recipe))
        items.append({"recipe": recipe, "quantity": quantity})
    return items if ok else None


def write(plan: Plan, *, progress) -> None:
    """Creates the packages, then replaces the items of those whose items
    the import sets."""
    write_creates(plan, section=NAME)
    write_children(
        model=PackageItem,
        parent_field="package",
        replaced=plan.replaced_items,
        build=lambda package, item: PackageItem(
            package=package, recipe=saved(item["recipe"]), quantity=item["quantity"]
        ),
    )
