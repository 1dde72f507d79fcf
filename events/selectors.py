"""What events need: batches per recipe, planned cost, shopping list.

Each read runs in a constant number of queries, whatever the number of
assignments, packages and recipes. The functions for several events at once
(`*_by_event`) serve the dashboard.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Protocol

from django.db import router
from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Sum
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone

from bakery.deletion import kept_by
from bakery.folding import fold
from bakery.numbers import ZERO, quantize_money
from bakery.search import Folded
from bakery.version import PerVersion
from events.models import (
    Assignment,
    AssignmentStatus,
    Event,
    FrozenPlannedCost,
    Package,
    PackageItem,
    Recipient,
)
from pantry.models import Ingredient, Recipe
from pantry.selectors import (
    EventBatches,
    PackageUse,
    RecipeUses,
    describe_stock,
    estimate_recipe_costs,
    get_recipe_requirements,
    ingredients_with_stock,
    recipes_with_lines,
)


@dataclass(frozen=True)
class RecipeNeed:
    """How much of a recipe an event's packages hold, and the batches to bake.

    `batches_required` is None, and `problem` says why, when the recipe has
    no yield to divide by.
    """

    recipe: Recipe
    units_needed: Decimal
    yield_quantity: Decimal | None
    yield_unit: str
    batches_required: int | None
    problem: str = ""


def get_recipe_needs(*, event: Event) -> tuple[RecipeNeed, ...]:
    """Per recipe in the event's packages, by recipe name: units needed (sum of
    assignment quantity x package item quantity) and whole batches to bake."""
    return get_recipe_needs_by_event(events=[event])[event.pk]


def get_recipe_needs_by_event(
    *, events: Iterable[Event]
) -> dict[int, tuple[RecipeNeed, ...]]:
    """Recipe needs of several events, in two queries."""
    event_ids = [event.pk for event in events]
    packages_by_event: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        Assignment.objects.filter(event_id__in=event_ids)
        .values("event_id", "package_id")
        .annotate(count=Sum("quantity"))
        .order_by()
    ):
        packages_by_event[row["event_id"]][row["package_id"]] = row["count"]
    package_ids = {pk for packages in packages_by_event.values() for pk in packages}
    items_by_package: dict[int, list[PackageItem]] = defaultdict(list)
    for item in PackageItem.objects.filter(package_id__in=package_ids).select_related(
        "recipe"
    ):
        items_by_package[item.package_id].append(item)

    needs = {}
    for event_id in event_ids:
        units: dict[int, Decimal] = defaultdict(Decimal)
        recipes: dict[int, Recipe] = {}
        for package_id, count in packages_by_event[event_id].items():
            for item in items_by_package[package_id]:
                units[item.recipe_id] += item.quantity * count
                recipes[item.recipe_id] = item.recipe
        needs[event_id] = tuple(
            _need(recipes[pk], units[pk])
            for pk in sorted(recipes, key=lambda pk: recipes[pk].name)
        )
    return needs


def _need(recipe: Recipe, units_needed: Decimal) -> RecipeNeed:
    if not recipe.yield_quantity:
        return RecipeNeed(
            recipe=recipe,
            units_needed=units_needed,
            yield_quantity=None,
            yield_unit=recipe.yield_unit,
            batches_required=None,
            problem=f"Set a yield for {recipe.name} to plan its batches.",
        )
    return RecipeNeed(
        recipe=recipe,
        units_needed=units_needed,
        yield_quantity=recipe.yield_quantity,
        yield_unit=recipe.yield_unit,
        batches_required=math.ceil(units_needed / recipe.yield_quantity),
    )


@dataclass(frozen=True)
class RecipePlannedCost:
    """The planned cost of one recipe of an event.

    Live (`is_frozen` False) it is the estimated cost of the required
    batches; once the event's first batch of the recipe is recorded it is
    batches required x the cost per batch kept then. `planned_cost` is None
    when the recipe has no yield; `unpriced` names ingredients that could not
    be priced (their cost is left out, never taken as zero).
    """

    recipe: Recipe
    batches_required: int | None
    cost_per_batch: Decimal | None
    planned_cost: Decimal | None
    is_frozen: bool
    unpriced: tuple[str, ...] = ()
    problem: str = ""
    units_needed: Decimal = ZERO  # in the recipe's yield units

    @property
    def is_fully_priced(self) -> bool:
        return self.planned_cost is not None and not self.unpriced


@dataclass(frozen=True)
class EventPlannedCost:
    """`frozen_cost_per_batch` holds every cost per batch kept for the event,
    by recipe id, those of recipes baked beyond its packages included."""

    event: Event
    recipes: tuple[RecipePlannedCost, ...]
    total: Decimal
    frozen_cost_per_batch: dict[int, Decimal] = field(default_factory=dict)
    # Unique to each working out of these costs (and kept by `replace`):
    # what is worked out from them can be kept against it.
    worked_out: object = field(default_factory=object, compare=False, repr=False)

    @property
    def is_fully_priced(self) -> bool:
        return all(recipe.is_fully_priced for recipe in self.recipes)

    def for_recipe(self, recipe_id: int) -> RecipePlannedCost | None:
        return self.by_recipe_id.get(recipe_id)

    @cached_property
    def by_recipe_id(self) -> dict[int, RecipePlannedCost]:
        return {r.recipe.id: r for r in self.recipes}


def get_planned_cost(*, event: Event) -> EventPlannedCost:
    """Planned cost per recipe and in total (DESIGN.md, "Costs")."""
    return get_planned_cost_by_event(events=[event])[event.pk]


# Planned costs by event id, worked out once per change of the data (see
# bakery.version); each is returned with the event object asked for.
_planned = PerVersion(limit=2_000)


def get_planned_cost_by_event(
    *, events: Iterable[Event]
) -> dict[int, EventPlannedCost]:
    """Planned costs of several events, in a constant number of queries; an
    event's is not worked out again until the data it depends on changes."""
    events = list(events)
    kept = _planned.current()
    missing = [event for event in events if event.pk not in kept]
    if missing:
        kept.update(_planned_costs(missing))
    return {event.pk: replace(kept[event.pk], event=event) for event in events}


