"""Production: record, preview and reverse batches; the package lifecycle.

Writes on an event lock the event's row first, then the lots (in the one
lock order of pantry.services), so productions, reversals and package
status changes of one event run one at a time and never deadlock.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bakery.bulk import insert
from bakery.lookups import lock
from bakery.numbers import ZERO, quantize_money, quantize_quantity
from bakery.users import acting_user
from events.models import Assignment, AssignmentStatus, Event, PackageItem
from events.selectors import get_recipe_needs
from events.services import freeze_planned_cost
from pantry import units
from pantry.exceptions import InsufficientStock, Shortage
from pantry.models import (
    Ingredient,
    Lot,
    Product,
    Recipe,
    RecipeLine,
    StockMovement,
    StockUnit,
    StockUnitChange,
)
from pantry.selectors import (
    get_recipe_requirements,
    lots_in_stock_by_ingredient,
)
from pantry.services import (
    FifoResult,
    allocate_fifo_many,
    consume_fifo,
    lock_lots,
    lock_stock,
    return_consumption,
    write_consumption,
)
from pantry.units import format_number, format_quantity
from production.allocation import allocate
from production.models import (
    MAX_BATCHES,
    Allocation,
    ConsumptionLine,
    ProductionRecord,
    check_produced_at,
    clean_batches,
    clean_units_made,
    show_number,
)
from production.selectors import (
    NOTHING_PRODUCED,
    AssemblyCheck,
    MissingRecipe,
    can_assemble_package,
    get_dashboard_summary,
    get_production_progress,
    get_production_totals,
    get_recipe_cost_breakdown,
    part_batch_offer,
    part_batch_to_cover,
    units_yielded,
)

__all__ = [
    "MAX_BATCHES",
    "AssemblyCheck",
    "IncompleteProduction",
    "InsufficientStock",
    "InvalidStatusTransition",
    "ReversalRefused",
    "can_assemble_package",
    "change_stock_unit",
    "get_dashboard_summary",
    "get_production_progress",
    "get_recipe_cost_breakdown",
    "merge_ingredients",
    "next_status",
    "preview_production",
    "price_lots",
    "record_production",
    "reverse_production",
    "update_package_status",
]


class InvalidStatusTransition(ValidationError):
    """Packages move forward only: pending -> assembled -> delivered."""

    def __init__(self, *, assignment: Assignment, current: str, requested: str):
        self.assignment = assignment
        self.current = current
        self.requested = requested
        if current == requested:
            message = f"{assignment} is {current} already."
        else:
            message = (
                f"Cannot change {assignment} from {current} to {requested}: "
                "packages only move forward, pending → assembled → delivered."
            )
        super().__init__(message, code="invalid_transition")


class IncompleteProduction(ValidationError):
    """The baked goods for a package do not exist yet."""

    def __init__(self, *, assignment: Assignment, missing: tuple[MissingRecipe, ...]):
        self.assignment = assignment
        self.missing = missing
        super().__init__(
            " ".join(str(m) for m in missing), code="incomplete_production"
        )


class ReversalRefused(ValidationError):
    pass


def _production_input(
    *, batches, units_made=None, produced_at=None
) -> tuple[Decimal, Decimal | None, datetime.datetime]:
    """Batches, units made (None: what the batches yield) and when they were
    baked (default now), checked by the rules of production.models; every
    bad value is named in one ValidationError."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        batches = clean_batches(batches)
    except ValidationError as error:
        errors["batches"] = [error]
    if units_made is not None and units_made != "":
        try:
            units_made = clean_units_made(units_made)
        except ValidationError as error:
            errors["units_made"] = [error]
    else:
        units_made = None
    try:
        produced_at = _baked_at(produced_at)
    except ValidationError as error:
        errors["produced_at"] = [error]
    if errors:
        raise ValidationError(errors)
    return batches, units_made, produced_at


