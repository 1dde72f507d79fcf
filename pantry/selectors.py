"""Reads of the pantry: stock on hand, what a recipe needs and what it costs."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from bakery.folding import fold
from bakery.numbers import ZERO, quantize_money, quantize_quantity, to_decimal
from bakery.search import search
from bakery.version import PerVersion
from pantry import units
from pantry.models import Ingredient, Lot, Product, Recipe, RecipeLine, StockLot
from pantry.services import FifoLine, allocate_fifo, consumption_order


def ingredients_with_stock() -> QuerySet[Ingredient]:
    """Ingredients annotated with `on_hand`, `stock_value` (of priced lots),
    `lots_in_stock`, `unpriced_lots` (in stock) and the preferred product (for
    display in packages), in one query."""
    in_stock = Q(lots__quantity_remaining__gt=0)
    preferred = Product.objects.filter(ingredient=OuterRef("pk"), is_preferred=True)
    return Ingredient.objects.annotate(
        on_hand=Coalesce(
            Sum("lots__quantity_remaining"),
            Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=3),
        ),
        stock_value=Coalesce(
            Sum("lots__cost_remaining"),
            Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=4),
        ),
        lots_in_stock=Count("lots", filter=in_stock),
        unpriced_lots=Count("lots", filter=in_stock & Q(lots__is_priced=False)),
        package_quantity=Subquery(preferred.values("package_quantity")[:1]),
        package_unit=Subquery(preferred.values("package_unit")[:1]),
        package_type=Subquery(preferred.values("package_type")[:1]),
    )


def describe_stock(ingredient: Ingredient, quantity: Decimal) -> str:
    """A quantity of an ingredient from `ingredients_with_stock`, in packages of
    its preferred product where it has one: "2.5 bags (12.5 lb)"."""
    if ingredient.package_quantity:
        return units.format_in_packages(
            quantity,
            ingredient.stock_unit,
            package_quantity=ingredient.package_quantity,
            package_unit=ingredient.package_unit,
            package_type=ingredient.package_type,
            ingredient=ingredient,
        )
    return units.format_quantity(quantity, ingredient.stock_unit)


def recipes_with_lines() -> QuerySet[Recipe]:
    """Recipes with their lines and the lines' ingredients, two queries in all."""
    return Recipe.objects.prefetch_related(
        Prefetch("lines", queryset=RecipeLine.objects.select_related("ingredient"))
    )


def lots_in_stock_by_ingredient(
    *, ingredient_ids: Iterable[int]
) -> dict[int, list[Lot]]:
    """Lots in stock of these ingredients, oldest first, by ingredient id."""
    ids = set(ingredient_ids)
    lots: dict[int, list[Lot]] = {pk: [] for pk in ids}
    for lot in Lot.objects.filter(ingredient_id__in=ids).in_stock().fifo():
        lots[lot.ingredient_id].append(lot)
    return lots


def stock_lots_by_ingredient(
    *, ingredient_ids: Iterable[int]
) -> dict[int, list[StockLot]]:
    """`lots_in_stock_by_ingredient` as StockLots, for estimates."""
    ids = set(ingredient_ids)
    return {pk: [] for pk in ids} | Lot.objects.filter(
        ingredient_id__in=ids
    ).stock_lots()


@dataclass(frozen=True)
class Requirement:
    """How much of an ingredient a recipe needs, in the ingredient's stock unit.

    `problem` says why the quantity could not be worked out (a unit that
    does not convert); `quantity` is then None.
    """

    ingredient: Ingredient
    quantity: Decimal | None
    problem: str = ""


def get_recipe_requirements(
    *, recipe: Recipe, batches: Decimal, lines: Iterable[RecipeLine] | None = None
) -> list[Requirement]:
    """What `batches` of the recipe need, one entry per ingredient (lines of the
    same ingredient added up), in recipe line order. Uses `recipe.lines` as
    prefetched with their ingredients when it is."""
    totals: dict[int, Requirement] = {}
    for line in recipe.lines.all() if lines is None else lines:
        current = totals.get(line.ingredient_id)
        if current is not None and current.quantity is None:
            continue
        try:
            amount = line.quantity_in_stock_unit(to_decimal(batches))
        except ValidationError as error:
            totals[line.ingredient_id] = Requirement(
                ingredient=line.ingredient,
                quantity=None,
                problem=" ".join(error.messages),
            )
            continue
        previous = current.quantity if current is not None else ZERO
        totals[line.ingredient_id] = Requirement(
            ingredient=line.ingredient, quantity=previous + amount
        )
    return [
        Requirement(
            ingredient=requirement.ingredient,
            quantity=quantize_quantity(requirement.quantity),
        )
        if requirement.quantity is not None
        else requirement
        for requirement in totals.values()
    ]