def _planned_costs(events: list[Event]) -> dict[int, EventPlannedCost]:
    needs_by_event = get_recipe_needs_by_event(events=events)
    frozen = {
        (row.event_id, row.recipe_id): row
        for row in FrozenPlannedCost.objects.filter(event__in=events)
    }
    frozen_by_event: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for (event_id, recipe_id), row in frozen.items():
        frozen_by_event[event_id][recipe_id] = row.cost_per_batch
    live = [
        (event.pk, need)
        for event in events
        for need in needs_by_event[event.pk]
        if need.batches_required and (event.pk, need.recipe.id) not in frozen
    ]
    estimates = estimate_recipe_costs(
        orders=[(need.recipe, Decimal(need.batches_required)) for _, need in live]
    )
    live_estimates = {
        (event_id, need.recipe.id): estimate
        for (event_id, need), estimate in zip(live, estimates, strict=True)
    }

    result = {}
    for event in events:
        recipes = []
        for need in needs_by_event[event.pk]:
            key = (event.pk, need.recipe.id)
            if need.batches_required is None:
                recipes.append(_unplannable(need, is_frozen=key in frozen))
            elif key in frozen:
                recipes.append(_frozen_cost(need, frozen[key]))
            else:
                recipes.append(_live_cost(need, live_estimates[key]))
        result[event.pk] = EventPlannedCost(
            event=event,
            recipes=tuple(recipes),
            total=sum(
                (r.planned_cost for r in recipes if r.planned_cost is not None), ZERO
            ),
            frozen_cost_per_batch=frozen_by_event[event.pk],
        )
    return result


def _unplannable(need: RecipeNeed, *, is_frozen: bool) -> RecipePlannedCost:
    return RecipePlannedCost(
        recipe=need.recipe,
        batches_required=None,
        cost_per_batch=None,
        planned_cost=None,
        is_frozen=is_frozen,
        problem=need.problem,
        units_needed=need.units_needed,
    )