def _baked_at(value) -> datetime.datetime:
    """A date and time (aware, or naive in the bakery's time zone, or ISO
    text) now or earlier; now when not given."""
    if value is None or value == "":
        return timezone.now()
    try:
        when = parse_datetime(value) if isinstance(value, str) else value
    except ValueError:  # well formed, but no such day or time
        when = None
    if not isinstance(when, datetime.datetime):
        raise ValidationError(
            f"Say when the batches were baked as a date and time, not “{value}”.",
            code="invalid",
        )
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    check_produced_at(when)
    return when


def _bought_by(produced_at: datetime.datetime) -> datetime.date | None:
    """The last purchase date of the lots a batch baked at `produced_at` can
    have used: a batch baked on an earlier day used only what had been
    bought by then. None (every lot) for a batch baked today."""
    day = timezone.localdate(produced_at)
    return day if day < timezone.localdate() else None


def _lots_bought_by(lots: Mapping[int, Sequence], day: datetime.date | None) -> dict:
    """The lots (by ingredient id, oldest first) bought on or before `day`."""
    return {
        pk: [lot for lot in group if day is None or lot.purchased_on <= day]
        for pk, group in lots.items()
    }


def _existing(queryset, obj, label: str):
    """The saved object for `obj` (an instance or a primary key), or an error."""
    pk = getattr(obj, "pk", obj)
    if isinstance(pk, int):
        # get() reads without the model's ordering, which first() would
        # compile (and join) for the one row
        with suppress(queryset.model.DoesNotExist):
            return queryset.get(pk=pk)
    raise _unknown(label, pk)


def _unknown(label: str, pk) -> ValidationError:
    return ValidationError({label: [f"Unknown {label} “{pk}”."]})


def _lock_event(event) -> Event:
    """Locks the event's row (given as an instance or a primary key), and
    reads it: first, in the one lock order."""
    pk = getattr(event, "pk", event)
    if isinstance(pk, int) and (locked := lock(Event, pk)) is not None:
        return locked
    raise _unknown("event", pk)


@dataclass(frozen=True)
class IngredientUse:
    """What a production takes of one ingredient, lot by lot."""

    fifo: FifoResult

    @property
    def ingredient(self):
        return self.fifo.ingredient

    @property
    def lots(self):
        return self.fifo.lines

    @property
    def quantity(self) -> Decimal:
        return self.fifo.quantity

    @property
    def cost(self) -> Decimal:
        return self.fifo.total_cost


@dataclass(frozen=True)
class ProductionPreview:
    event: Event
    recipe: Recipe
    batches: Decimal
    ingredients: tuple[IngredientUse, ...]
    total_cost: Decimal
    shortages: tuple[Shortage, ...]
    problems: tuple[str, ...]  # lines whose units do not convert
    batches_required: int | None
    batches_produced: Decimal
    units_made: Decimal | None = None  # what it makes: as stated, else the yield
    units_yielded: Decimal | None = None  # what the batches yield by the recipe
    units_stated: Decimal | None = None  # units made as given; None: the yield
    units_short: Decimal = Decimal(0)  # units still needed before this production
    produced_at: datetime.datetime | None = None  # as stated; None: now
    lots_bought_by: datetime.date | None = None  # only lots bought by then count

    @property
    def can_record(self) -> bool:
        return not self.shortages and not self.problems

    @property
    def expiry_warnings(self) -> list[str]:
        """Lots it would use that are past their use-by date on the baking day."""
        on = timezone.localdate(self.produced_at or timezone.now())
        return expired_lots(
            lots=[
                (use.ingredient, line.lot)
                for use in self.ingredients
                for line in use.lots
            ],
            on=on,
        )

    @property
    def batches_after(self) -> Decimal:
        return self.batches_produced + self.batches

    @property
    def over_plan(self) -> Decimal:
        """Batches beyond the plan this production would make (0 if none)."""
        return max(self.batches_after - (self.batches_required or 0), ZERO)

    @property
    def over_plan_warning(self) -> str:
        if not self.over_plan:
            return ""
        return (
            f"This makes {show_number(self.batches_after)} of "
            f"{self.batches_required or 0} batches needed: "
            f"{show_number(self.over_plan)} more than planned."
        )

    @property
    def yield_differs(self) -> bool:
        """Units made were stated, and differ from what the batches yield."""
        return self.units_yielded is not None and self.units_made != self.units_yielded

    @property
    def batches_to_cover(self) -> Decimal | None:
        """The batches that make the units still needed."""
        return part_batch_to_cover(
            units_short=self.units_short, yield_quantity=self.recipe.yield_quantity
        )

    @property
    def part_batch_offer(self) -> Decimal | None:
        """The part batch that covers what is missing, unless it is the one
        previewed (None when whole batches do it exactly)."""
        offer = part_batch_offer(self.batches_to_cover)
        return None if offer == self.batches else offer


