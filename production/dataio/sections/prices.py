"""Price lists: the price of one package of each product, as bake-tracker's
users keep them apart from their exports (a CSV file with `product_name`,
`brand`, `package_qty`, `package_unit`, `ingredient_name`, `supplier_name`,
`unit_price`).

A row prices the lots whose cost is unknown, and sets the price that plans
what is not in stock. It names a product by brand, name and package; failing
that, an ingredient by `ingredient_name`, and then that ingredient's one
product of the same package or, if it has none, its lots bought without a
product. A row that names nothing is listed with the closest names; it is
no problem, as a price list holds more than one kitchen buys. See
docs/import-format.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from bakery.numbers import format_money, quantize_money, quantize_quantity
from pantry import units
from pantry.models import Lot, Product
from production.dataio.plan import Pending, Plan, PlannedLot, PriceCounts
from production.dataio.rows import PRICES, Row
from production.dataio.sections import ingredients
from production.dataio.sections.common import refused_as
from production.dataio.sections.ingredients import closest_names
from production.dataio.values import RowFields
from production.services import price_lots

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = PRICES


@dataclass(eq=False)
class _Price:
    """A row of a price list that names a product or an ingredient."""

    row: Row
    price: Decimal  # of one package
    ingredient: Any
    product: Any  # None: the ingredient's lots bought without a product
    package: tuple[Decimal, str]  # the product's, else the row's
    per_unit: Decimal | None = None  # per stock unit; None if it cannot be


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Plans what the price list rows price (see the module's docstring);
    read last, so that they price the lots and products of every other
    section."""
    if not rows:
        return
    counts = planner.plan.counts.prices = PriceCounts()
    prices: list[_Price] = []
    for row in rows:
        found = _read(planner, row, counts)
        if found is not None:
            prices.append(found)
    by_product: dict[Any, list[_Price]] = defaultdict(list)
    by_ingredient: dict[Any, list[_Price]] = defaultdict(list)
    for price in prices:
        if price.product is not None:
            by_product[price.product].append(price)
        else:
            by_ingredient[price.ingredient].append(price)
    lots = _unpriced_lots(planner, by_product, by_ingredient)
    for product, rows_of_product in by_product.items():
        price = _agreed(planner, rows_of_product, lambda p: p.price)
        if price is None:
            continue
        counts.products += _set_latest_price(planner, product, price)
        for lot in lots["product", _identity(product)]:
            counts.lots += _price_lot(planner, lot, price)
    for ingredient, rows_of_ingredient in by_ingredient.items():
        price = _agreed(planner, rows_of_ingredient, lambda p: p.per_unit)
        if price is None:
            continue
        targets = lots["ingredient", _identity(ingredient)]
        if not targets:
            counts.unused += 1
            planner.warn(
                price.row,
                f"names {_label(ingredient)}, which has no product of this "
                "package and no unpriced lot bought without a product: it "
                "prices nothing",
                "ingredient_name",
                price.row.data.get("ingredient_name"),
            )
        for lot in targets:
            counts.lots += _price_lot(planner, lot, price)


def _read(planner: Planner, row: Row, counts: PriceCounts) -> _Price | None:
    """The row's price and what it names; None if it has no price, names
    nothing (listed as a warning) or has a problem (reported)."""
    fields = RowFields(row)
    price = fields.money("unit_price", required=False)
    product_name = fields.text("product_name")
    brand = fields.text("brand")
    ingredient_name = fields.text("ingredient_name")
    fields.text("supplier_name")
    if price is None and not fields.errors:
        counts.without_price += 1
        return None
    quantity = fields.number("package_qty")
    code = fields.unit("package_unit")
    if not (product_name or brand or ingredient_name) and not fields.errors:
        fields.refuse("product_name", "", "is required, or brand, or ingredient_name")
    planner.fits(
        row,
        Product,
        {"last_price": price, "package_quantity": quantity},
        named={"last_price": "unit_price", "package_quantity": "package_qty"},
        fields=fields,
        model_clean=False,
    )
    if not planner.report(row, fields):
        return None
    name = product_name or brand
    ingredient = planner.ingredients.find(ingredient_name) if ingredient_name else None
    if isinstance(ingredient, Pending) and ingredient.refused:
        return None  # reported with its own row
    products = [
        (key, product)
        for key, product in planner.products.items()
        if key[1] == brand.lower()
        and key[2] == name.lower()
        and _same_package(key, quantity, code)
    ]
    if len(products) > 1 and ingredient is not None:
        products = [(key, p) for key, p in products if key[0] == ingredient]
    if not products and ingredient is not None:
        products = [
            (key, product)
            for key, product in planner.products.items()
            if key[0] == ingredient and _same_package(key, quantity, code)
        ]
        if len(products) > 1:
            products = []  # several of this package: the row names none of them
    if len(products) > 1:
        counts.unused += 1
        planner.warn(
            row,
            "names several products ("
            + ", ".join(_label(product) for _, product in products)
            + "): give ingredient_name to tell them apart; not priced",
            "product_name",
            name,
        )
        return None
    if products:
        ((key, product),) = products
        found = _Price(row, price, key[0], product, (key[3], key[4]))
    elif ingredient is not None:
        found = _Price(row, price, ingredient, None, (quantity, code))
    else:
        counts.unused += 1
        planner.warn(row, _unmatched(planner, brand, name, ingredient_name))
        return None
    facts = ingredients.facts(planner, found.ingredient)
    try:
        amount = units.convert(
            found.package[0], found.package[1], facts.stock_unit, ingredient=facts
        )
    except ValidationError as error:
        counts.unused += 1
        planner.warn(
            row,
            f"names {_label(found.product or found.ingredient)}, but "
            f"{' '.join(error.messages)} Not priced.",
            "package_unit",
            code,
        )
        return None
    found.per_unit = price / amount
    return found