def _frozen_cost(need: RecipeNeed, frozen: FrozenPlannedCost) -> RecipePlannedCost:
    return RecipePlannedCost(
        recipe=need.recipe,
        batches_required=need.batches_required,
        cost_per_batch=frozen.cost_per_batch,
        planned_cost=quantize_money(frozen.cost_per_batch * need.batches_required),
        is_frozen=True,
        unpriced=tuple(filter(None, frozen.unpriced_note.split("; "))),
        units_needed=need.units_needed,
    )


def _live_cost(need: RecipeNeed, estimate) -> RecipePlannedCost:
    return RecipePlannedCost(
        recipe=need.recipe,
        batches_required=need.batches_required,
        cost_per_batch=estimate.cost_per_batch,
        planned_cost=estimate.total_cost,
        is_frozen=False,
        unpriced=unpriced_names(estimate),
        units_needed=need.units_needed,
    )


def unpriced_names(estimate) -> tuple[str, ...]:
    """ "Vanilla extract: No purchase of Vanilla extract to price it from…"."""
    return tuple(
        f"{line.ingredient.name}: {line.problem}" for line in estimate.unpriced
    )


class Produced(Protocol):
    """What an event has produced of a recipe (the production app's totals)."""

    batches: Decimal
    units_made: Decimal


# What events have produced, by event id then recipe id. The production app
# provides it (events does not import production); until it does, nothing
# counts as produced.
ProducedBatches = Callable[[list[int]], Mapping[int, Mapping[int, Produced]]]
_produced_batches: list[ProducedBatches] = []


def register_produced_batches(counter: ProducedBatches) -> None:
    """Lets the production app tell what has been baked for events."""
    _produced_batches[:] = [counter]


def get_batches_produced(
    *, event_ids: list[int]
) -> Mapping[int, Mapping[int, Produced]]:
    return _produced_batches[0](event_ids) if _produced_batches else {}


def batches_to_go(
    *, units_needed: Decimal, yield_quantity: Decimal | None, units_made: Decimal
) -> int:
    """Whole batches still to bake for the units needed beyond those made (0
    when they are covered): a lost batch is baked again, and a part batch
    that covered what was missing leaves nothing to bake. Required batches
    are whole, so before any baking this is the batches required."""
    if not yield_quantity:
        return 0
    missing = max(units_needed - units_made, ZERO)
    return math.ceil(missing / yield_quantity)


@dataclass(frozen=True)
class IngredientNeeds:
    """What the remaining batches of some events need, by ingredient id (in
    the stock unit), the date of the first event that needs each, and the
    recipes whose needs could not be worked out."""

    quantities: dict[int, Decimal]
    problems: tuple[str, ...]
    first_needed: dict[int, datetime.date] = field(default_factory=dict)


def get_remaining_ingredient_needs(*, events: Iterable[Event]) -> IngredientNeeds:
    """Ingredients for the whole batches still to bake of these events (the
    units needed beyond the units made, `batches_to_go`), in a constant
    number of queries."""
    events = list(events)
    needs_by_event = get_recipe_needs_by_event(events=events)
    produced = get_batches_produced(event_ids=[event.pk for event in events])
    remaining: dict[int, int] = defaultdict(int)
    first_date: dict[int, datetime.date] = {}
    problems = []
    for event in sorted(events, key=lambda event: event.date):
        made = produced.get(event.pk, {})
        for need in needs_by_event[event.pk]:
            if need.problem:
                problems.append(need.problem)
                continue
            done = made.get(need.recipe.pk)
            to_go = batches_to_go(
                units_needed=need.units_needed,
                yield_quantity=need.yield_quantity,
                units_made=done.units_made if done else ZERO,
            )
            if to_go:
                remaining[need.recipe.pk] += to_go
                first_date.setdefault(need.recipe.pk, event.date)
    quantities: dict[int, Decimal] = defaultdict(Decimal)
    first_needed: dict[int, datetime.date] = {}
    for recipe in recipes_with_lines().filter(pk__in=remaining):
        for requirement in get_recipe_requirements(
            recipe=recipe, batches=Decimal(remaining[recipe.pk])
        ):
            if requirement.quantity is None:
                problems.append(f"{recipe.name}: {requirement.problem}")
            else:
                ingredient_id = requirement.ingredient.pk
                quantities[ingredient_id] += requirement.quantity
                first_needed[ingredient_id] = min(
                    first_needed.get(ingredient_id, first_date[recipe.pk]),
                    first_date[recipe.pk],
                )
    return IngredientNeeds(
        quantities=dict(quantities),
        problems=tuple(problems),
        first_needed=first_needed,
    )