def preview_production(
    *,
    event: Event,
    recipe: Recipe,
    batches,
    units_made=None,
    produced_at=None,
) -> ProductionPreview:
    """A dry run of `record_production`: the lots it would use and their cost,
    shortages, what it makes, and how it stands against the plan. Writes
    nothing."""
    stated_at = produced_at
    batches, units_made, produced_at = _production_input(
        batches=batches, units_made=units_made, produced_at=produced_at
    )
    event = _existing(Event.objects, event, "event")
    recipe, requirements, problems = _requirements(recipe, batches)
    bought_by = _bought_by(produced_at)
    lots = _lots_bought_by(
        lots_in_stock_by_ingredient(
            ingredient_ids=[r.ingredient.pk for r in requirements]
        ),
        bought_by,
    )
    uses = tuple(
        IngredientUse(
            consume_fifo(
                ingredient=r.ingredient,
                quantity=r.quantity,
                dry_run=True,
                lots=lots[r.ingredient.pk],
            )
        )
        for r in requirements
    )
    need = next(
        (n for n in get_recipe_needs(event=event) if n.recipe.pk == recipe.pk), None
    )
    produced = get_production_totals(event_ids=[event.pk]).get(
        (event.pk, recipe.pk), NOTHING_PRODUCED
    )
    yielded = units_yielded(recipe, batches)
    return ProductionPreview(
        event=event,
        recipe=recipe,
        batches=batches,
        ingredients=uses,
        total_cost=sum((use.cost for use in uses), ZERO),
        shortages=tuple(use.fifo.shortage for use in uses if not use.fifo.satisfied),
        problems=problems,
        batches_required=need.batches_required if need else 0,
        batches_produced=produced.batches,
        units_made=yielded if units_made is None else units_made,
        units_yielded=yielded,
        units_stated=units_made,
        units_short=max(
            (need.units_needed if need else ZERO) - produced.units_made, ZERO
        ),
        produced_at=None if stated_at in (None, "") else produced_at,
        lots_bought_by=bought_by,
    )


def _requirements(recipe, batches: Decimal):
    """The saved recipe (given as an instance or a primary key), what the
    batches need per ingredient (a part batch its share of each), and the
    lines that do not convert.

    The recipe is read with its lines in one query, and the few lines are
    put in line order here: compiling an ORDER BY took a third of the
    query's time, and the lines' own ordering joins their recipe to sort by
    its name."""
    pk = getattr(recipe, "pk", recipe)
    lines = (
        sorted(
            RecipeLine.objects.filter(recipe_id=pk)
            .select_related("recipe", "ingredient")
            .order_by(),
            key=lambda line: (line.position, line.pk),
        )
        if isinstance(pk, int)
        else []
    )
    recipe = lines[0].recipe if lines else _existing(Recipe.objects, pk, "recipe")
    requirements = get_recipe_requirements(recipe=recipe, batches=batches, lines=lines)
    problems = tuple(
        f"{r.ingredient.name}: {r.problem}" for r in requirements if r.quantity is None
    )
    if not requirements:
        problems = (f"{recipe.name} has no ingredients: add its lines first.",)
    return (
        recipe,
        [r for r in requirements if r.quantity is not None and r.quantity > 0],
        problems,
    )