@dataclass(frozen=True)
class IngredientCost:
    """The estimated cost of one ingredient of a recipe.

    Stock covers `from_stock` (at `stock_cost`, lot by lot in `lots`); the
    `shortfall` is priced at the latest purchase price. `cost` is None, and
    `problem` says why, when the ingredient cannot be priced.
    """

    ingredient: Ingredient
    quantity: Decimal | None
    unit: str
    lots: tuple[FifoLine, ...] = ()
    from_stock: Decimal = ZERO
    stock_cost: Decimal = ZERO
    shortfall: Decimal = ZERO
    latest_unit_cost: Decimal | None = None
    shortfall_cost: Decimal | None = None
    cost: Decimal | None = None
    problem: str = ""

    @property
    def is_priced(self) -> bool:
        return self.cost is not None


@dataclass(frozen=True)
class RecipeCostEstimate:
    recipe: Recipe
    batches: Decimal
    lines: tuple[IngredientCost, ...]
    total_cost: Decimal  # of the priced lines
    unpriced: tuple[IngredientCost, ...]  # the lines without a cost

    @property
    def is_fully_priced(self) -> bool:
        return not self.unpriced

    @property
    def cost_per_batch(self) -> Decimal:
        return quantize_money(self.total_cost / self.batches) if self.batches else ZERO


def estimate_recipe_cost(
    *, recipe: Recipe, batches: Decimal = Decimal(1)
) -> RecipeCostEstimate:
    """The cost of `batches` of a recipe from the pantry as it stands.

    One FIFO dry run of the whole quantity of each ingredient over the lots
    on hand; what stock does not cover is priced at the latest purchase
    price (the newest lot of the preferred product, else of any product).
    """
    [estimate] = estimate_recipe_costs(orders=[(recipe, batches)])
    return estimate


# Estimates of the pantry as it stands, by (recipe id, batches): worked out
# once per change of the data (see bakery.version). The dashboard of the
# benchmark's season M prices 60 pairs, about 14 kB each (8 lines): 2,000
# pairs hold under 30 MB.
_estimates = PerVersion(limit=2_000)


def estimate_recipe_costs(
    *, orders: Sequence[tuple[Recipe, Decimal]]
) -> list[RecipeCostEstimate]:
    """Estimates for several (recipe, batches) pairs, in their order, in a
    constant number of queries. Each pair is its own dry run over the same
    stock: estimates do not take from each other. Identical pairs share one
    dry run, and a pair priced since the pantry last changed is not priced
    again."""
    kept = _estimates.current()
    keyed = [((recipe.pk, to_decimal(batches)), recipe) for recipe, batches in orders]
    missing = {key: recipe for key, recipe in keyed if key not in kept}
    if missing:
        kept.update(_estimate(missing))
    return [RecipeCostEstimate(recipe, key[1], *kept[key]) for key, recipe in keyed]


def _estimate(
    orders: dict[tuple[int, Decimal], Recipe],
) -> dict[tuple[int, Decimal], tuple]:
    """The lines, total cost and unpriced lines of each (recipe id, batches),
    in RecipeCostEstimate's order."""
    lines: dict[int, list[RecipeLine]] = {pk: [] for pk, _ in orders}
    for line in RecipeLine.objects.filter(recipe_id__in=lines).select_related(
        "ingredient"
    ):
        lines[line.recipe_id].append(line)
    requirements = {
        (pk, batches): get_recipe_requirements(
            recipe=recipe, batches=batches, lines=lines[pk]
        )
        for (pk, batches), recipe in orders.items()
    }
    ingredient_ids = {r.ingredient.pk for reqs in requirements.values() for r in reqs}
    lots_by_ingredient = stock_lots_by_ingredient(ingredient_ids=ingredient_ids)
    latest_prices = get_latest_unit_costs(ingredient_ids=ingredient_ids)
    estimates = {}
    for key, recipe_requirements in requirements.items():
        costs = tuple(
            _cost_of(requirement, lots_by_ingredient, latest_prices)
            for requirement in recipe_requirements
        )
        estimates[key] = (
            costs,
            sum((line.cost for line in costs if line.is_priced), ZERO),
            tuple(line for line in costs if not line.is_priced),
        )
    return estimates