@dataclass(frozen=True)
class ShoppingItem:
    """One ingredient: what remaining production needs, what is on hand, and
    the shortfall to buy, in the stock unit and in words."""

    ingredient: Ingredient
    unit: str
    needed: Decimal
    on_hand: Decimal
    shortfall: Decimal
    needed_display: str
    on_hand_display: str
    shortfall_display: str

    @property
    def is_short(self) -> bool:
        return self.shortfall > 0


@dataclass(frozen=True)
class ShoppingList:
    event: Event
    items: tuple[ShoppingItem, ...]
    problems: tuple[str, ...]  # recipes whose needs could not be worked out

    @property
    def to_buy(self) -> tuple[ShoppingItem, ...]:
        return tuple(item for item in self.items if item.is_short)


def get_shopping_list(*, event: Event) -> ShoppingList:
    """Per ingredient, by name: what the event's remaining batches need (whole
    batches for the units still needed), what the pantry holds, and the
    shortfall. Stock on hand is the whole pantry's; other events may need it
    too."""
    needs = get_remaining_ingredient_needs(events=[event])
    ingredients = (
        ingredients_with_stock().filter(pk__in=needs.quantities).order_by("name")
    )
    items = []
    for ingredient in ingredients:
        quantity = needs.quantities[ingredient.pk]
        shortfall = max(quantity - ingredient.on_hand, ZERO)
        items.append(
            ShoppingItem(
                ingredient=ingredient,
                unit=ingredient.stock_unit,
                needed=quantity,
                on_hand=ingredient.on_hand,
                shortfall=shortfall,
                needed_display=describe_stock(ingredient, quantity),
                on_hand_display=describe_stock(ingredient, ingredient.on_hand),
                shortfall_display=describe_stock(ingredient, shortfall),
            )
        )
    return ShoppingList(event=event, items=tuple(items), problems=needs.problems)


# --- The planning pages' reads ------------------------------------------------


def planning_events() -> QuerySet[Event]:
    """Events with their packages counted: `packages` (sum of quantities),
    `recipients` (distinct), and `pending`, `assembled`, `delivered`
    (packages by status)."""
    return Event.objects.annotate(
        packages=Sum("assignments__quantity", default=0),
        recipients=Count("assignments__recipient", distinct=True),
        **{
            status: Sum(
                "assignments__quantity",
                filter=Q(assignments__status=status),
                default=0,
            )
            for status in AssignmentStatus.values
        },
    )


def recipients_with_counts() -> QuerySet[Recipient]:
    """Recipients with `packages` (how many assignments they have) and
    `events` (at how many events)."""
    return Recipient.objects.annotate(
        packages=Count("assignments"),
        events=Count("assignments__event", distinct=True),
    )


def packages_with_contents() -> QuerySet[Package]:
    """Packages with their items and recipes loaded, and `uses` (how many
    assignments hold them)."""
    return Package.objects.annotate(uses=Count("assignments")).prefetch_related(
        Prefetch(
            "items",
            queryset=PackageItem.objects.select_related("recipe").order_by(
                "recipe__name"
            ),
        )
    )


def event_assignments(*, event: Event) -> QuerySet[Assignment]:
    """The assignments of an event with their recipient and package."""
    return Assignment.objects.filter(event=event).select_related("recipient", "package")


def packages_by_recipient(*, event: Event) -> dict[int, list[str]]:
    """The packages each recipient has at the event, by recipient id: "Cookie
    tin", or "Cookie tin x 2"."""
    has: dict[int, list[str]] = defaultdict(list)
    for recipient_id, name, quantity in (
        Assignment.objects.filter(event=event)
        .order_by("package__name")
        .values_list("recipient_id", "package__name", "quantity")
    ):
        has[recipient_id].append(f"{name} × {quantity}" if quantity > 1 else name)
    return dict(has)