@transaction.atomic
def record_production(
    *,
    event: Event,
    recipe: Recipe,
    batches,
    notes: str = "",
    user=None,
    units_made=None,
    produced_at=None,
    submission_key: str | None = None,
) -> ProductionRecord:
    """Records baked batches, consuming the oldest lots of every ingredient.

    `batches` may be a part batch (0.5 uses half of every ingredient);
    `units_made` is what they really made (default: what they yield by the
    recipe; 0 for a lost batch, whose ingredients are used all the same);
    `produced_at` is when they were baked (default now, never in the
    future). Batches baked on an earlier day use only the lots bought by
    that day.

    All or nothing: if any ingredient is short, InsufficientStock names every
    shortage and nothing changes. The event's first record of a recipe keeps
    the recipe's planned cost per batch first. A `submission_key` already
    recorded returns that record instead of recording twice; the key belongs
    to that event, recipe and batch count, and is refused for anything else.
    """
    batches, units_made, produced_at = _production_input(
        batches=batches, units_made=units_made, produced_at=produced_at
    )
    event = _lock_event(event)
    recipe_pk = getattr(recipe, "pk", recipe)
    if submission_key:
        done = ProductionRecord.objects.filter(submission_key=submission_key).first()
        if done is not None:
            if (done.event_id, done.recipe_id, done.batches) != (
                event.pk,
                recipe_pk,
                batches,
            ):
                raise ValidationError(
                    {
                        "submission_key": [
                            f"This form recorded {show_number(done.batches)} "
                            f"batch(es) of {done.recipe} for {done.event} already, "
                            "and cannot record anything else: open the record "
                            "form again."
                        ]
                    },
                    code="submission_reused",
                )
            return done
    recipe, requirements, problems = _requirements(recipe, batches)
    if problems:
        raise ValidationError(list(problems))

    freeze_planned_cost(event=event, recipe=recipe)
    # Locks the lots of every ingredient at once, in the one lock order; a
    # shortage raises before anything is written, and the transaction takes
    # the kept cost back with it.
    taken = allocate_fifo_many(
        needs=[(r.ingredient, r.quantity) for r in requirements],
        lots=_lots_bought_by(
            lock_stock(ingredients=[r.ingredient for r in requirements]),
            _bought_by(produced_at),
        ),
    )
    record = ProductionRecord(
        event=event,
        recipe=recipe,
        batches=batches,
        units_made=units_yielded(recipe, batches) if units_made is None else units_made,
        actual_cost=sum((result.total_cost for result in taken), ZERO),
        produced_at=produced_at,
        notes=notes,
        produced_by=acting_user(user),
        submission_key=submission_key or None,
        expiry_warnings="\n".join(
            expired_lots(
                lots=[(r.ingredient, line.lot) for r in taken for line in r.lines],
                on=timezone.localdate(produced_at),
            )
        ),
    )
    insert([record])  # create() compiles its INSERT: dearer, for one row too
    consumed = write_consumption(taken, note=f"consumed by {record}", user=user)
    insert(
        [
            # by id: setting a relation checks and caches its object, which
            # nothing reads here
            ConsumptionLine(
                record_id=record.pk,
                ingredient_id=result.ingredient.pk,
                lot_id=line.lot.pk,
                movement_id=line.movement.pk,
                quantity=line.quantity,
                cost=line.cost,
            )
            for result in consumed
            for line in result.lines
        ]
    )
    return record


def expired_lots(*, lots, on: datetime.date) -> list[str]:
    """A warning for each (ingredient, lot) past its use-by date on `on`:
    baking with it is allowed, and said."""
    return [
        f"{ingredient.name}: the lot bought {lot.purchased_on:%-d %b} was to be "
        f"used by {lot.expires_on:%-d %b %Y}, before {on:%-d %b %Y}."
        for ingredient, lot in lots
        if lot.expires_on is not None and lot.expires_on < on
    ]


