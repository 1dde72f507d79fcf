"""The pantry's pages: buying (receipts, buy again, new ingredients and
products), lots with waste and count corrections, and recipes.

Views are thin: they read through selectors, write through services, and
render one template per page; an htmx request gets the named partial that
changed (`page.html#partial`). Viewing needs a login (the middleware);
changing needs the model's permission.
"""

from __future__ import annotations

import copy
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from bakery.deletion import confirm_delete
from bakery.http import HtmxHttpRequest
from bakery.numbers import format_money
from pantry import services
from pantry.exceptions import ReceiptAlreadyRecorded
from pantry.filters import LotFilter, RecipeFilter
from pantry.forms import (
    IngredientPageForm,
    LotAdjustmentPageForm,
    ProductPageForm,
    PurchaseRowFormSet,
    Receipt,
    RecipeForm,
    RecipeLineForm,
    RecipeLineFormSet,
    add_errors,
    density_in_words,
    recipe_line_initial,
)
from pantry.models import Ingredient, Lot, Recipe, RecordedReceipt
from pantry.selectors import (
    describe_stock,
    estimate_recipe_cost,
    find_ingredient,
    find_product,
    get_ingredient,
    get_lot,
    get_recipe,
    get_recipe_uses,
    ingredient_label,
    lot_list,
    product_label,
    products_with_last_purchase,
    purchase_choices,
    recipe_list,
)
from pantry.tables import LotTable, ProductTable, RecipeTable
from pantry.units import format_quantity

PER_PAGE = 50
CHOICES_SHOWN = 50  # options the search of the buying form offers at once
MAX_ROWS = 100  # rows of a receipt or lines of a recipe


def _next_url(request: HtmxHttpRequest, default: str) -> str:
    """Where to go back to: the `next` the page gave, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _row_index(request: HtmxHttpRequest) -> int | None:
    """The index of a row to add (`?index=`), or None if it is not one."""
    text = request.GET.get("index", "")
    if text.isascii() and text.isdigit() and int(text) < MAX_ROWS:
        return int(text)
    return None


def _with_row_added(data, prefix: str):
    """The submitted data with one more (empty) row for the formset."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "0"))
    except ValueError:
        total = 0
    data[key] = str(min(total + 1, MAX_ROWS))
    return data


# --- Buying ------------------------------------------------------------------


def _buy_page(
    request: HtmxHttpRequest, receipt: Receipt, *, quiet: bool = False
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "pantry/buy.html",
        {
            "receipt": receipt,
            "quiet": quiet,
            "choices": purchase_choices(),
            "next_index": receipt.rows.total_form_count(),
            "ingredient_form": IngredientPageForm(prefix="ingredient"),
            "product_form": ProductPageForm(prefix="product"),
            "can_add_ingredient": user.has_perm("pantry.add_ingredient"),
            "can_add_product": user.has_perm("pantry.add_product"),
        },
    )


@permission_required("pantry.add_lot", raise_exception=True)
@require_http_methods(["GET", "POST"])
def buy(request: HtmxHttpRequest) -> HttpResponse:
    """GET: a receipt to fill in (`?item=` chooses the first row's product or
    ingredient). POST: records its purchases, all or nothing."""
    if request.method == "GET":
        item = _item_asked(request)
        return _buy_page(request, Receipt(initial_item=item))
    if "add_row" in request.POST:  # without JavaScript: one more row, nothing saved
        receipt = Receipt(_with_row_added(request.POST, Receipt.prefix))
        return _buy_page(request, receipt, quiet=True)
    receipt = Receipt(request.POST)
    if receipt.is_valid():
        purchases = receipt.purchases
        try:
            count = services.record_receipt(
                purchases=purchases,
                submission_key=receipt.form.cleaned_data["submission_key"],
            )
        except ReceiptAlreadyRecorded as repeat:
            messages.info(request, repeat.messages[0])
            return redirect("pantry:lots")
        except ValidationError as error:
            add_errors(receipt.form, error)
        else:
            messages.success(request, _recorded_message(count, purchases))
            return redirect("pantry:lots")
    return _buy_page(request, receipt)