def package_events(*, package: Package) -> list[dict]:
    """The events a package is planned for, latest first: `event_id`,
    `event__name`, `event__date`, `count` (sum of quantities)."""
    return list(
        Assignment.objects.filter(package=package)
        .values("event_id", "event__name", "event__date")
        .annotate(count=Sum("quantity"))
        .order_by("-event__date", "event__name")
    )


@dataclass(frozen=True)
class ItemEstimate:
    """One recipe of a package: its units, the share of a batch they are
    (None without a yield) and what they cost at the estimated cost per
    batch. `cost` is None, and `problem` says why, when it cannot be worked
    out; `unpriced` names ingredients left out of it."""

    item: PackageItem
    batch_share: Decimal | None
    cost_per_batch: Decimal | None
    cost: Decimal | None
    unpriced: tuple[str, ...] = ()
    problem: str = ""


@dataclass(frozen=True)
class PackageEstimate:
    """What a package is estimated to cost now: per item, and the sum of the
    items that could be priced (`estimated_cost`)."""

    package: Package
    items: tuple[ItemEstimate, ...]
    estimated_cost: Decimal

    @property
    def problems(self) -> tuple[str, ...]:
        found = []
        for item in self.items:
            for problem in (item.problem, *item.unpriced):
                if problem and problem not in found:
                    found.append(problem)
        return tuple(found)

    @property
    def is_fully_priced(self) -> bool:
        return not self.problems


def get_package_estimates(*, packages: Iterable[Package]) -> dict[int, PackageEstimate]:
    """The estimated cost of each package, by package id: per item, the
    estimated cost of one batch of its recipe (DESIGN.md, "Costs") divided
    by the yield, times the units. Packages from `packages_with_contents`
    take a constant number of queries, whatever their number."""
    packages = list(packages)
    recipes = {
        item.recipe_id: item.recipe for package in packages for item in _items(package)
    }
    estimates = dict(
        zip(
            recipes,
            estimate_recipe_costs(
                orders=[(recipe, Decimal(1)) for recipe in recipes.values()]
            ),
            strict=True,
        )
    )
    result = {}
    for package in packages:
        items = tuple(
            _item_estimate(item, estimates[item.recipe_id]) for item in _items(package)
        )
        result[package.pk] = PackageEstimate(
            package=package,
            items=items,
            estimated_cost=quantize_money(
                sum((i.cost for i in items if i.cost is not None), ZERO)
            ),
        )
    return result


def _items(package: Package) -> list[PackageItem]:
    return list(package.items.all())


def _item_estimate(item: PackageItem, estimate) -> ItemEstimate:
    recipe = item.recipe
    unpriced = unpriced_names(estimate)
    if not recipe.yield_quantity:
        return ItemEstimate(
            item=item,
            batch_share=None,
            cost_per_batch=estimate.cost_per_batch,
            cost=None,
            unpriced=unpriced,
            problem=f"Set a yield for {recipe.name} to cost its units.",
        )
    share = item.quantity / recipe.yield_quantity
    return ItemEstimate(
        item=item,
        batch_share=share,
        cost_per_batch=estimate.cost_per_batch,
        cost=quantize_money(estimate.total_cost * share),
        unpriced=unpriced,
    )


@dataclass(frozen=True)
class RecipientMatch:
    """Pasted names sorted out: the recipients they name (`found`), the names
    no recipient has (`unknown`, as (name, household) pairs to create), and
    the names several recipients share (`ambiguous`)."""

    found: tuple[Recipient, ...]
    unknown: tuple[tuple[str, str], ...]
    ambiguous: tuple[str, ...]


def split_recipient_label(line: str) -> tuple[str, str]:
    """ "Martha (Lee family)" -> ("Martha", "Lee family"), as a recipient's
    name reads; "Martha" -> ("Martha", "")."""
    line = " ".join(line.split())
    if line.endswith(")") and " (" in line:
        name, household = line[:-1].rsplit(" (", 1)
        if name.strip() and household.strip():
            return name.strip(), household.strip()
    return line, ""