@transaction.atomic
def reverse_production(
    *, record: ProductionRecord, user=None, reason: str = ""
) -> ProductionRecord:
    """Puts every lot the record used back, quantity and cost exactly, and
    keeps the record as reversed. Refused while assembled or delivered
    packages hold units it made (its allocations name them)."""
    record = _existing(ProductionRecord.objects, record, "record")
    _lock_event(record.event)
    record = ProductionRecord.objects.select_related("recipe").get(pk=record.pk)
    if record.is_reversed:
        raise ReversalRefused(f"{record} was reversed already.", code="reversed")
    held = list(
        record.allocations.select_related(
            "assignment__recipient", "assignment__package", "assignment__event"
        )
    )
    if held:
        units = sum((allocation.units for allocation in held), ZERO)
        packages = ", ".join(
            f"{a.assignment.package} for {a.assignment.recipient} "
            f"({a.assignment.status})"
            for a in held[:3]
        ) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
        raise ReversalRefused(
            f"Cannot reverse {record}: {format_number(units)} "
            f"{record.recipe.yield_unit or 'units'} it made are in assembled or "
            f"delivered packages: {packages}.",
            code="relied_on",
        )
    movements = [line.movement for line in record.lines.select_related("movement")]
    return_consumption(
        movements=movements,
        note=f"returned by reversing {record}" + (f": {reason}" if reason else ""),
        user=user,
    )
    record.reversed_at = timezone.now()
    record.reversed_by = acting_user(user)
    record.reversal_reason = reason
    record.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    return record


ALLOCATION_MODELS = SimpleNamespace(
    Allocation=Allocation,
    Assignment=Assignment,
    PackageItem=PackageItem,
    ProductionRecord=ProductionRecord,
)

_NEXT_STATUS = {
    AssignmentStatus.PENDING: AssignmentStatus.ASSEMBLED,
    AssignmentStatus.ASSEMBLED: AssignmentStatus.DELIVERED,
}


def next_status(status: str) -> str | None:
    """The status a package moves to from `status`; None once delivered."""
    return _NEXT_STATUS.get(status)


@transaction.atomic
def update_package_status(
    *, assignment: Assignment, status: str, user=None, note: str = ""
) -> Assignment:
    """Moves a package forward one step, recording when and by whom.

    Only pending -> assembled -> delivered (InvalidStatusTransition
    otherwise, a repeated status too); assembling needs the baked goods
    (IncompleteProduction names what is missing).
    """
    if status not in AssignmentStatus.values:
        raise ValidationError(
            {
                "status": [
                    f"Unknown status “{status}”: use pending, assembled or delivered."
                ]
            }
        )
    assignment = _existing(Assignment.objects, assignment, "assignment")
    _lock_event(assignment.event)
    assignment = Assignment.objects.select_related("event", "recipient", "package").get(
        pk=assignment.pk
    )
    if next_status(assignment.status) != status:
        raise InvalidStatusTransition(
            assignment=assignment, current=assignment.status, requested=status
        )
    now = timezone.now()
    if status == AssignmentStatus.ASSEMBLED:
        check = can_assemble_package(assignment=assignment)
        if not check.can_assemble:
            raise IncompleteProduction(assignment=assignment, missing=check.missing)
        Allocation.objects.bulk_create(
            allocate(assignment=assignment, models=ALLOCATION_MODELS)
        )
        assignment.assembled_at = now
    else:
        assignment.delivered_at = now
    if note:
        assignment.delivery_note = note
    assignment.status = status
    assignment.status_changed_by = acting_user(user)
    assignment.save(
        update_fields=[
            "status",
            "assembled_at",
            "delivered_at",
            "delivery_note",
            "status_changed_by",
        ]
    )
    return assignment


@dataclass(frozen=True)
class StockUnitConversion:
    ingredient: Ingredient
    from_unit: str
    to_unit: str
    lots: int
    movements: int
    on_hand_before: Decimal  # in from_unit
    on_hand_after: Decimal  # in to_unit

    def __str__(self) -> str:
        return (
            f"{self.ingredient} is counted in {self.to_unit}: {self.lots} lot(s) and "
            f"{self.movements} stock movement(s) converted; on hand "
            f"{format_quantity(self.on_hand_before, self.from_unit)} = "
            f"{format_quantity(self.on_hand_after, self.to_unit)}."
        )