def get_latest_unit_costs(*, ingredient_ids) -> dict[int, Decimal]:
    """Latest purchase price per stock unit, by ingredient id: the newest priced
    lot of the preferred product, else the newest priced lot. An ingredient
    none of whose lots has a price falls back on the latest price of a
    package (a price list's) of its preferred product, else of its product
    added last. One query."""
    newest_lot = Lot.objects.filter(ingredient=OuterRef("pk"), is_priced=True).order_by(
        Case(When(product__is_preferred=True, then=Value(0)), default=Value(1)),
        "-purchased_on",
        "-pk",
    )
    priced_product = Product.objects.filter(
        ingredient=OuterRef("pk"), last_price__isnull=False
    ).order_by(Case(When(is_preferred=True, then=Value(0)), default=Value(1)), "-pk")
    ingredients = Ingredient.objects.filter(pk__in=ingredient_ids).annotate(
        lot_cost=Subquery(newest_lot.values("total_cost")[:1]),
        lot_quantity=Subquery(newest_lot.values("quantity_purchased")[:1]),
        package_price=Subquery(priced_product.values("last_price")[:1]),
        package_quantity=Subquery(priced_product.values("package_quantity")[:1]),
        package_unit=Subquery(priced_product.values("package_unit")[:1]),
    )
    costs = {}
    for ingredient in ingredients:
        if ingredient.lot_cost is not None:
            costs[ingredient.pk] = ingredient.lot_cost / ingredient.lot_quantity
        elif ingredient.package_price is not None:
            try:
                package = ingredient.to_stock_unit(
                    ingredient.package_quantity, ingredient.package_unit
                )
            except ValidationError:
                continue  # flagged as unpriced, as without the price
            costs[ingredient.pk] = ingredient.package_price / package
    return costs


def _cost_of(
    requirement: Requirement,
    lots_by_ingredient: dict[int, list[StockLot]],
    latest_prices: dict[int, Decimal],
) -> IngredientCost:
    ingredient = requirement.ingredient
    if requirement.quantity is None:
        return IngredientCost(
            ingredient=ingredient,
            quantity=None,
            unit=ingredient.stock_unit,
            problem=requirement.problem,
        )
    lines, shortfall = allocate_fifo(
        consumption_order(lots_by_ingredient[ingredient.pk]), requirement.quantity
    )
    unit_cost = latest_prices.get(ingredient.pk)
    # Unpriced stock counts at the latest known price, like what stock lacks.
    unpriced = sum((line.quantity for line in lines if not line.lot.is_priced), ZERO)
    priced_cost = sum((line.cost for line in lines if line.lot.is_priced), ZERO)
    problem = ""
    if unpriced and unit_cost is None:
        stock_cost = None
        problem = (
            f"The {ingredient.name} on hand is unpriced and no purchase gives "
            "its price: import a price list or record a purchase."
        )
    else:
        stock_cost = priced_cost + (
            quantize_money(unpriced * unit_cost) if unpriced else ZERO
        )
    if shortfall == 0:
        shortfall_cost = ZERO
    elif unit_cost is None:
        shortfall_cost = None
        problem = problem or (
            f"No purchase of {ingredient.name} to price it from: record one."
        )
    else:
        shortfall_cost = quantize_money(shortfall * unit_cost)
    return IngredientCost(
        ingredient=ingredient,
        quantity=requirement.quantity,
        unit=ingredient.stock_unit,
        lots=tuple(lines),
        from_stock=requirement.quantity - shortfall,
        stock_cost=priced_cost if stock_cost is None else stock_cost,
        shortfall=shortfall,
        latest_unit_cost=unit_cost,
        shortfall_cost=shortfall_cost,
        cost=None
        if shortfall_cost is None or stock_cost is None
        else stock_cost + shortfall_cost,
        problem=problem,
    )


