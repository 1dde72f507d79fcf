"""Export: a complete backup in JSON, or the plain sections in CSV.

`export_backup` writes everything (format version 2, see backup.py):
`import_data` restores it into an empty database exactly. `export_csv`
writes what the row-by-row import reads (format version 1): ingredients,
products, lots as purchases, recipes with their lines, recipients, packages
with their items, events and assignments; `export_json` the same in one
JSON file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from events.models import Assignment, Event, Package, Recipient
from pantry.models import Ingredient, Lot, Product, Recipe
from production.dataio.backup import HEADER, backup_sections, snapshot
from production.dataio.rows import FORMULA_STARTS


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if value is None:
        return ""
    return value if isinstance(value, (bool, int)) else str(value)


def sections() -> dict[str, Iterator[dict]]:
    return {
        "ingredients": (
            {
                "slug": i.slug,
                "name": i.name,
                "category": i.category,
                "description": i.description,
                "stock_unit": i.stock_unit,
                "density_g_per_ml": _plain(i.density_g_per_ml),
                "grams_per_each": _plain(i.grams_per_each),
                "notes": i.notes,
            }
            for i in Ingredient.objects.order_by("slug")
        ),
        "products": (
            {
                "ingredient": p.ingredient.slug,
                "brand": p.brand,
                "name": p.name,
                "package_quantity": _plain(p.package_quantity),
                "package_unit": p.package_unit,
                "package_type": p.package_type,
                "is_preferred": p.is_preferred,
                "upc": p.upc,
            }
            for p in Product.objects.select_related("ingredient").order_by(
                "ingredient__slug", "brand", "name", "package_quantity"
            )
        ),
        "lots": (
            {
                "ingredient": lot.ingredient.slug,
                "product_brand": lot.product.brand if lot.product else "",
                "product_name": lot.product.name if lot.product else "",
                "purchased_on": lot.purchased_on.isoformat(),
                "quantity": _plain(lot.quantity_purchased),
                "unit": lot.ingredient.stock_unit,
                "total_cost": _plain(lot.total_cost) if lot.is_priced else "",
                "expires_on": lot.expires_on.isoformat() if lot.expires_on else "",
                "supplier": lot.supplier,
                "notes": lot.notes,
            }
            for lot in Lot.objects.select_related("ingredient", "product")
            .order_by("ingredient__slug", "purchased_on", "pk")
            .iterator(chunk_size=5000)
        ),
        "recipes": (
            {
                "slug": r.slug,
                "name": r.name,
                "category": r.category,
                "yield_quantity": _plain(r.yield_quantity),
                "yield_unit": r.yield_unit,
                "notes": r.notes,
                "lines": [
                    {
                        "ingredient": line.ingredient.slug,
                        "quantity": _plain(line.quantity),
                        "unit": line.unit,
                        "note": line.note,
                    }
                    for line in r.lines.all()
                ],
            }
            for r in Recipe.objects.order_by("slug").prefetch_related(
                "lines__ingredient"
            )
        ),
        "recipients": (
            {
                "name": r.name,
                "household": r.household,
                "address": r.address,
                "notes": r.notes,
            }
            for r in Recipient.objects.order_by("name", "household")
        ),
        "packages": (
            {
                "name": p.name,
                "description": p.description,
                "items": [
                    {"recipe": item.recipe.slug, "quantity": _plain(item.quantity)}
                    for item in sorted(p.items.all(), key=lambda item: item.recipe.slug)
                ],
            }
            for p in Package.objects.order_by("name").prefetch_related("items__recipe")
        ),
        "events": (
            {"name": e.name, "date": e.date.isoformat(), "notes": e.notes}
            for e in Event.objects.order_by("date", "name")
        ),
        "assignments": (
            {
                "event": a.event.name,
                "event_date": a.event.date.isoformat(),
                "recipient": a.recipient.name,
                "recipient_household": a.recipient.household,
                "package": a.package.name,
                "quantity": a.quantity,
            }
            for a in Assignment.objects.select_related(
                "event", "recipient", "package"
            ).order_by("event__date", "event__name", "recipient__name", "package__name")
        ),
    }


def export_json(path: Path) -> dict[str, int]:
    counts = {}
    data = {"format": "bakery", "version": 1}
    for name, rows in sections().items():
        data[name] = list(rows)
        counts[name] = len(data[name])
    path.write_text(
        json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return counts


def export_backup(path: Path) -> dict[str, int]:
    """Writes every row of the database to `path` (format version 2), one row
    a line, rows in id order, keys in field order: the same data always
    makes the same bytes. Written to a file beside it, then moved into
    place, so a failed export leaves no half backup."""
    counts = {}
    partial = path.with_name(f".{path.name}.partial")
    try:
        with snapshot(), partial.open("w", encoding="utf-8", newline="\n") as out:
            out.write("{")
            out.write(
                ",".join(
                    f"\n {json.dumps(k)}: {json.dumps(v)}" for k, v in HEADER.items()
                )
            )
            for section, rows in backup_sections():
                out.write(f",\n {json.dumps(section)}: [")
                count = 0
                for row in rows:
                    out.write(",\n  " if count else "\n  ")
                    out.write(json.dumps(row, ensure_ascii=False))
                    count += 1
                out.write("\n ]" if count else "]")
                counts[section] = count
            out.write("\n}\n")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def neutralise(value) -> str:
    """A cell a spreadsheet would run as a formula is kept as text."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def export_csv(folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    nested = {
        "recipes": ("recipe_lines", "recipe", "slug", "lines"),
        "packages": ("package_items", "package", "name", "items"),
    }
    for name, rows in sections().items():
        rows = list(rows)
        counts[name] = len(rows)
        children = []
        if name in nested:
            file_name, key, parent_key, field = nested[name]
            for row in rows:
                for child in row.pop(field):
                    children.append({key: row[parent_key], **child})
            _write_csv(folder / f"{file_name}.csv", children)
        _write_csv(folder / f"{name}.csv", rows)
    return counts


def _write_csv(path: Path, rows: list[dict]) -> None:
    if not rows:
        path.write_text("", encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise(_plain(v)) for k, v in row.items()})