@transaction.atomic
def change_stock_unit(
    *, ingredient: Ingredient, unit: str, user=None, dry_run: bool = False
) -> StockUnitConversion:
    """Changes the unit an ingredient is counted in, converting every quantity
    counted in it: its lots, their stock movements and the consumption lines
    of productions. What is on hand and every cost stay the same.

    Each lot's running total is converted and rounded, and each movement
    becomes the difference of two of them, so remaining = purchased + sum of
    movements still holds exactly. Refused with nothing changed when the
    units do not convert (naming the missing fact), when a movement would
    round to nothing in the new unit, or when a product or recipe line of the
    ingredient would no longer convert. With `dry_run` the same checks run
    and nothing is written. The change is kept as a StockUnitChange.
    """
    ingredient = _existing(
        Ingredient.objects.select_for_update(), ingredient, "ingredient"
    )
    old = ingredient.stock_unit
    if unit not in StockUnit.values:
        raise ValidationError(
            {
                "stock_unit": [
                    f"Choose one of {', '.join(StockUnit.values)}, not “{unit}”."
                ]
            }
        )
    if unit == old:
        raise ValidationError(
            {"stock_unit": [f"{ingredient} is counted in {unit} already."]}
        )

    def converted(quantity: Decimal) -> Decimal:
        return quantize_quantity(
            units.convert(quantity, old, unit, ingredient=ingredient)
        )

    try:
        factor = units.convert(Decimal(1), old, unit, ingredient=ingredient)
    except ValidationError as error:
        raise ValidationError({"stock_unit": error.messages}) from None
    lots = lock_lots(ingredients=[ingredient], include_empty=True)[ingredient.pk]
    movements: dict[int, list[StockMovement]] = {lot.pk: [] for lot in lots}
    for movement in StockMovement.objects.filter(lot__ingredient=ingredient).order_by(
        "pk"
    ):
        movements[movement.lot_id].append(movement)
    problems = []
    on_hand = sum((lot.quantity_remaining for lot in lots), ZERO)
    column = Lot._meta.get_field("quantity_purchased")
    fits = DecimalValidator(column.max_digits, column.decimal_places)
    for lot in lots:
        running = lot.quantity_purchased
        lot.quantity_purchased = before = converted(running)
        if before <= 0:
            problems.append(
                f"Lot #{lot.pk}: {format_quantity(running, old)} is less than "
                f"0.001 {unit}."
            )
        try:
            fits(before)
        except ValidationError:
            # no movement of a lot is larger than what was bought
            problems.append(
                f"Lot #{lot.pk}: {format_quantity(running, old)} is "
                f"{format_number(before)} {unit}, more than a lot can hold."
            )
        for movement in movements[lot.pk]:
            running += movement.quantity
            after = converted(running)
            if after == before:
                problems.append(
                    f"Lot #{lot.pk}: the {movement.get_kind_display()} of "
                    f"{format_quantity(abs(movement.quantity), old)} is less than "
                    f"0.001 {unit}."
                )
            movement.quantity, before = after - before, after
        lot.quantity_remaining = before
    for product in ingredient.products.all():
        problems.extend(_unit_problems(ingredient, unit, product.package_unit, product))
    for line in ingredient.recipe_lines.select_related("recipe"):
        problems.extend(
            _unit_problems(ingredient, unit, line.unit, f"{line.recipe}: {line}")
        )
    if problems:
        raise ValidationError({"stock_unit": problems})

    all_movements = [m for lot_movements in movements.values() for m in lot_movements]
    result = StockUnitConversion(
        ingredient=ingredient,
        from_unit=old,
        to_unit=unit,
        lots=len(lots),
        movements=len(all_movements),
        on_hand_before=on_hand,
        on_hand_after=sum((lot.quantity_remaining for lot in lots), ZERO),
    )
    if dry_run:
        return result
    Lot.objects.bulk_update(lots, ["quantity_purchased", "quantity_remaining"])
    StockMovement.objects.bulk_update(all_movements, ["quantity"])
    by_movement = {movement.pk: movement for movement in all_movements}
    lines = list(ConsumptionLine.objects.filter(lot__ingredient=ingredient))
    for line in lines:
        line.quantity = -by_movement[line.movement_id].quantity
    ConsumptionLine.objects.bulk_update(lines, ["quantity"])
    ingredient.stock_unit = unit
    ingredient.save(update_fields=["stock_unit"])
    StockUnitChange.objects.create(
        ingredient=ingredient,
        from_unit=old,
        to_unit=unit,
        factor=factor.quantize(Decimal("1e-15")),
        lots=result.lots,
        movements=result.movements,
        changed_by=acting_user(user),
    )
    return result


