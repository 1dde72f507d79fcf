"""Products, by ingredient, brand, name and package. A bake-tracker product
whose unit does not convert to its ingredient's stock unit may set that
unit (see `_adapt`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from bakery.numbers import quantize_quantity
from pantry import units
from pantry.models import Product
from production.dataio.plan import Pending, Plan, name_of
from production.dataio.rows import DataSet, Problem, Row
from production.dataio.sections import ingredients
from production.dataio.sections.common import (
    create,
    merge,
    repeated,
    update_or_keep,
    write_creates,
)
from production.dataio.values import RowFields

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = "products"
# Of a product matched, what a row may change: the rest is its key.
KEPT = ("package_type", "is_preferred", "upc")


def key(ingredient, brand: str, name: str, quantity, package_unit: str) -> tuple:
    """A product's natural key: ingredient (saved or pending), brand and
    name (any case), package quantity and unit."""
    return (
        ingredient,
        brand.lower(),
        name.lower(),
        quantize_quantity(quantity),
        package_unit,
    )


def by_name(planner: Planner) -> dict[tuple, list[tuple[str, Any]]]:
    """The products planned so far by (ingredient, lower-cased name), each
    with its lower-cased brand: what `find` looks in, built once."""
    index: dict[tuple, list[tuple[str, Any]]] = defaultdict(list)
    for (ingredient, brand, name, *_), product in planner.products.items():
        index[ingredient, name].append((brand, product))
    return index


def find(index: dict[tuple, list], ingredient, brand: str, name: str) -> list:
    """The products of the ingredient with this name, and this brand if
    given, in an index made by `by_name`."""
    return [
        product
        for product_brand, product in index.get((ingredient, name.lower()), ())
        if not brand or product_brand == brand.lower()
    ]


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Indexes the saved products, then plans the rows; at most one product
    of an ingredient is preferred."""
    for product in Product.objects.select_related("ingredient"):
        planner.products[
            key(
                product.ingredient,
                product.brand,
                product.name,
                product.package_quantity,
                product.package_unit,
            )
        ] = product
    planner.lot_files = _lot_references(planner.dataset)
    seen: dict[tuple, Row] = {}
    for row in rows:
        _plan_row(planner, row, seen)
    _one_preferred(planner)


def _plan_row(planner: Planner, row: Row, seen: dict[tuple, Row]) -> None:
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
    planner.fits(row, Product, values, fields=fields)
    ingredient = None
    if reference:
        ingredient = ingredients.find(
            planner, row, reference, unit_hint=values["package_unit"] or ""
        )
    code = values["package_unit"]
    if (
        ingredient is not None
        and code
        and ingredients.conversion_problem(planner, ingredient, code)
    ):
        adapted = _adapt(planner, row, ingredient, code, fields)
        if adapted is not None:
            values["package_unit"] = adapted
    if not planner.report(row, fields) or ingredient is None:
        return
    product_key = key(
        ingredient,
        values["brand"],
        values["name"],
        values["package_quantity"],
        values["package_unit"],
    )
    if repeated(planner, row, seen, product_key, "name", values["name"]):
        return
    existing = planner.products.get(product_key)
    kept = {name: values[name] for name in KEPT}
    if isinstance(existing, Pending):
        merge(row, existing, kept)
    elif existing is None:
        planner.products[product_key] = create(
            planner,
            section=NAME,
            row=row,
            model=Product,
            values={**values, "ingredient": ingredient},
        )
    else:
        update_or_keep(planner, section=NAME, row=row, obj=existing, values=kept)


def _one_preferred(planner: Planner) -> None:
    """A product created preferred, of an ingredient that would have more
    than one preferred product, is a problem."""
    preferred = Counter(
        product_key[0]
        for product_key, product in planner.products.items()
        if (
            product.values["is_preferred"]
            if isinstance(product, Pending)
            else planner.as_planned(product).is_preferred
        )
    )
    for product_key, product in planner.products.items():
        if (
            isinstance(product, Pending)
            and product.values["is_preferred"]
            and preferred[product_key[0]] > 1
        ):
            planner.plan.problems.append(
                Problem(
                    product.source,
                    "is_preferred",
                    True,
                    f"{name_of(product_key[0])} would have "
                    f"{preferred[product_key[0]]} preferred products; mark one",
                )
            )


def _lot_references(dataset: DataSet) -> dict[str, int]:
    """The first file whose lots name each ingredient reference
    (lower-cased): a product of a later file finds its ingredient with
    lots, as it would if the files were imported one at a time."""
    first: dict[str, int] = {}
    for row in dataset.rows.get("lots", []):
        reference = row.data.get("ingredient")
        if isinstance(reference, str) and reference.strip():
            first.setdefault(reference.strip().lower(), row.file)
    return first


def _has_lots(planner: Planner, ingredient, row: Row) -> bool:
    """Whether the ingredient has lots, saved or in a file before the
    row's."""
    if not isinstance(ingredient, Pending) and ingredient.lots.exists():
        return True
    return any(
        file < row.file and planner.ingredients.find(reference) is ingredient
        for reference, file in planner.lot_files.items()
    )


def _adapt(
    planner: Planner, row: Row, ingredient, code: str, fields: RowFields
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
            "package_unit",
            code,
            ingredients.conversion_problem(planner, ingredient, code),
        )
        return None
    facts = ingredients.facts(planner, ingredient)
    has_products = any(product_key[0] == ingredient for product_key in planner.products)
    if has_products or _has_lots(planner, ingredient, row):
        if code == "oz" and units.UNITS[facts.stock_unit][1] == units.VOLUME:
            planner.warn(
                row,
                f"oz of {facts.name}, which is counted by volume and has "
                "products or lots already, taken as fl oz.",
            )
            return "fl oz"
        fields.refuse(
            "package_unit",
            code,
            ingredients.conversion_problem(planner, ingredient, code),
        )
        return None
    base = units.BASE_UNIT[units.UNITS[code][1]]
    if isinstance(ingredient, Pending):
        ingredient.values["stock_unit"] = base
    else:
        planner.change(row, ingredient, {"stock_unit": base})
        planner.plan.counts.updated["ingredients"] += 1
    planner.warn(
        row,
        f"{facts.name} is counted in {base} from now on, as its products are "
        f"sold in {code} and it has no fact to convert them.",
    )
    return code


def write(plan: Plan, *, progress) -> None:
    write_creates(plan, section=NAME)