def _recorded_message(count: int, purchases) -> str:
    """ "Recorded 3 purchases for $16.79 and 1 unpriced."."""
    priced = [p.total_cost for p in purchases if p.total_cost is not None]
    unpriced = len(purchases) - len(priced)
    text = f"Recorded {count} purchase{'s' if count != 1 else ''}"
    if priced:
        text += f" for {format_money(sum(priced))}"
        if unpriced:
            text += f" and {unpriced} unpriced"
    else:
        text += ", unpriced"
    return text + "."


def _item_asked(request: HtmxHttpRequest) -> str:
    """The first row's product or ingredient: `?product=<id>`,
    `?ingredient=<slug>` or `?item=<text>`."""
    product_pk = request.GET.get("product", "")
    if product_pk.isascii() and product_pk.isdigit():
        product = find_product(pk=int(product_pk))
        if product is not None:
            return product_label(product)
    if request.GET.get("ingredient"):
        ingredient = find_ingredient(slug=request.GET["ingredient"])
        if ingredient is not None:
            return ingredient_label(ingredient)
    return request.GET.get("item", "")


@permission_required("pantry.add_lot", raise_exception=True)
@require_GET
def buy_row(request: HtmxHttpRequest) -> HttpResponse:
    """One more empty row of the receipt (htmx), with the row count and the
    add button updated out of band."""
    index = _row_index(request)
    if index is None:
        return HttpResponseBadRequest("Give the index of the row to add.")
    form = PurchaseRowFormSet(prefix=Receipt.prefix).row(index)
    return render(
        request,
        "pantry/buy.html#new-row",
        {"row": form, "index": index, "next_index": index + 1},
    )


@require_GET
def buy_choices(request: HtmxHttpRequest) -> HttpResponse:
    """The products and ingredients matching what is typed in a row (htmx
    refreshes the list the rows share); any `…-item` or `q` parameter."""
    query = request.GET.get("q", "")
    for key, value in request.GET.items():
        if key.endswith("-item"):
            query = value
    choices = purchase_choices(query=query.strip(), limit=CHOICES_SHOWN)
    return render(request, "pantry/buy.html#purchase-choices", {"choices": choices})