def _same_package(key: tuple, quantity: Decimal, code: str) -> bool:
    """Whether a product (by its key) comes in this package: the same amount
    in any unit of the same kind (16 oz is 1 lb); `oz` is the `fl oz` of a
    product read so (a liquid whose bottles say oz)."""
    size, product_unit = key[3], key[4]
    if code == "oz" and product_unit == "fl oz":
        code = "fl oz"
    if units.UNITS[code][1] != units.UNITS[product_unit][1]:
        return False
    return quantize_quantity(units.convert(quantity, code, product_unit)) == size


def _agreed(planner: Planner, rows: list[_Price], value) -> _Price | None:
    """The row whose price all rows naming the same thing agree on; if they
    do not, none (a warning names them)."""
    first = rows[0]
    others = [price for price in rows[1:] if value(price) != value(first)]
    if not others:
        return first
    what = _label(first.product or first.ingredient)
    for other in others:
        planner.warn(
            other.row,
            f"prices {what} at {format_money(other.price)} a package, but "
            f"{first.row.source} at {format_money(first.price)}: it is not priced",
            "unit_price",
            other.row.data.get("unit_price"),
        )
    return None


def _unpriced_lots(planner: Planner, by_product, by_ingredient) -> dict:
    """The lots whose cost is unknown, saved or planned, by ("product", its
    product) and by ("ingredient", its ingredient) for those bought without
    a product. One query."""
    lots: dict[tuple, list[Lot | PlannedLot]] = defaultdict(list)
    saved_products = [p.pk for p in by_product if not isinstance(p, Pending)]
    saved_ingredients = [i.pk for i in by_ingredient if not isinstance(i, Pending)]
    if saved_products or saved_ingredients:
        query = Lot.objects.filter(is_priced=False).filter(
            Q(product_id__in=saved_products)
            | Q(product__isnull=True, ingredient_id__in=saved_ingredients)
        )
        for lot in query.order_by("purchased_on", "pk").only(
            "pk", "ingredient_id", "product_id", "quantity_purchased"
        ):
            if lot.pk in planner.plan.lot_prices:
                continue  # a lot row of the import gives it its cost
            if lot.product_id is not None:
                lots["product", ("saved", lot.product_id)].append(lot)
            else:
                lots["ingredient", ("saved", lot.ingredient_id)].append(lot)
    for lot in planner.plan.purchases:
        if lot.values["total_cost"] is not None:
            continue
        product = lot.values["product"]
        if product is not None:
            lots["product", _identity(product)].append(lot)
        else:
            lots["ingredient", _identity(lot.values["ingredient"])].append(lot)
    return lots


def _identity(target) -> tuple:
    if isinstance(target, Pending):
        return ("pending", id(target))
    return ("saved", target.pk)


def _price_lot(planner: Planner, lot: Lot | PlannedLot, price: _Price) -> int:
    """Gives the lot the row's price for its quantity: the price of a
    package times the packages it holds."""
    if isinstance(lot, PlannedLot):
        lot.values["total_cost"] = quantize_money(lot.amount * price.per_unit)
    else:
        cost = quantize_money(lot.quantity_purchased * price.per_unit)
        planner.plan.lot_prices[lot.pk] = cost
        planner.plan.lot_price_sources[lot.pk] = price.row.source
    return 1


def _set_latest_price(planner: Planner, product, price: _Price) -> int:
    """Sets the product's latest price (for the fallback of the estimates);
    whether it changes."""
    if isinstance(product, Pending):
        product.values["last_price"] = price.price
        return 1
    if product.last_price == price.price:
        return 0
    planner.change(price.row, product, {"last_price": price.price})
    return 1


def _label(target) -> str:
    if isinstance(target, Pending):
        values = target.values
        if target.model is Product:
            size = units.format_number(values["package_quantity"])
            label = " ".join(p for p in (values["brand"], values["name"]) if p)
            return f"{label}, {size} {values['package_unit']}"
        return values["name"]
    return str(target) if isinstance(target, Product) else target.name


def _unmatched(planner: Planner, brand: str, name: str, ingredient_name: str) -> str:
    products = {_label(p).lower(): _label(p) for p in planner.products.values()}
    closest = closest_names(f"{brand} {name}".strip(), products)
    if ingredient_name:
        closest += planner.ingredients.suggestions(ingredient_name)
    hint = f" Closest: {', '.join(dict.fromkeys(closest))}." if closest else ""
    return (
        "names no product by brand, name and package, and no ingredient by "
        f"ingredient_name: not priced.{hint}"
    )


def write(plan: Plan, *, progress) -> None:
    """Gives saved lots whose cost was unknown their cost: priced by a price
    list, or by a lot row identical to them but for its cost."""
    if not plan.lot_prices:
        return
    sources = sorted(set(plan.lot_price_sources.values()))
    with refused_as(", ".join(sources[:3]) + (" and more" if sources[3:] else "")):
        price_lots(prices=plan.lot_prices)