def match_recipient_names(*, lines: Iterable[str]) -> RecipientMatch:
    """Finds the recipients that pasted lines name, ignoring case, accents
    and repeated spaces, in one query. A line "Name (Household)" names that
    household's recipient; a bare name matches the one recipient of that
    name, and is ambiguous when several share it."""
    labels = []
    seen = set()
    for line in lines:
        name, household = split_recipient_label(line)
        key = (fold(name), fold(household))
        if name and key not in seen:
            seen.add(key)
            labels.append((name, household, key))
    if not labels:
        return RecipientMatch(found=(), unknown=(), ambiguous=())
    candidates = defaultdict(list)
    for recipient in Recipient.objects.alias(
        folded_name=Folded("name", output_field=CharField())
    ).filter(folded_name__in={key[0] for *_, key in labels}):
        candidates[fold(" ".join(recipient.name.split()))].append(recipient)
    found, unknown, ambiguous = {}, [], []
    for name, household, (folded_name, folded_household) in labels:
        named = candidates.get(folded_name, [])
        if household:
            named = [r for r in named if fold(r.household) == folded_household]
        if len(named) == 1:
            found.setdefault(named[0].pk, named[0])
        elif not named:
            unknown.append((name, household))
        else:
            ambiguous.append(name)
    return RecipientMatch(
        found=tuple(found.values()), unknown=tuple(unknown), ambiguous=tuple(ambiguous)
    )


def get_event_deletion_refusal(*, event: Event) -> str:
    """Why the event cannot be deleted, or "" when it can: what was recorded
    for it (production records) stays, and so do its assembled and delivered
    packages."""
    collector = Collector(using=router.db_for_write(Event))
    try:
        collector.collect([event])
    except (ProtectedError, RestrictedError) as error:
        objects = kept_by(error)
        return event_kept_because(event=event, objects=objects)
    settled = event.assignments.settled().aggregate(count=Sum("quantity", default=0))
    if settled["count"]:
        count = settled["count"]
        return (
            f"{event.name} cannot be deleted: {count} of its packages "
            f"{'is' if count == 1 else 'are'} assembled or delivered already."
        )
    return ""


def event_kept_because(*, event: Event, objects: Iterable) -> str:
    """ "Christmas cannot be deleted: 3 production records were kept for it…"."""
    counts = Counter(
        (obj._meta.verbose_name, obj._meta.verbose_name_plural) for obj in objects
    )
    what = ", ".join(
        f"{count} {plural if count != 1 else singular}"
        for (singular, plural), count in sorted(counts.items())
    )
    return (
        f"{event.name} cannot be deleted: {what} "
        f"{'was' if sum(counts.values()) == 1 else 'were'} recorded for it. "
        "Baking stays on record, even when reversed, because the lots it used "
        "trace to it. Rename the event or change its date instead."
    )


def get_recipe_uses(*, recipe: Recipe) -> RecipeUses:
    """The packages that hold the recipe, and what upcoming events (today
    on) need of it: batches required and batches still to bake, nearest
    event first. A constant number of queries (pantry's recipe page shows
    it through `pantry.selectors.register_recipe_uses`)."""
    items = PackageItem.objects.filter(recipe=recipe).select_related("package")
    packages = tuple(
        PackageUse(name=item.package.name, units=item.quantity)
        for item in items.order_by("package__name")
    )
    events = list(
        Event.objects.filter(
            date__gte=timezone.localdate(),
            assignments__package__items__recipe=recipe,
        )
        .distinct()
        .order_by("date", "name")
    )
    needs_by_event = get_recipe_needs_by_event(events=events)
    produced = get_batches_produced(event_ids=[event.pk for event in events])
    uses = []
    for event in events:
        need = next(n for n in needs_by_event[event.pk] if n.recipe.pk == recipe.pk)
        done = produced.get(event.pk, {}).get(recipe.pk)
        uses.append(
            EventBatches(
                name=event.name,
                date=event.date,
                units_needed=need.units_needed,
                batches_required=need.batches_required,
                batches_to_go=batches_to_go(
                    units_needed=need.units_needed,
                    yield_quantity=need.yield_quantity,
                    units_made=done.units_made if done else ZERO,
                ),
                problem=need.problem,
            )
        )
    return RecipeUses(packages=packages, events=tuple(uses))
