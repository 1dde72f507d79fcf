"""Writes to the pantry: purchases, FIFO consumption, adjustments, returns.

Every read-modify-write of lots locks them through `lock_lots`, in one order
(ingredient, purchased_on, id), so that two writers can never deadlock: the
FIFO order is the lock order.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from bakery.bulk import insert, save_fields
from bakery.numbers import ZERO, quantize_money, quantize_quantity, to_decimal
from bakery.users import acting_user
from pantry.exceptions import (
    InsufficientStock,
    ReceiptAlreadyRecorded,
    Shortage,
    TransactionRequired,
)
from pantry.models import (
    Ingredient,
    Lot,
    LotQuerySet,
    MovementKind,
    Product,
    Recipe,
    RecipeLine,
    RecordedReceipt,
    StockLot,
    StockMovement,
)
from pantry.units import format_quantity

# What FIFO takes from: whole lots, or lots in stock read as values.
LotLike = Lot | StockLot


@dataclass(frozen=True)
class FifoLine:
    """What one lot gives: quantity in the stock unit and its cost."""

    lot: LotLike  # a Lot once written
    quantity: Decimal
    cost: Decimal
    movement: StockMovement | None = None


@dataclass(frozen=True)
class FifoResult:
    ingredient: Ingredient
    quantity: Decimal  # asked for, in the stock unit
    unit: str  # the stock unit
    lines: tuple[FifoLine, ...]
    total_cost: Decimal
    shortfall: Decimal

    @property
    def satisfied(self) -> bool:
        return self.shortfall == 0

    @property
    def allocated(self) -> Decimal:
        return self.quantity - self.shortfall

    @property
    def shortage(self) -> Shortage | None:
        if self.satisfied:
            return None
        return Shortage(
            ingredient=self.ingredient,
            needed=self.quantity,
            available=self.allocated,
            unit=self.unit,
        )


def lock_lots(
    *, ingredients: Iterable[Ingredient], include_empty: bool = False
) -> dict[int, list[Lot]]:
    """Locks every lot in stock (or every lot, with `include_empty`) of these
    ingredients, in the one lock order.

    Returns the lots by ingredient id, oldest first. Must run inside
    `transaction.atomic`; on SQLite the IMMEDIATE transaction already holds
    the database's write lock.
    """
    ids = sorted({ingredient.pk for ingredient in ingredients})
    in_stock = {} if include_empty else {"quantity_remaining__gt": 0}
    lots = _lock(ingredient_id__in=ids, **in_stock)
    by_ingredient: dict[int, list[Lot]] = {pk: [] for pk in ids}
    for lot in lots:
        by_ingredient[lot.ingredient_id].append(lot)
    return by_ingredient


def lock_stock(*, ingredients: Iterable[Ingredient]) -> dict[int, list[StockLot]]:
    """`lock_lots` of the lots in stock, read as StockLots: what taking from
    them reads, without building a whole lot of each (a batch takes from the
    oldest few of many). `write_consumption` writes what is taken of them.
    Must run inside `transaction.atomic`."""
    ids = sorted({ingredient.pk for ingredient in ingredients})
    return {pk: [] for pk in ids} | _locking(ingredient_id__in=ids).stock_lots()


def allocate_fifo(
    lots: Sequence[LotLike], quantity: Decimal
) -> tuple[list[FifoLine], Decimal]:
    """Takes `quantity` from the lots in the order given; returns lines and shortfall.

    A piece that empties a lot takes all of its remaining cost; a smaller
    piece takes its share of the remaining cost, rounded half up, so a lot's
    cost is spent exactly, whatever the pieces.
    """
    needed = quantity
    lines: list[FifoLine] = []
    for lot in lots:
        if needed <= 0:
            break
        if lot.quantity_remaining <= 0:
            continue
        take = min(needed, lot.quantity_remaining)
        if take == lot.quantity_remaining:
            cost = lot.cost_remaining
        else:
            cost = quantize_money(lot.cost_remaining * take / lot.quantity_remaining)
        lines.append(FifoLine(lot=lot, quantity=take, cost=cost))
        needed -= take
    return lines, max(needed, ZERO)


def consume_fifo(
    *,
    ingredient: Ingredient,
    quantity: Decimal,
    unit: str | None = None,
    dry_run: bool = False,
    lots: Sequence[Lot] | None = None,
    note: str = "",
    user=None,
) -> FifoResult:
    """Consumes the oldest lots first (purchased_on, then id).

    `quantity` is in `unit` (default: the ingredient's stock unit). With
    `dry_run` nothing is written and a shortfall is reported in the result.
    Otherwise the caller's `transaction.atomic` is required, the lots are
    locked (or taken from `lots`, locked by the caller with `lock_lots`), a
    shortfall raises InsufficientStock before anything is written, and each
    lot touched gets one consumption movement. The number of queries does
    not depend on the number of lots.
    """
    amount = quantize_quantity(ingredient.to_stock_unit(to_decimal(quantity), unit))
    if amount <= 0:
        raise ValidationError(
            "Quantity to consume must be above zero, not %(value)s.",
            code="not_positive",
            params={"value": quantity},
        )
    if not dry_run:
        _require_transaction()
    if lots is None:
        if dry_run:
            lots = list(Lot.objects.filter(ingredient=ingredient).in_stock().fifo())
        else:
            lots = lock_lots(ingredients=[ingredient])[ingredient.pk]
    elif any(lot.ingredient_id != ingredient.pk for lot in lots):
        raise ValueError(
            f"Lots given to consume {ingredient} belong to another ingredient."
        )

    if dry_run:
        return _allocation(ingredient, amount, lots)
    [result] = consume_fifo_many(
        needs=[(ingredient, amount)], lots={ingredient.pk: lots}, note=note, user=user
    )
    return result


def consume_fifo_many(
    *,
    needs: Sequence[tuple[Ingredient, Decimal]],
    lots: Mapping[int, Sequence[Lot]] | None = None,
    note: str = "",
    user=None,
) -> list[FifoResult]:
    """Consumes several ingredients at once, each oldest lot first, for a
    production: `needs` are (ingredient, quantity in its stock unit), each
    ingredient once. Every shortage is raised together, in one
    InsufficientStock, before anything is written; the writes for all of
    them take the same few queries however many lots they touch. Runs in the
    caller's transaction, with the lots locked by `lock_lots` (or locks them).
    """
    _require_transaction()
    if lots is None:
        lots = lock_lots(ingredients=[ingredient for ingredient, _ in needs])
    return write_consumption(
        allocate_fifo_many(needs=needs, lots=lots), note=note, user=user
    )


def allocate_fifo_many(
    *,
    needs: Sequence[tuple[Ingredient, Decimal]],
    lots: Mapping[int, Sequence[LotLike]],
) -> list[FifoResult]:
    """What `consume_fifo_many` takes from the lots given (by ingredient id),
    each ingredient once; raises InsufficientStock naming every shortage.
    Writes nothing: `write_consumption` writes it."""
    ingredients = [ingredient for ingredient, _ in needs]
    if len({ingredient.pk for ingredient in ingredients}) != len(ingredients):
        raise ValueError("Give each ingredient once: add up its quantities first.")
    results = [
        _allocation(ingredient, quantize_quantity(quantity), lots[ingredient.pk])
        for ingredient, quantity in needs
    ]
    shortages = [result.shortage for result in results if not result.satisfied]
    if shortages:
        raise InsufficientStock(shortages)
    return results


def write_consumption(
    results: Sequence[FifoResult], *, note: str = "", user=None
) -> list[FifoResult]:
    """Writes what `allocate_fifo_many` took from the locked lots (Lots, or
    StockLots from `lock_stock`), one consumption movement per lot, in the
    caller's transaction; returns the results with each line's lot as a Lot
    and its movement."""
    _require_transaction()
    results = [
        replace(result, lines=tuple(map(_with_whole_lot, result.lines)))
        for result in results
    ]
    movements = iter(
        _write_movements(
            [
                (line.lot, -line.quantity, -line.cost)
                for result in results
                for line in result.lines
            ],
            kind=MovementKind.CONSUMPTION,
            note=note,
            user=user,
        )
    )
    return [
        replace(
            result,
            lines=tuple(
                replace(line, movement=next(movements)) for line in result.lines
            ),
        )
        for result in results
    ]


def _with_whole_lot(line: FifoLine) -> FifoLine:
    if isinstance(line.lot, StockLot):
        return replace(line, lot=line.lot.as_lot())
    return line


def consumption_order(lots: Sequence[LotLike]) -> list[LotLike]:
    """The lots in the order production takes them: oldest purchase first, or
    with `settings.FIFO_ORDER = "expiry"` first to expire first (lots without
    an expiry date last), ties by purchase date then id. Locks are always
    taken in purchase order; only the taking follows this order."""
    if settings.FIFO_ORDER == "expiry":
        return sorted(
            lots,
            key=lambda lot: (
                lot.expires_on is None,
                lot.expires_on or datetime.date.max,
                lot.purchased_on,
                lot.pk,
            ),
        )
    return list(lots)


def _allocation(
    ingredient: Ingredient, amount: Decimal, lots: Sequence[LotLike]
) -> FifoResult:
    lines, shortfall = allocate_fifo(consumption_order(lots), amount)
    return FifoResult(
        ingredient=ingredient,
        quantity=amount,
        unit=ingredient.stock_unit,
        lines=tuple(lines),
        total_cost=sum((line.cost for line in lines), ZERO),
        shortfall=shortfall,
    )


@dataclass(frozen=True)
class Purchase:
    """One purchase to record: `quantity` is in `unit` (default: stock unit)."""

    ingredient: Ingredient
    quantity: Decimal
    total_cost: Decimal | None  # None: unknown, the lot is unpriced
    purchased_on: datetime.date
    unit: str | None = None
    product: Product | None = None
    expires_on: datetime.date | None = None
    supplier: str = ""
    notes: str = ""


def record_purchase(**purchase) -> Lot:
    """Records a new lot; its quantity is converted to the ingredient's stock
    unit. Takes the fields of `Purchase` as keyword arguments."""
    lot = new_lot(Purchase(**purchase))
    lot.full_clean()
    lot.save()
    return lot


PURCHASE_BATCH = 2000


def record_purchases(*, purchases: Iterable[Purchase]) -> int:
    """Records many purchases in batches of bulk inserts; returns how many.

    Each is checked as `record_purchase` checks it, without a query per lot;
    the first bad one raises ValidationError. Runs in the caller's
    transaction, so that a failure leaves nothing of the batch.
    """
    _require_transaction()
    count = 0
    batch: list[Lot] = []
    for purchase in purchases:
        lot = new_lot(purchase)
        check_lot(lot)
        batch.append(lot)
        if len(batch) >= PURCHASE_BATCH:
            insert(batch)
            count += len(batch)
            batch = []
    insert(batch)
    return count + len(batch)


def new_lot(purchase: Purchase) -> Lot:
    """The unsaved, full lot of a purchase, its quantity in the stock unit."""
    ingredient = purchase.ingredient
    amount = quantize_quantity(
        ingredient.to_stock_unit(to_decimal(purchase.quantity), purchase.unit)
    )
    priced = purchase.total_cost is not None
    cost = quantize_money(to_decimal(purchase.total_cost)) if priced else ZERO
    return Lot(
        ingredient=ingredient,
        product=purchase.product,
        purchased_on=purchase.purchased_on,
        quantity_purchased=amount,
        quantity_remaining=amount,
        total_cost=cost,
        cost_remaining=cost,
        is_priced=priced,
        expires_on=purchase.expires_on,
        supplier=purchase.supplier,
        notes=purchase.notes,
    )


def check_lot(lot: Lot) -> None:
    """The checks of `Lot.full_clean()` that matter for a new lot, in Python
    alone (full_clean asks the database once per constraint)."""
    errors = {}
    if lot.quantity_purchased <= 0:
        errors["quantity_purchased"] = [
            f"A purchase must be above zero, not {lot.quantity_purchased}."
        ]
    if lot.total_cost < 0:
        errors["total_cost"] = [f"A cost cannot be negative: {lot.total_cost}."]
    try:
        lot.clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def adjust_lot(
    *,
    lot: Lot,
    kind: str,
    quantity: Decimal,
    reason: str,
    user=None,
) -> StockMovement:
    """Writes waste off a lot, or corrects its remaining quantity to a count.

    For waste, `quantity` is how much was thrown away; for a correction, it
    is the quantity counted on hand. A quantity going down takes its share of
    the remaining cost; going back up (undoing an earlier error) restores
    cost at the lot's purchase price, never above its total cost.
    """
    errors: dict[str, list[str]] = {}
    if kind not in (MovementKind.WASTE, MovementKind.CORRECTION):
        errors["kind"] = [f"Choose waste or count correction, not “{kind}”."]
    if not (reason or "").strip():
        errors["reason"] = ["Say why the stock changes."]
    try:
        amount = quantize_quantity(to_decimal(quantity))
    except (ValidationError, TypeError):
        errors["quantity"] = [f"“{quantity}” is not a quantity."]
        amount = None
    if errors:
        raise ValidationError(errors)

    [locked] = _lock(pk=lot.pk)
    unit = lot.ingredient.stock_unit
    if kind == MovementKind.WASTE:
        if amount <= 0:
            raise ValidationError({"quantity": ["Waste must be above zero."]})
        if amount > locked.quantity_remaining:
            raise ValidationError(
                {
                    "quantity": [
                        f"Cannot waste {format_quantity(amount, unit)}: the lot has "
                        f"{format_quantity(locked.quantity_remaining, unit)} left."
                    ]
                }
            )
        change = -amount
    else:
        if amount < 0:
            raise ValidationError(
                {"quantity": ["A counted quantity cannot be negative."]}
            )
        if amount > locked.quantity_purchased:
            raise ValidationError(
                {
                    "quantity": [
                        f"A lot cannot hold more than was bought "
                        f"({format_quantity(locked.quantity_purchased, unit)}); "
                        "record a new purchase instead."
                    ]
                }
            )
        change = amount - locked.quantity_remaining
        if change == 0:
            raise ValidationError(
                {
                    "quantity": [
                        "The count is what the lot already holds: nothing to correct."
                    ]
                }
            )
    [movement] = _write_movements(
        [(locked, change, _cost_of_change(locked, change))],
        kind=kind,
        note=reason.strip(),
        user=user,
    )
    lot.refresh_from_db(fields=["quantity_remaining", "cost_remaining"])
    return movement


def _cost_of_change(lot: Lot, change: Decimal) -> Decimal:
    if change < 0:
        [line], _ = allocate_fifo([lot], -change)
        return -line.cost
    if lot.quantity_remaining + change == lot.quantity_purchased:
        return lot.total_cost - lot.cost_remaining
    cost = quantize_money(lot.total_cost * change / lot.quantity_purchased)
    return min(cost, lot.total_cost - lot.cost_remaining)


def return_consumption(
    *, movements: Sequence[StockMovement], note: str = "", user=None
) -> list[StockMovement]:
    """Puts consumed stock back on its lots, quantity and cost exactly.

    Each consumption movement gets one reversal movement; a consumption
    already returned is refused. A lot counted up since (a count correction)
    takes back only what fits under its purchased quantity: the count already
    holds the rest, and the reversal's note says how much was not returned.
    Must run inside the caller's transaction.
    """
    _require_transaction()
    if not movements:
        return []
    movement_ids = [movement.pk for movement in movements]
    consumed = list(
        StockMovement.objects.filter(pk__in=movement_ids)
        .select_related("reversed_by")
        .order_by("pk")
    )
    problems = []
    for movement in consumed:
        if movement.kind != MovementKind.CONSUMPTION:
            problems.append(
                f"Movement #{movement.pk} is a {movement.kind}, not a consumption."
            )
        elif hasattr(movement, "reversed_by"):
            problems.append(f"Movement #{movement.pk} was already returned.")
    if len(consumed) != len(set(movement_ids)):
        problems.append("Some movements to return do not exist.")
    if problems:
        raise ValidationError(problems)
    lots = {lot.pk: lot for lot in _lock(pk__in={m.lot_id for m in consumed})}
    changes, notes, returned = [], [], []
    room = {
        pk: lot.quantity_purchased - lot.quantity_remaining for pk, lot in lots.items()
    }
    cost_room = {pk: lot.total_cost - lot.cost_remaining for pk, lot in lots.items()}
    for movement in consumed:
        lot = lots[movement.lot_id]
        quantity = min(-movement.quantity, room[lot.pk])
        if quantity == -movement.quantity:
            cost = -movement.cost
        else:
            cost = quantize_money(-movement.cost * quantity / -movement.quantity)
        cost = min(cost, cost_room[lot.pk])
        room[lot.pk] -= quantity
        cost_room[lot.pk] -= cost
        if quantity <= 0:
            continue  # the count already holds all of it: nothing to move
        kept = -movement.quantity - quantity
        if kept:
            stock_unit = Ingredient.objects.get(pk=lot.ingredient_id).stock_unit
            note_here = (
                f"{note}; {format_quantity(kept, stock_unit)} not returned: "
                "the lot was counted since"
            )
        changes.append((lot, quantity, cost))
        notes.append(note_here if kept else note)
        returned.append(movement)
    return _write_movements(
        changes, kind=MovementKind.REVERSAL, note=notes, user=user, reverses=returned
    )


def _write_movements(
    changes: Sequence[tuple[Lot, Decimal, Decimal]],
    *,
    kind: str,
    note: str | Sequence[str],
    user,
    reverses: Sequence[StockMovement] | None = None,
) -> list[StockMovement]:
    """Applies signed changes to locked lots: one movement each, bulk writes.
    `note` is one for all, or one per change."""
    if not changes:
        return []
    notes = [note] * len(changes) if isinstance(note, str) else note
    movements = []
    for index, (lot, quantity, cost) in enumerate(changes):
        lot.quantity_remaining = quantize_quantity(lot.quantity_remaining + quantity)
        lot.cost_remaining = quantize_money(lot.cost_remaining + cost)
        movements.append(
            StockMovement(
                lot=lot,
                kind=kind,
                quantity=quantize_quantity(quantity),
                cost=quantize_money(cost),
                note=notes[index][:500],
                created_by=acting_user(user),
                reverses=reverses[index] if reverses else None,
            )
        )
    insert(movements)
    save_fields(
        list({lot.pk: lot for lot, _, _ in changes}.values()),
        ["quantity_remaining", "cost_remaining"],
    )
    return movements


def _lock(**lookups) -> list[Lot]:
    """Locks the matching lots in the one lock order and reads them at once."""
    return list(_locking(**lookups).fifo())


def _locking(**lookups) -> LotQuerySet:
    """The matching lots, locked as they are read (read them in the one lock
    order, `fifo`)."""
    _require_transaction()
    return Lot.objects.select_for_update(of=("self",)).filter(**lookups)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise TransactionRequired(
            "Stock changes must run inside transaction.atomic, so that they "
            "are all or nothing."
        )


# --- The baker's pages: receipts, new ingredients and products, recipes ------


@transaction.atomic
def record_receipt(
    *, purchases: Sequence[Purchase], submission_key: str | None = None
) -> int:
    """Records the purchases of one receipt, all or nothing; returns how many.
    A `submission_key` already recorded (a second click, a resubmitted form)
    records nothing and raises ReceiptAlreadyRecorded."""
    if not purchases:
        raise ValidationError("A receipt needs at least one purchase.")
    if submission_key:
        _keep_submission(submission_key, purchases=len(purchases))
    return record_purchases(purchases=purchases)


def _keep_submission(key: str, *, purchases: int) -> None:
    """Keeps the key of the form that records `purchases`; a key kept
    already raises ReceiptAlreadyRecorded. Runs in the caller's transaction,
    so that a purchase refused keeps no key."""
    try:
        with transaction.atomic():
            RecordedReceipt.objects.create(key=key, purchases=purchases)
    except IntegrityError:
        raise ReceiptAlreadyRecorded(RecordedReceipt.objects.get(key=key)) from None


def check_purchase(purchase: Purchase) -> None:
    """Raises the ValidationError `record_purchase` would raise, writing nothing."""
    check_lot(new_lot(purchase))


@transaction.atomic
def repeat_last_purchase(
    *,
    product: Product,
    purchased_on: datetime.date | None = None,
    submission_key: str | None = None,
) -> Lot:
    """Buys again what the product's newest lot bought: the same quantity,
    price (unpriced stays unpriced) and supplier, dated today by default.
    A `submission_key` already recorded (a second tap on the same button)
    buys nothing and raises ReceiptAlreadyRecorded."""
    last = (
        Lot.objects.filter(product=product)
        .select_related("ingredient", "product")
        .order_by("-purchased_on", "-pk")
        .first()
    )
    if last is None:
        raise ValidationError(
            f"{product} has never been bought: record its first purchase."
        )
    if submission_key:
        _keep_submission(submission_key, purchases=1)
    return record_purchase(
        ingredient=last.ingredient,
        product=product,
        quantity=last.quantity_purchased,
        total_cost=last.total_cost if last.is_priced else None,
        purchased_on=purchased_on or timezone.localdate(),
        supplier=last.supplier,
    )


def unique_slug(model, name: str, *, separator: str = "-") -> str:
    """A slug for `name` that no row of `model` has yet: "shortbread",
    then "shortbread-2"."""
    field = model._meta.get_field("slug")
    base = (slugify(name) or "item").replace("-", separator)[: field.max_length - 4]
    taken = set(
        model.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}{separator}{number}", number + 1
    return slug


@transaction.atomic
def create_ingredient(
    *,
    name: str,
    stock_unit: str,
    category: str = "",
    density_g_per_ml: Decimal | None = None,
    grams_per_each: Decimal | None = None,
    description: str = "",
    notes: str = "",
) -> Ingredient:
    """Adds an ingredient with a slug made from its name; bad fields raise
    ValidationError by field."""
    ingredient = Ingredient(
        name=(name or "").strip(),
        category=(category or "").strip(),
        stock_unit=stock_unit,
        density_g_per_ml=density_g_per_ml,
        grams_per_each=grams_per_each,
        description=description,
        notes=notes,
    )
    ingredient.slug = unique_slug(Ingredient, ingredient.name, separator="_")
    ingredient.full_clean()
    ingredient.save()
    return ingredient


INGREDIENT_FACTS = (
    "name",
    "category",
    "stock_unit",
    "density_g_per_ml",
    "grams_per_each",
    "description",
    "notes",
)


@transaction.atomic
def update_ingredient(*, ingredient: Ingredient, **changes) -> Ingredient:
    """Changes an ingredient's name, category, unit or conversion facts.

    The stock unit changes only while it has no lots (`Ingredient.clean`)."""
    unknown = set(changes) - set(INGREDIENT_FACTS)
    if unknown:
        raise ValueError(f"Not an ingredient fact: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(ingredient, name, value.strip() if isinstance(value, str) else value)
    ingredient.full_clean()
    ingredient.save(update_fields=list(changes))
    return ingredient


@transaction.atomic
def create_product(**facts) -> Product:
    """Adds a product of an ingredient, from the fields `update_product`
    takes; bad fields raise ValidationError by field."""
    return update_product(product=Product(), **facts)


def update_product(
    *,
    product: Product,
    ingredient: Ingredient,
    name: str,
    package_quantity: Decimal,
    package_unit: str,
    brand: str = "",
    package_type: str = "package",
    is_preferred: bool = False,
    upc: str = "",
) -> Product:
    """Saves the product with these fields. Its package size must convert to
    the ingredient's stock unit, and a product with lots stays a product of
    their ingredient (Product.clean); bad fields raise ValidationError by
    field."""
    product.ingredient = ingredient
    product.brand = (brand or "").strip()
    product.name = (name or "").strip()
    product.package_quantity = package_quantity
    product.package_unit = package_unit
    product.package_type = (package_type or "package").strip()
    product.is_preferred = is_preferred
    product.upc = (upc or "").strip()
    product.full_clean()
    product.save()
    return product


@dataclass(frozen=True)
class RecipeLineInput:
    """One line of a recipe as written: quantity in any unit that converts."""

    ingredient: Ingredient
    quantity: Decimal
    unit: str
    note: str = ""


# Checks another app makes before a recipe's yield changes (events: assembled
# packages count their units with it). Pantry does not import events.
RecipeYieldGuard = Callable[[Recipe], None]
_recipe_yield_guards: list[RecipeYieldGuard] = []


def register_recipe_yield_guard(guard: RecipeYieldGuard) -> None:
    """Lets another app refuse a change of a recipe's yield (by raising
    ValidationError)."""
    if guard not in _recipe_yield_guards:
        _recipe_yield_guards.append(guard)


@transaction.atomic
def save_recipe(*, recipe: Recipe, lines: Sequence[RecipeLineInput]) -> Recipe:
    """Saves a new or changed recipe with its lines, all or nothing.

    The lines replace the recipe's lines, in the order given. A new recipe
    gets a slug made from its name. A changed yield is first put to the
    registered guards. Errors are ValidationErrors: the recipe's by field,
    the lines' as "Line 2: …".
    """
    if not lines:
        raise ValidationError("A recipe needs at least one ingredient line.")
    if recipe.pk is None:
        recipe.slug = unique_slug(Recipe, recipe.name)
    else:
        stored = Recipe.objects.get(pk=recipe.pk)
        if stored.yield_quantity != recipe.yield_quantity:
            for guard in _recipe_yield_guards:
                try:
                    guard(stored)  # named as packages know it, before a rename
                except ValidationError as error:
                    raise ValidationError({"yield_quantity": error.messages}) from None
    recipe.full_clean()
    new_lines = [
        RecipeLine(
            recipe=recipe,
            ingredient=line.ingredient,
            quantity=line.quantity,
            unit=line.unit,
            note=(line.note or "").strip(),
            position=position,
        )
        for position, line in enumerate(lines, start=1)
    ]
    problems = []
    for position, line in enumerate(new_lines, start=1):
        try:
            line.full_clean(exclude=["recipe"])
        except ValidationError as error:
            problems.extend(f"Line {position}: {m}" for m in error.messages)
    if problems:
        raise ValidationError(problems)
    recipe.save()
    recipe.lines.all().delete()
    RecipeLine.objects.bulk_create(new_lines)
    return recipe