def _unit_problems(ingredient, unit: str, other_unit: str, what) -> list[str]:
    """Why `other_unit` would not convert to the ingredient's new `unit`."""
    try:
        units.convert(Decimal(1), other_unit, unit, ingredient=ingredient)
    except ValidationError as error:
        return [f"{what}: {' '.join(error.messages)}"]
    return []


@dataclass(frozen=True)
class IngredientMerge:
    merged: str  # the name of the ingredient merged away
    into: Ingredient
    products: int
    lots: int
    recipe_lines: int
    conversion: StockUnitConversion | None

    def __str__(self) -> str:
        converted = f" ({self.conversion})" if self.conversion else ""
        return (
            f"{self.merged} merged into {self.into}: {self.products} product(s), "
            f"{self.lots} lot(s) and {self.recipe_lines} recipe line(s) moved"
            f"{converted}."
        )


@transaction.atomic
def merge_ingredients(
    *, source: Ingredient, target: Ingredient, user=None, dry_run: bool = False
) -> IngredientMerge:
    """Merges `source` (a duplicate, such as one an import created for
    review) into `target`, and deletes it.

    Each keeps the conversion facts (density, weight per each) the other
    lacks; the source's lots, their movements and consumption lines are first
    converted to the target's stock unit (`change_stock_unit`), then its
    products, lots, recipe lines and consumption lines move to the target. A
    product the target already has takes the source product's lots. Refused
    with nothing changed when a quantity can't be converted, naming the
    missing fact. With `dry_run` every step runs and is rolled back.
    """
    source = _existing(Ingredient.objects.select_for_update(), source, "ingredient")
    target = _existing(Ingredient.objects.select_for_update(), target, "into")
    if source.pk == target.pk:
        raise ValidationError({"into": ["Choose another ingredient to merge into."]})
    rollback = transaction.savepoint()
    for fact in ("density_g_per_ml", "grams_per_each"):
        mine, theirs = getattr(source, fact), getattr(target, fact)
        setattr(source, fact, mine or theirs)
        setattr(target, fact, theirs or mine)
    source.save(update_fields=["density_g_per_ml", "grams_per_each"])
    target.save(update_fields=["density_g_per_ml", "grams_per_each"])
    conversion = None
    if source.stock_unit != target.stock_unit:
        conversion = change_stock_unit(
            ingredient=source, unit=target.stock_unit, user=user
        )
    lines = list(RecipeLine.objects.filter(ingredient=source).select_related("recipe"))
    products = list(Product.objects.filter(ingredient=source))
    problems = [
        problem
        for what, unit in [
            *((line.recipe, line.unit) for line in lines),
            *((product, product.package_unit) for product in products),
        ]
        for problem in _unit_problems(target, target.stock_unit, unit, what)
    ]
    if problems:
        transaction.savepoint_rollback(rollback)
        raise ValidationError({"into": problems})

    existing = {
        (p.brand.lower(), p.name.lower(), p.package_quantity, p.package_unit): p
        for p in Product.objects.filter(ingredient=target)
    }
    has_preferred = any(p.is_preferred for p in existing.values())
    for product in products:
        key = (
            product.brand.lower(),
            product.name.lower(),
            product.package_quantity,
            product.package_unit,
        )
        if key in existing:
            Lot.objects.filter(product=product).update(product=existing[key])
            product.delete()
            continue
        product.ingredient = target
        product.is_preferred = product.is_preferred and not has_preferred
        has_preferred = has_preferred or product.is_preferred
        product.save(update_fields=["ingredient", "is_preferred"])
    lots = Lot.objects.filter(ingredient=source).update(ingredient=target)
    RecipeLine.objects.filter(ingredient=source).update(ingredient=target)
    ConsumptionLine.objects.filter(ingredient=source).update(ingredient=target)
    StockUnitChange.objects.filter(ingredient=source).update(ingredient=target)
    merged = source.name
    source.delete()
    result = IngredientMerge(
        merged=merged,
        into=target,
        products=len(products),
        lots=lots,
        recipe_lines=len(lines),
        conversion=conversion,
    )
    if dry_run:
        transaction.savepoint_rollback(rollback)
    else:
        transaction.savepoint_commit(rollback)
    return result


