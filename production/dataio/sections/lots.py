"""Lots: purchases recorded through the pantry's purchase service. A row
identical to a lot held already (saved, or from a file before its own) is
that lot, one row per lot: without a cost it stays that lot even once
priced, and with one it gives an unpriced lot its cost."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext
from typing import TYPE_CHECKING

from bakery.numbers import quantize_money, quantize_quantity
from pantry import units
from pantry.models import Lot
from pantry.services import Purchase, record_purchases
from production.dataio.plan import Pending, Plan, PlannedLot, saved
from production.dataio.rows import Row
from production.dataio.sections import ingredients, products
from production.dataio.sections.common import refused_as
from production.dataio.values import RowFields

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = "lots"


@dataclass(eq=False, slots=True)
class _LotMatch:
    """A lot that a row identical to it, but for its cost, is: a saved one
    (`lot_id`) or one planned from an earlier file."""

    cost: Decimal | None  # None: unpriced
    lot_id: int | None = None
    planned: PlannedLot | None = None


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Plans the lots to record, and the saved lots a row gives their cost.
    The saved lots of the ingredients are read in one query.

    Each row is let go of once planned (the dataset keeps no lot rows):
    100,000 of them are a third of an import's memory, and nothing reads
    them after."""
    existing = _saved_lots(planner) if rows else defaultdict(list)
    product_names = products.by_name(planner)
    total, file, of_file = len(rows), None, []
    last_file = rows[-1].file if rows else None
    for index in range(total):
        row, rows[index] = rows[index], None
        if (index + 1) % 5000 == 0 or index + 1 == total:
            planner.progress("checking lots", index + 1, total)
        if row.file != file:
            for lot_key, match in of_file:  # there for the files after theirs
                existing[lot_key].append(match)
            file, of_file = row.file, []
        planned = _plan_row(planner, row, product_names)
        if planned is None:
            continue
        lot_key = key(planned)
        cost = planned.values["total_cost"]
        cost = None if cost is None else rounded(quantize_money, cost)
        match = _take_match(existing.get(lot_key), cost)
        if match is None:
            planner.plan.purchases.append(planned)
            planner.plan.counts.created[NAME] += 1
            if row.file != last_file:
                of_file.append((lot_key, _LotMatch(cost, planned=planned)))
        elif match.cost is None and cost is not None:
            set_price(planner, match, planned.values["total_cost"], row.source)
            planner.plan.counts.updated[NAME] += 1
        else:
            planner.plan.counts.unchanged[NAME] += 1
    rows.clear()


def _saved_lots(planner: Planner) -> dict[tuple, list[_LotMatch]]:
    """The saved lots of the saved ingredients, by `key`."""
    existing: dict[tuple, list[_LotMatch]] = defaultdict(list)
    saved_ingredients = {
        target.pk: target
        for target in planner.ingredients.by_slug.values()
        if not isinstance(target, Pending)
    }
    saved_products = {
        product.pk: product
        for product in planner.products.values()
        if not isinstance(product, Pending)
    }
    if not saved_ingredients:
        return existing
    for pk, ingredient_id, product_id, *lot_key, cost, priced in Lot.objects.filter(
        ingredient_id__in=saved_ingredients
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
        product = saved_products.get(product_id) if product_id else None
        lot_key = (saved_ingredients[ingredient_id], product, *lot_key)
        existing[lot_key].append(_LotMatch(cost if priced else None, lot_id=pk))
    return existing


def _plan_row(
    planner: Planner, row: Row, product_names: dict[tuple, list]
) -> PlannedLot | None:
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
        ingredient = ingredients.find(planner, row, reference, unit_hint=lot_unit or "")
    if ingredient is not None and product_name:
        matches = products.find(product_names, ingredient, brand or "", product_name)
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
        problem = ingredients.conversion_problem(planner, ingredient, lot_unit)
        if problem:
            fields.refuse("unit", lot_unit, problem)
    if expires_on and purchased_on and expires_on < purchased_on:
        fields.refuse("expires_on", str(expires_on), "is before the purchase date")
    stock_unit = None
    if ingredient is not None:
        stock_unit = ingredients.facts(planner, ingredient).stock_unit
        if quantity is not None and not fields.failed("unit"):
            amount = in_stock_unit(planner, ingredient, quantity, lot_unit or "")
    cost = None if total_cost is None else rounded(quantize_money, total_cost)
    converted = lot_unit and lot_unit != stock_unit
    known = {  # for Lot.clean, which compares them
        name: planner.as_planned(target)
        for name, target in (("ingredient", ingredient), ("product", product))
        if target is not None and not isinstance(target, Pending)
    }
    planner.fits(
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
    if not planner.report(row, fields) or ingredient is None:
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


def set_price(planner: Planner, match: _LotMatch, cost: Decimal, source: str) -> None:
    """Gives a lot whose cost is unknown its cost: a saved lot through
    `price_lots` when written, a planned one at purchase."""
    if match.planned is not None:
        match.planned.values["total_cost"] = cost
    else:
        planner.plan.lot_prices[match.lot_id] = cost
        planner.plan.lot_price_sources[match.lot_id] = source
    match.cost = rounded(quantize_money, cost)


def in_stock_unit(
    planner: Planner, ingredient, quantity: Decimal, code: str
) -> Decimal:
    """The quantity as a lot of the ingredient will hold it: converted to
    its stock unit (as the import leaves it) and rounded as QuantityField
    rounds it."""
    facts = ingredients.facts(planner, ingredient)
    if not code:
        return rounded(quantize_quantity, quantity)
    # Decimal's range, not the column's, could end the conversion of
    # 1E+999999 lb: the column check is the one to refuse it.
    with localcontext() as context:
        context.Emax, context.Emin = MAX_EMAX, MIN_EMIN
        amount = units.convert(quantity, code, facts.stock_unit, ingredient=facts)
    return rounded(quantize_quantity, amount)


def key(lot: PlannedLot) -> tuple:
    """What an identical lot has the same, but its cost."""
    return (
        lot.values["ingredient"],
        lot.values["product"],
        lot.values["purchased_on"],
        lot.amount,
        lot.values["supplier"],
    )


def rounded(quantize: Callable[[Decimal], Decimal], value: Decimal) -> Decimal:
    """The value rounded as its field rounds it; one with more digits than
    Decimal rounds (28) is left as it is, for its column check to refuse."""
    try:
        return quantize(value)
    except ArithmeticError:
        return value


def write(plan: Plan, *, progress) -> None:
    """Records the purchases through the pantry's service, in its bulk
    inserts; should it refuse one, the import fails naming its row."""
    if not plan.purchases:
        return
    total = len(plan.purchases)
    current = {"source": plan.purchases[0].source}

    def purchases() -> Iterator[Purchase]:
        for index, lot in enumerate(plan.purchases, start=1):
            if index % 5000 == 0 or index == total:
                progress("writing lots", index, total)
            current["source"] = lot.source
            yield Purchase(**{name: saved(value) for name, value in lot.values.items()})

    # A lot is checked as it is read from the generator: a refusal is the
    # last one read's.
    with refused_as(lambda: current["source"]):
        record_purchases(purchases=purchases())
