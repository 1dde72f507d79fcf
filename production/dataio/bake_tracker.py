"""Reads the JSON exports of the bake-tracker desktop application (format
versions 3.5 to 4.x) into the rows of our import format.

References to ingredients are kept as written (a slug or a display name):
the import matches them by slug, then name, then the names and aliases in
the ingredient descriptions. See docs/import-format.md for the mapping.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from production.dataio.rows import (
    DataSet,
    ImportFailed,
    Problem,
    Row,
    load_json,
    objects,
)

MODELLED = {
    "ingredients",
    "products",
    "purchases",
    "inventory_items",
    "recipes",
    "recipients",
    "events",
    "packages",
    "assignments",
    "event_recipient_packages",
}
HEADER = {
    "version",
    "exported_at",
    "export_date",
    "application",
    "source",
    "description",
}


def read(path: Path, dataset: DataSet) -> None:
    data = load_json(path, dataset)
    version = str(data.get("version", ""))
    dataset.exported_at = data.get("exported_at") or data.get("export_date") or ""
    name = path.name
    problems: list[Problem] = []
    sections: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for section, rows in data.items():
        if section in HEADER:
            continue
        if section not in MODELLED:
            count = len(rows) if isinstance(rows, list) else 1
            dataset.skipped.append(f"{name}: {section} ({count}) — not modelled here")
            continue
        sections[section] = objects(rows, f"{name} {section}", problems)

    def rows_of(*names: str) -> list[tuple[str, dict[str, Any]]]:
        return [found for section in names for found in sections.get(section, [])]

    parents = {_key(row.get("parent_slug")) for _, row in rows_of("ingredients")}
    products = {_key(row.get("slug")): row for _, row in rows_of("products")}
    events = {_key(row.get("slug")): row for _, row in rows_of("events")}
    # Rows without a slug: nothing refers to them.
    parents.discard(None)
    products.pop(None, None)
    events.pop(None, None)

    ingredients: dict[str, Row] = {}
    for source, row in rows_of("ingredients"):
        if _key(row.get("slug")) in parents or row.get("is_category"):
            continue  # a level of the hierarchy, not an ingredient bought and used
        values = _ingredient(row)
        first = ingredients.get(str(values["slug"]).lower())
        if first is None:
            ingredients[str(values["slug"]).lower()] = Row(source, values)
            continue
        # Real exports repeat some slugs: the first row wins, later ones
        # only fill what it leaves empty.
        for key, value in values.items():
            if value and not first.data.get(key):
                first.data[key] = value
        dataset.add_note(source, f"repeats the slug of {first.source}; merged into it")
    dataset.rows["ingredients"].extend(ingredients.values())
    for source, row in rows_of("products"):
        dataset.rows["products"].append(Row(source, _product(row)))
    for source, row in rows_of("purchases", "inventory_items"):
        dataset.rows["lots"].append(Row(source, _lot(row, products)))
    for source, row in rows_of("recipes"):
        recipe, notes = _recipe(row, source, problems)
        dataset.rows["recipes"].append(Row(source, recipe))
        for note in notes:
            dataset.add_note(source, note)
    for source, row in rows_of("recipients"):
        dataset.rows["recipients"].append(
            Row(
                source,
                {
                    "name": row.get("name"),
                    "household": row.get("household")
                    or row.get("household_name")
                    or "",
                    "address": row.get("address") or "",
                    "notes": row.get("notes") or "",
                },
            )
        )
    for source, row in rows_of("events"):
        dataset.rows["events"].append(
            Row(
                source,
                {
                    "name": row.get("name"),
                    "date": row.get("event_date") or row.get("date"),
                    "notes": row.get("notes") or "",
                },
            )
        )
    for source, row in rows_of("packages"):
        dataset.rows["packages"].append(Row(source, _package(row, source, problems)))
    for source, row in rows_of("assignments", "event_recipient_packages"):
        event = events.get(_key(row.get("event_slug")), {})
        dataset.rows["assignments"].append(
            Row(
                source,
                {
                    "event": row.get("event_name") or event.get("name"),
                    "event_date": row.get("event_date") or event.get("event_date"),
                    "recipient": row.get("recipient_name") or row.get("recipient"),
                    "recipient_household": row.get("recipient_household") or "",
                    "package": row.get("package_name") or row.get("package"),
                    "quantity": row.get("quantity") or 1,
                },
            )
        )
    if problems:
        raise ImportFailed(problems)
    dataset.add_note(name, f"bake-tracker format {version or 'unknown'}")


def _key(value: Any) -> str | None:
    """A slug to look rows up by; anything but text (a list, an object) is
    none, so that it matches nothing instead of failing."""
    return value if isinstance(value, str) and value else None


def _ingredient(row: dict[str, Any]) -> dict[str, Any]:
    density = ""
    if row.get("density_volume_value") and row.get("density_weight_value"):
        density = (
            f"{row['density_volume_value']} {row.get('density_volume_unit', '')} = "
            f"{row['density_weight_value']} {row.get('density_weight_unit', '')}"
        )
    return {
        "slug": row.get("slug"),
        "name": row.get("display_name") or row.get("name"),
        "category": row.get("category") or "",
        "description": row.get("description") or "",
        "density": density,
    }


def _product(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "ingredient": row.get("ingredient_slug") or row.get("ingredient_name"),
        "brand": row.get("brand") or "",
        "name": row.get("product_name") or row.get("name") or row.get("brand") or "",
        "package_quantity": row.get("package_unit_quantity")
        or row.get("package_quantity"),
        "package_unit": row.get("package_unit"),
        "package_type": row.get("package_type") or "package",
        "upc": row.get("upc_code") or row.get("upc") or "",
        "is_preferred": bool(row.get("is_preferred") or row.get("preferred")),
        # A product sold by volume or count may set a new ingredient's unit.
        "_adapt_stock_unit": True,
    }


def _lot(row: dict[str, Any], products: dict[str, dict]) -> dict[str, Any]:
    """A purchase or inventory item: packages of a product, or a quantity."""
    product = products.get(_key(row.get("product_slug")), {})
    packages = row.get("package_count") or row.get("packages")
    size = _decimal(product.get("package_unit_quantity")) if product else None
    if size is not None and packages is not None and row.get("quantity") is None:
        quantity, unit = _times(packages, size), product.get("package_unit")
    elif size is not None and row.get("quantity") is not None and not row.get("unit"):
        quantity, unit = _times(row["quantity"], size), product.get("package_unit")
    else:
        quantity, unit = row.get("quantity"), row.get("unit") or ""
    # The first given, 0 included; none is a cost not known (an unpriced lot).
    total = _given(row, "total_cost", "total_price", "cost")
    price = _given(row, "unit_price", "price")
    if total is None and price is not None:
        count = packages or row.get("quantity") or 1
        factor = _decimal(count)
        if factor is not None:
            total = _times(price, factor)
        elif count != quantity:
            # A count that is no number makes a total the import refuses, shown.
            total = f"{price} × {count}"
        # else the quantity holds the count, refused once, there
    return {
        "ingredient": row.get("ingredient_slug")
        or product.get("ingredient_slug")
        or row.get("ingredient_name"),
        "product_brand": product.get("brand", "") if product else "",
        "product_name": (product.get("product_name") or product.get("brand") or "")
        if product
        else "",
        "quantity": str(quantity) if quantity is not None else None,
        "unit": unit,
        "total_cost": total,
        "purchased_on": row.get("purchase_date")
        or row.get("purchased_on")
        or row.get("date"),
        "expires_on": row.get("expiration_date") or row.get("expires_on"),
        "supplier": row.get("supplier") or row.get("store") or "",
        "notes": row.get("notes") or "",
    }


def _given(row: dict[str, Any], *names: str):
    """The first of the fields that holds a value (0 is one; null and "" are
    not)."""
    for name in names:
        value = row.get(name)
        if value is not None and value != "":
            return value
    return None


def _decimal(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None
    return number if number.is_finite() else None


def _times(value, factor: Decimal):
    """The value times the factor; a value that is no number is kept as it
    is, for the import to refuse it by name."""
    number = _decimal(value)
    if number is None:
        return value
    try:
        return number * factor
    except ArithmeticError:  # beyond Decimal's range: refused as too large
        return value


def _recipe(
    row: dict[str, Any], source: str, problems: list[Problem]
) -> tuple[dict[str, Any], list[str]]:
    notes = []
    counts = [
        unit
        for _, unit in objects(
            row.get("finished_units") or [], f"{source}.finished_units", problems
        )
        if unit.get("unit_yield_quantity") and unit.get("yield_mode", "discrete_count")
    ]
    batch = max(
        counts,
        key=lambda unit: _decimal(unit["unit_yield_quantity"]) or Decimal(0),
        default=None,
    )
    components = row.get("components")
    if components:
        count = len(components) if isinstance(components, list) else 1
        notes.append(f"its {count} sub-recipes are not imported")
    text = row.get("notes") or ""
    if row.get("source"):
        text = f"{text}\n\nSource: {row['source']}".strip()
    return (
        {
            "slug": row.get("slug"),
            "name": row.get("name"),
            "category": row.get("category") or "",
            "yield_quantity": batch["unit_yield_quantity"] if batch else None,
            "yield_unit": (batch.get("unit_yield_unit") or "") if batch else "",
            "notes": text,
            "lines": [
                {
                    "ingredient": line.get("ingredient_slug")
                    or line.get("ingredient_name"),
                    "quantity": line.get("quantity"),
                    "unit": line.get("unit"),
                    "note": line.get("notes") or "",
                    "_source": where,
                }
                for where, line in objects(
                    row.get("ingredients") or [], f"{source}.ingredients", problems
                )
            ],
        },
        notes,
    )


def _package(row: dict[str, Any], source: str, problems: list[Problem]) -> dict:
    key = next(
        (key for key in ("items", "contents", "finished_goods") if row.get(key)),
        "items",
    )
    return {
        "name": row.get("name"),
        "description": row.get("description") or "",
        "items": [
            {
                "recipe": item.get("recipe_slug")
                or item.get("recipe")
                or item.get("name"),
                "quantity": item.get("quantity"),
                "_source": where,
            }
            for where, item in objects(row.get(key) or [], f"{source}.{key}", problems)
        ],
    }