@permission_required("pantry.add_lot", raise_exception=True)
@require_POST
def buy_again(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Records again the product's last purchase, dated today; a second tap
    on the same button (the same `submission_key`) buys nothing more."""
    product = find_product(pk=pk)
    if product is None:
        raise Http404("No such product.")
    key = request.POST.get("submission_key", "")
    if len(key) > RecordedReceipt._meta.get_field("key").max_length:
        return HttpResponseBadRequest("The form's key is too long.")
    default = reverse("pantry:ingredient", args=[product.ingredient.slug])
    try:
        lot = services.repeat_last_purchase(product=product, submission_key=key)
    except ReceiptAlreadyRecorded:
        messages.info(
            request,
            f"{product} was bought again already with this button: "
            "nothing was bought twice.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        cost = format_money(lot.total_cost) if lot.is_priced else "unpriced"
        messages.success(
            request,
            f"Bought again: {product}, "
            f"{format_quantity(lot.quantity_purchased, product.ingredient.stock_unit)}"
            f" ({cost}).",
        )
    return redirect(_next_url(request, default))


@permission_required("pantry.add_ingredient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def ingredient_create(request: HtmxHttpRequest) -> HttpResponse:
    """A new ingredient; from the buying page (htmx) it answers with the
    panel again and the choices updated."""
    form = IngredientPageForm(request.POST or None, prefix="ingredient")
    if request.method == "POST" and form.is_valid():
        try:
            ingredient = services.create_ingredient(**form.facts())
        except ValidationError as error:
            add_errors(form, error)
        else:
            text = f"Added {ingredient.name}."
            if request.htmx:
                return render(
                    request,
                    "pantry/buy.html#ingredient-added",
                    {
                        "ingredient_form": IngredientPageForm(prefix="ingredient"),
                        "product_form": ProductPageForm(
                            prefix="product", initial={"ingredient": ingredient.pk}
                        ),
                        "choices": purchase_choices(),
                        "ingredient_added": text + " Buy it by size in a row "
                        "above, or add its product.",
                        "can_add_ingredient": True,
                        "can_add_product": request.user.has_perm("pantry.add_product"),
                    },
                )
            messages.success(request, text)
            default = reverse("pantry:ingredient", args=[ingredient.slug])
            return redirect(_back_to_buying(request, default, ingredient=ingredient))
    if request.htmx and request.method == "POST":
        return render(
            request,
            "pantry/buy.html#new-ingredient",
            {"ingredient_form": form, "can_add_ingredient": True},
        )
    return render(
        request,
        "pantry/ingredient_form.html",
        {"form": form, "next": _next_url(request, "")},
    )


def _back_to_buying(
    request: HtmxHttpRequest, default: str, *, ingredient=None, product=None
) -> str:
    """The `next` page; the buying page with what was just added chosen."""
    target = _next_url(request, default)
    if target != reverse("pantry:buy"):
        return target
    if product is not None:
        return f"{target}?product={product.pk}"
    return f"{target}?ingredient={ingredient.slug}"


@permission_required("pantry.change_ingredient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def ingredient_edit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    ingredient = find_ingredient(slug=slug)
    if ingredient is None:
        raise Http404("No such ingredient.")
    form = IngredientPageForm(request.POST or None, instance=ingredient)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_ingredient(ingredient=ingredient, **form.facts())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Saved {ingredient.name}.")
            return redirect(
                _next_url(request, reverse("pantry:ingredient", args=[ingredient.slug]))
            )
    return render(
        request,
        "pantry/ingredient_form.html",
        {"form": form, "ingredient": ingredient, "next": _next_url(request, "")},
    )


@permission_required("pantry.add_product", raise_exception=True)
@require_http_methods(["GET", "POST"])
def product_create(request: HtmxHttpRequest) -> HttpResponse:
    """A new product; from the buying page (htmx) it answers with the panel
    again and the choices updated."""
    initial = {}
    if request.method == "GET" and request.GET.get("ingredient"):
        found = find_ingredient(slug=request.GET["ingredient"])
        initial = {"ingredient": found.pk} if found else {}
    form = ProductPageForm(request.POST or None, prefix="product", initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.create_product(**form.facts())
        except ValidationError as error:
            add_errors(form, error)
        else:
            label = product_label(product)
            if request.htmx:
                return render(
                    request,
                    "pantry/buy.html#product-added",
                    {
                        "product_form": ProductPageForm(prefix="product"),
                        "choices": purchase_choices(),
                        "product_added": f"Added {label}: choose it in a row above.",
                        "can_add_product": True,
                    },
                )
            messages.success(request, f"Added {label}.")
            default = reverse("pantry:ingredient", args=[product.ingredient.slug])
            return redirect(_back_to_buying(request, default, product=product))
    if request.htmx and request.method == "POST":
        return render(
            request,
            "pantry/buy.html#new-product",
            {"product_form": form, "can_add_product": True},
        )
    return render(
        request,
        "pantry/product_form.html",
        {"form": form, "next": _next_url(request, "")},
    )


@permission_required("pantry.change_product", raise_exception=True)
@require_http_methods(["GET", "POST"])
def product_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A product's label, package and whether it is preferred."""
    product = find_product(pk=pk)
    if product is None:
        raise Http404("No such product.")
    form = ProductPageForm(
        request.POST or None, prefix="product", instance=copy.copy(product)
    )
    back = reverse("pantry:ingredient", args=[product.ingredient.slug])
    if request.method == "POST" and form.is_valid():
        try:
            product = services.update_product(product=product, **form.facts())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Saved {product}.")
            return redirect(_next_url(request, back))
    return render(
        request,
        "pantry/product_form.html",
        {"form": form, "product": product, "next": _next_url(request, back)},
    )


@require_GET
def ingredient_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An ingredient: its facts in words, products with their last purchase
    (buy again), and its lots."""
    try:
        ingredient = get_ingredient(slug=slug)
    except Ingredient.DoesNotExist:
        raise Http404("No such ingredient.") from None
    products = ProductTable(
        products_with_last_purchase(ingredient=ingredient),
        prefix="products-",
        empty_text=_empty_products(request, ingredient),
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(products)
    lots = LotTable(
        lot_list(ingredient=ingredient),
        prefix="lots-",
        exclude=["ingredient"],
        empty_text="Not bought yet.",
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(lots)
    return render(
        request,
        "pantry/ingredient.html",
        {
            "ingredient": ingredient,
            "label": ingredient_label(ingredient),
            "density": density_in_words(ingredient),
            "on_hand": describe_stock(ingredient, ingredient.on_hand),
            "products_table": products,
            "lots_table": lots,
            "can_buy": request.user.has_perm("pantry.add_lot"),
            "can_adjust": request.user.has_perm("pantry.change_lot"),
            "can_edit": request.user.has_perm("pantry.change_ingredient"),
        },
    )


def _empty_products(request, ingredient: Ingredient) -> str:
    if not request.user.has_perm("pantry.add_product"):
        return "No products yet."
    url = reverse("pantry:product_new") + f"?ingredient={ingredient.slug}"
    return format_html('No products yet: <a href="{}">add one</a>.', url)


# --- Lots ----------------------------------------------------------------------


@require_GET
def lots(request: HtmxHttpRequest) -> HttpResponse:
    """Every purchase (lot), newest first, with waste and count corrections."""
    filters = LotFilter(request.GET or None, queryset=lot_list())
    if request.user.has_perm("pantry.add_lot"):
        empty = format_html(
            'No lots match. <a href="{}">Add a purchase</a>.', reverse("pantry:buy")
        )
    else:
        empty = "No lots match."
    table = LotTable(filters.qs, empty_text=empty)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "pantry/lots.html",
        {
            "filter": filters,
            "table": table,
            "can_buy": request.user.has_perm("pantry.add_lot"),
            "can_adjust": request.user.has_perm("pantry.change_lot"),
        },
    )


@permission_required("pantry.change_lot", raise_exception=True)
@require_http_methods(["GET", "POST"])
def lot_adjust(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Waste, or a count correction, with a reason: a stock movement."""
    try:
        lot = get_lot(pk=pk)
    except Lot.DoesNotExist:
        raise Http404("No such lot.") from None
    form = LotAdjustmentPageForm(request.POST or None, lot=lot)
    back = _next_url(request, reverse("pantry:lots"))
    if request.method == "POST" and form.is_valid():
        try:
            services.adjust_lot(
                lot=lot,
                kind=form.cleaned_data["kind"],
                quantity=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            left = format_quantity(lot.quantity_remaining, lot.ingredient.stock_unit)
            worth = format_money(lot.cost_remaining) if lot.is_priced else "unpriced"
            messages.success(request, f"{lot} now holds {left} ({worth}).")
            return redirect(back)
    context = {
        "lot": lot,
        "form": form,
        "back": back,
        "left": format_quantity(lot.quantity_remaining, lot.ingredient.stock_unit),
    }
    if request.htmx and request.method == "GET":
        return render(request, "pantry/lot_adjust.html#adjust-form", context)
    return render(request, "pantry/lot_adjust.html", context)


# --- Recipes ---------------------------------------------------------------------


def _require_recipe_editing(view):
    """Adding or changing a recipe: either permission lets the line helpers
    answer."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user
        if not (
            user.has_perm("pantry.add_recipe") or user.has_perm("pantry.change_recipe")
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


@require_GET
def recipes(request: HtmxHttpRequest) -> HttpResponse:
    filters = RecipeFilter(request.GET or None, queryset=recipe_list())
    if request.user.has_perm("pantry.add_recipe"):
        empty = format_html(
            'No recipes match. <a href="{}">Write a recipe</a>.',
            reverse("pantry:recipe_new"),
        )
    else:
        empty = "No recipes match."
    table = RecipeTable(filters.qs, empty_text=empty)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "pantry/recipes.html",
        {
            "filter": filters,
            "table": table,
            "can_add": request.user.has_perm("pantry.add_recipe"),
        },
    )


@require_GET
def recipe_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A recipe: its lines as written, its yield, what a batch costs now (the
    lots it would use), where it is used and the batches still to bake."""
    try:
        recipe = get_recipe(slug=slug)
    except Recipe.DoesNotExist:
        raise Http404("No such recipe.") from None
    return render(
        request,
        "pantry/recipe.html",
        {
            "recipe": recipe,
            "lines": recipe.lines.all(),
            "estimate": estimate_recipe_cost(recipe=recipe),
            "uses": get_recipe_uses(recipe=recipe),
            "can_edit": request.user.has_perm("pantry.change_recipe"),
        },
    )


def _recipe_form_page(request: HtmxHttpRequest, recipe: Recipe | None) -> HttpResponse:
    """The recipe form with its lines: GET shows it, POST saves it (or, with
    `add_line`, shows it again with one more line)."""
    initial = recipe_line_initial(recipe) if recipe else []
    instance = recipe or Recipe()
    quiet = False
    if request.method == "GET":
        form = RecipeForm(instance=instance)
        lines = RecipeLineFormSet(prefix="lines", initial=initial)
    elif "add_line" in request.POST:  # without JavaScript: one more line
        data = _with_row_added(request.POST, "lines")
        form = RecipeForm(data, instance=instance)
        lines = RecipeLineFormSet(data, prefix="lines", initial=initial)
        quiet = True
    else:
        form = RecipeForm(request.POST, instance=instance)
        lines = RecipeLineFormSet(request.POST, prefix="lines", initial=initial)
        if form.is_valid() & lines.is_valid():
            try:
                saved = services.save_recipe(recipe=form.instance, lines=lines.lines())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"Saved {saved.name}.")
                return redirect("pantry:recipe", slug=saved.slug)
    return render(
        request,
        "pantry/recipe_form.html",
        {
            "recipe": recipe,
            "form": form,
            "lines": lines,
            "quiet": quiet,
            "next_index": lines.total_form_count(),
        },
    )


@permission_required("pantry.add_recipe", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recipe_create(request: HtmxHttpRequest) -> HttpResponse:
    return _recipe_form_page(request, None)


@permission_required("pantry.change_recipe", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recipe_edit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    try:
        recipe = get_recipe(slug=slug)
    except Recipe.DoesNotExist:
        raise Http404("No such recipe.") from None
    return _recipe_form_page(request, recipe)


@permission_required("pantry.delete_recipe", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recipe_delete(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Asks before deleting; says why not while packages hold it or batches
    of it were baked."""
    try:
        recipe = get_recipe(slug=slug)
    except Recipe.DoesNotExist:
        raise Http404("No such recipe.") from None
    return confirm_delete(
        request,
        recipe,
        instead="Baking stays on record, and packages keep what they hold: "
        "edit the recipe instead.",
        goes_with_it="its lines",
        back_url=reverse("pantry:recipe", args=[recipe.slug]),
        done_url=reverse("pantry:recipes"),
    )


@_require_recipe_editing
@require_GET
def recipe_line_row(request: HtmxHttpRequest) -> HttpResponse:
    """One more empty line of the recipe form (htmx)."""
    index = _row_index(request)
    if index is None:
        return HttpResponseBadRequest("Give the index of the line to add.")
    form = RecipeLineFormSet(prefix="lines").row(index)
    return render(
        request,
        "pantry/recipe_form.html#new-line",
        {"line": form, "index": index, "next_index": index + 1},
    )


@_require_recipe_editing
@require_GET
def recipe_line_check(request: HtmxHttpRequest) -> HttpResponse:
    """Checks one line as it is typed (htmx): does its unit convert to the
    ingredient's? Answers the line's messages, or what it comes to."""
    prefix = next(
        (key.removesuffix("-unit") for key in request.GET if key.endswith("-unit")),
        None,
    )
    if prefix is None:
        return HttpResponseBadRequest("Give a line's ingredient, quantity and unit.")
    form = RecipeLineForm(request.GET, prefix=prefix)
    amount, problems = "", []
    if form.is_valid():
        ingredient = form.cleaned_data["ingredient"]
        quantity = ingredient.to_stock_unit(
            form.cleaned_data["quantity"], form.cleaned_data["unit"]
        )
        amount = format_quantity(quantity, ingredient.stock_unit)
    else:
        # What is not typed yet is not a problem while typing.
        problems = [
            message
            for name, errors in form.errors.items()
            if name == "__all__" or form[name].value() not in ("", None)
            for message in errors
        ]
    # A unit that does not convert is fixed on the ingredient (a density).
    ingredient = form.cleaned_data.get("ingredient")
    missing_fact = any(
        error.code == "conversion" for error in form.errors.as_data().get("unit", [])
    )
    fix = None
    if missing_fact and request.user.has_perm("pantry.change_ingredient"):
        fix = ingredient
    return render(
        request,
        "pantry/recipe_form.html#line-check",
        {"amount": amount, "problems": problems, "fix": fix},
    )