def pantry_stock(*, query: str = "", category: str = "") -> QuerySet[Ingredient]:
    """Ingredients with their stock (see `ingredients_with_stock`) and their
    lots in stock oldest first (`lots_in_stock_list`), searched by name or
    category ignoring case and accents, by name."""
    ingredients = ingredients_with_stock().prefetch_related(
        Prefetch(
            "lots", queryset=Lot.objects.in_stock().fifo(), to_attr="lots_in_stock_list"
        )
    )
    ingredients = search(ingredients, query, ["name", "category"])
    if category:
        ingredients = ingredients.filter(category=category)
    return ingredients.order_by("name")


def ingredient_categories() -> list[str]:
    return list(
        Ingredient.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class PantryTotals:
    ingredients: int
    ingredients_in_stock: int
    lots_in_stock: int
    stock_value: Decimal  # of the priced lots
    unpriced_lots: int
    recipes: int


def get_pantry_totals() -> PantryTotals:
    """Counts and the value of stock on hand, in three queries."""
    lots = Lot.objects.in_stock().aggregate(
        lots=Count("pk"),
        unpriced=Count("pk", filter=Q(is_priced=False)),
        ingredients=Count("ingredient", distinct=True),
        value=Coalesce(
            Sum("cost_remaining"),
            Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=4),
        ),
    )
    return PantryTotals(
        ingredients=Ingredient.objects.count(),
        ingredients_in_stock=lots["ingredients"],
        lots_in_stock=lots["lots"],
        stock_value=lots["value"],
        unpriced_lots=lots["unpriced"],
        recipes=Recipe.objects.count(),
    )


# --- The baker's pages ------------------------------------------------------


def lot_list(*, ingredient: Ingredient | None = None) -> QuerySet[Lot]:
    """Every lot (of one ingredient, if given) with its ingredient and
    product, newest purchase first."""
    lots = Lot.objects.select_related("ingredient", "product")
    if ingredient is not None:
        lots = lots.filter(ingredient=ingredient)
    return lots.order_by("-purchased_on", "-pk")


def search_lots(lots: QuerySet[Lot], query: str) -> QuerySet[Lot]:
    """Lots whose ingredient, product, supplier or notes hold every word of
    `query`, ignoring case and accents."""
    return search(
        lots,
        query,
        [
            "ingredient__name",
            "ingredient__category",
            "product__brand",
            "product__name",
            "supplier",
            "notes",
        ],
    )


def get_lot(*, pk: int) -> Lot:
    return Lot.objects.select_related("ingredient", "product").get(pk=pk)


def find_ingredient(*, slug: str) -> Ingredient | None:
    return Ingredient.objects.filter(slug=slug).first()


def find_product(*, pk: int) -> Product | None:
    """A product with its ingredient, or None."""
    return Product.objects.select_related("ingredient").filter(pk=pk).first()


def get_ingredient(*, slug: str) -> Ingredient:
    """An ingredient with its stock (see `ingredients_with_stock`)."""
    return ingredients_with_stock().get(slug=slug)


def products_with_last_purchase(*, ingredient: Ingredient) -> QuerySet[Product]:
    """The ingredient's products, the preferred first, each annotated with its
    newest lot: `last_purchased_on`, `last_quantity` (stock unit),
    `last_total_cost`, `last_is_priced` and `last_supplier`; one query."""
    newest = Lot.objects.filter(product=OuterRef("pk")).order_by("-purchased_on", "-pk")
    return (
        Product.objects.filter(ingredient=ingredient)
        .select_related("ingredient")
        .annotate(
            last_purchased_on=Subquery(newest.values("purchased_on")[:1]),
            last_quantity=Subquery(newest.values("quantity_purchased")[:1]),
            last_total_cost=Subquery(newest.values("total_cost")[:1]),
            last_is_priced=Subquery(newest.values("is_priced")[:1]),
            last_supplier=Subquery(newest.values("supplier")[:1]),
        )
        .order_by("-is_preferred", "brand", "name")
    )