@transaction.atomic
def price_lots(*, prices: Mapping[int, Decimal]) -> list[Lot]:
    """Gives unpriced lots (lot id -> total cost) the cost that was unknown, as
    if it had been known at purchase.

    Each of their stock movements takes its cost again, in order, by the rule
    it was written with (a piece that empties the lot takes what is left, a
    smaller one its share, a reversal what its consumption took), so the
    ledger adds up; the consumption lines and the actual cost of the
    productions they went into follow. A lot that has a price is refused.
    """
    costs = {pk: quantize_money(cost) for pk, cost in prices.items()}
    ingredients = Ingredient.objects.filter(lots__pk__in=costs).distinct()
    locked = lock_lots(ingredients=ingredients, include_empty=True)
    lots = [lot for group in locked.values() for lot in group if lot.pk in costs]
    problems = [f"Lot #{lot.pk} has a price already." for lot in lots if lot.is_priced]
    by_lot = {lot.pk: lot for lot in lots}
    problems += [f"Lot #{pk} does not exist." for pk in set(costs) - set(by_lot)]
    problems += [
        f"Lot #{pk}: a cost cannot be negative ({cost})."
        for pk, cost in costs.items()
        if cost < 0
    ]
    if problems:
        raise ValidationError(problems)
    movements = list(
        StockMovement.objects.filter(lot__in=lots)
        .select_related("reverses")
        .order_by("pk")
    )
    new_cost: dict[int, Decimal] = {}
    state = {lot.pk: (lot.quantity_purchased, costs[lot.pk]) for lot in lots}
    for movement in movements:
        lot = by_lot[movement.lot_id]
        total, quantity = costs[lot.pk], movement.quantity
        remaining, cost_left = state[lot.pk]
        if quantity < 0:
            taken = (
                cost_left
                if -quantity == remaining
                else quantize_money(cost_left * -quantity / remaining)
            )
            cost = -taken
        elif movement.reverses_id is not None:
            original = new_cost[movement.reverses_id], movement.reverses.quantity
            cost = (
                -original[0]
                if quantity == -original[1]
                else quantize_money(-original[0] * quantity / -original[1])
            )
            cost = min(cost, total - cost_left)
        elif remaining + quantity == lot.quantity_purchased:
            cost = total - cost_left
        else:
            cost = min(
                quantize_money(total * quantity / lot.quantity_purchased),
                total - cost_left,
            )
        new_cost[movement.pk] = movement.cost = cost
        state[lot.pk] = (remaining + quantity, cost_left + cost)
    for lot in lots:
        lot.total_cost = costs[lot.pk]
        lot.cost_remaining = state[lot.pk][1]
        lot.is_priced = True
    Lot.objects.bulk_update(lots, ["total_cost", "cost_remaining", "is_priced"])
    StockMovement.objects.bulk_update(movements, ["cost"])
    lines = list(ConsumptionLine.objects.filter(movement__in=movements))
    for line in lines:
        line.cost = -new_cost[line.movement_id]
    ConsumptionLine.objects.bulk_update(lines, ["cost"])
    records = list(
        ProductionRecord.objects.filter(
            pk__in={line.record_id for line in lines}
        ).annotate(lines_cost=Sum("lines__cost"))
    )
    for record in records:
        record.actual_cost = record.lines_cost
    ProductionRecord.objects.bulk_update(records, ["actual_cost"])
    return lots