def product_label(product: Product) -> str:
    """How the buying form names a product: "King Arthur AP flour, 25 lb bag ·
    Flour, all-purpose"."""
    return f"{product} · {product.ingredient.name}"


def ingredient_label(ingredient: Ingredient) -> str:
    return ingredient.name


@dataclass(frozen=True)
class PurchaseChoice:
    """Something to buy: a product, or an ingredient bought by size."""

    label: str
    product: Product | None
    ingredient: Ingredient


def purchase_choices(
    *, query: str = "", limit: int | None = None
) -> list[PurchaseChoice]:
    """Products (by ingredient) then ingredients, those matching every word of
    `query` ignoring case and accents; two queries."""
    products = Product.objects.select_related("ingredient").order_by(
        "ingredient__name", "-is_preferred", "brand", "name"
    )
    ingredients = Ingredient.objects.order_by("name")
    if query:
        products = search(products, query, ["brand", "name", "ingredient__name"])
        ingredients = search(ingredients, query, ["name", "category"])
    if limit is not None:
        products, ingredients = products[:limit], ingredients[:limit]
    return [
        PurchaseChoice(label=product_label(p), product=p, ingredient=p.ingredient)
        for p in products
    ] + [
        PurchaseChoice(label=ingredient_label(i), product=None, ingredient=i)
        for i in ingredients
    ]


def find_purchase_choice(text: str) -> PurchaseChoice:
    """The product or ingredient a buyer named: its label exactly (ignoring
    case and accents), else the one thing that matches every word. Raises
    ValidationError naming the candidates when none or several match."""
    wanted = fold(" ".join((text or "").split()))
    if not wanted:
        raise ValidationError("Choose a product or an ingredient.")
    choices = purchase_choices()
    exact = [c for c in choices if fold(c.label) == wanted]
    if len(exact) == 1:
        return exact[0]
    found = exact or purchase_choices(query=text)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValidationError(
            f"Nothing to buy is called “{text}”: choose one from the list, or "
            "add the product or ingredient below."
        )
    names = "; ".join(c.label for c in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    raise ValidationError(
        f"“{text}” matches {len(found)}: {names}{more}. Choose one from the list."
    )


def recipe_list() -> QuerySet[Recipe]:
    """Recipes with `line_count`, by name."""
    return Recipe.objects.annotate(line_count=Count("lines")).order_by("name")


def search_recipes(recipes: QuerySet[Recipe], query: str) -> QuerySet[Recipe]:
    """Recipes whose name or category holds every word of `query`, ignoring
    case and accents."""
    return search(recipes, query, ["name", "category"])


def recipe_categories() -> list[str]:
    return list(
        Recipe.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


def get_recipe(*, slug: str) -> Recipe:
    """A recipe with its lines in order and their ingredients, two queries."""
    return recipes_with_lines().get(slug=slug)


# --- Where a recipe is used: told by another app (events), as pantry does not
# import it.


@dataclass(frozen=True)
class PackageUse:
    """A package holding `units` (yield units) of the recipe."""

    name: str
    units: Decimal


@dataclass(frozen=True)
class EventBatches:
    """What an upcoming event needs of the recipe: `batches_required` (None
    when the recipe has no yield) and the batches still to bake."""

    name: str
    date: datetime.date
    units_needed: Decimal
    batches_required: int | None
    batches_to_go: int
    problem: str = ""


@dataclass(frozen=True)
class RecipeUses:
    packages: tuple[PackageUse, ...] = ()
    events: tuple[EventBatches, ...] = ()
    known: bool = True  # False: no app tells where recipes are used

    @property
    def batches_to_go(self) -> int:
        return sum(event.batches_to_go for event in self.events)


RecipeUsesProvider = Callable[[Recipe], RecipeUses]
_recipe_uses: list[RecipeUsesProvider] = []


def register_recipe_uses(provider: RecipeUsesProvider) -> None:
    """Lets the events app tell which packages hold a recipe and what
    upcoming events need of it."""
    _recipe_uses[:] = [provider]


def get_recipe_uses(*, recipe: Recipe) -> RecipeUses:
    if not _recipe_uses:
        return RecipeUses(known=False)
    return _recipe_uses[0](recipe)
