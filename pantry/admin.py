from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from bakery.admin import ReadOnlyInline, SharedChoicesInlineMixin
from bakery.numbers import format_money
from pantry import services, units
from pantry.forms import IngredientForm, LotAdjustmentForm, LotPurchaseForm
from pantry.models import (
    Ingredient,
    Lot,
    Product,
    Recipe,
    RecipeLine,
    StockMovement,
    StockUnitChange,
)
from pantry.selectors import (
    describe_stock,
    estimate_recipe_cost,
    ingredients_with_stock,
)


class InStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("in", "In stock"), ("empty", "Used up")]

    def queryset(self, request, queryset):
        if self.value() == "in":
            return queryset.filter(quantity_remaining__gt=0)
        if self.value() == "empty":
            return queryset.filter(quantity_remaining=0)
        return queryset


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = [
        "brand",
        "name",
        "package_quantity",
        "package_unit",
        "package_type",
        "is_preferred",
    ]


@admin.register(Ingredient)
class IngredientAdmin(admin.ModelAdmin):
    form = IngredientForm
    list_display = [
        "name",
        "needs_review",
        "category",
        "stock_unit",
        "on_hand_display",
        "value_display",
        "lots_link",
    ]
    list_filter = ["needs_review", "category", "stock_unit"]
    search_fields = ["name", "slug", "category", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductInline]
    list_per_page = 100

    def get_queryset(self, request):
        return ingredients_with_stock()

    @admin.display(description="on hand", ordering="on_hand")
    def on_hand_display(self, ingredient):
        if not ingredient.on_hand:
            return "out of stock"
        return describe_stock(ingredient, ingredient.on_hand)

    @admin.display(description="value", ordering="stock_value")
    def value_display(self, ingredient):
        return format_money(ingredient.stock_value)

    @admin.display(description="lots in stock", ordering="lots_in_stock")
    def lots_link(self, ingredient):
        url = reverse("admin:pantry_lot_changelist")
        return format_html(
            '<a href="{}?ingredient__id__exact={}&stock=in">{}</a>',
            url,
            ingredient.pk,
            ingredient.lots_in_stock,
        )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["__str__", "ingredient", "brand", "package_display", "is_preferred"]
    list_filter = ["is_preferred", "ingredient__category", "package_type"]
    search_fields = ["name", "brand", "upc", "ingredient__name"]
    list_select_related = ["ingredient"]
    autocomplete_fields = ["ingredient"]

    @admin.display(description="package")
    def package_display(self, product):
        size = units.format_number(product.package_quantity)
        return f"{size} {product.package_unit} {product.package_type}"


class StockMovementInline(ReadOnlyInline):
    model = StockMovement
    fk_name = "lot"
    fields = ["created_at", "kind", "quantity", "cost", "note", "created_by"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by", "lot__ingredient")
        )


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "product",
        "purchased_on",
        "purchased_display",
        "remaining_display",
        "total_cost_display",
        "cost_remaining_display",
        "expires_on",
        "adjust_link",
    ]
    list_filter = [
        InStockFilter,
        "is_priced",
        "ingredient__category",
        "purchased_on",
        "ingredient",
    ]
    search_fields = [
        "ingredient__name",
        "product__name",
        "product__brand",
        "supplier",
        "notes",
    ]
    list_select_related = ["ingredient", "product", "product__ingredient"]
    date_hierarchy = "purchased_on"
    ordering = ["ingredient__name", "purchased_on", "pk"]
    autocomplete_fields = ["ingredient", "product"]
    inlines = [StockMovementInline]
    change_form_template = "admin/pantry/lot/change_form.html"
    locked_fields = [
        "ingredient",
        "quantity_purchased",
        "quantity_remaining",
        "total_cost",
        "cost_remaining",
        "is_priced",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LotPurchaseForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(LotPurchaseForm.Meta.fields)
        return [
            *self.locked_fields,
            "product",
            "purchased_on",
            "expires_on",
            "supplier",
            "notes",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.locked_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        lot = services.record_purchase(
            ingredient=data["ingredient"],
            product=data["product"],
            quantity=data["quantity"],
            unit=data["unit"] or None,
            total_cost=data["total_cost"],
            purchased_on=data["purchased_on"],
            expires_on=data["expires_on"],
            supplier=data["supplier"],
            notes=data["notes"],
        )
        obj.pk = lot.pk
        obj._state.adding = False

    def _in_stock_unit(self, lot, quantity):
        return units.format_quantity(quantity, lot.ingredient.stock_unit)

    @admin.display(description="bought", ordering="quantity_purchased")
    def purchased_display(self, lot):
        return self._in_stock_unit(lot, lot.quantity_purchased)

    @admin.display(description="remaining", ordering="quantity_remaining")
    def remaining_display(self, lot):
        return self._in_stock_unit(lot, lot.quantity_remaining)

    @admin.display(description="cost", ordering="total_cost")
    def total_cost_display(self, lot):
        return format_money(lot.total_cost) if lot.is_priced else "unpriced"

    @admin.display(description="cost remaining", ordering="cost_remaining")
    def cost_remaining_display(self, lot):
        return format_money(lot.cost_remaining) if lot.is_priced else "unpriced"

    @admin.display(description="")
    def adjust_link(self, lot):
        url = reverse("admin:pantry_lot_adjust", args=[lot.pk])
        return format_html('<a href="{}">Adjust stock</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:lot_id>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="pantry_lot_adjust",
            ),
            *super().get_urls(),
        ]

    def adjust_view(self, request, lot_id):
        """Writes waste or a count correction as a stock movement with a reason."""
        lot = get_object_or_404(Lot.objects.select_related("ingredient"), pk=lot_id)
        if not self.has_change_permission(request, lot):
            raise PermissionDenied
        form = LotAdjustmentForm(request.POST or None)
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
                _add_errors(form, error)
            else:
                self.message_user(
                    request,
                    f"{lot} now holds {_remaining(lot)}"
                    f" worth {format_money(lot.cost_remaining)}.",
                    messages.SUCCESS,
                )
                return redirect("admin:pantry_lot_change", lot.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Adjust stock of {lot}",
            "lot": lot,
            "form": form,
            "remaining": _remaining(lot),
            "original": lot,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/pantry/lot/adjust.html", context)


def _remaining(lot: Lot) -> str:
    return units.format_quantity(lot.quantity_remaining, lot.ingredient.stock_unit)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "lot",
        "kind",
        "quantity",
        "cost_display",
        "note",
        "created_by",
    ]
    list_filter = ["kind", "created_at", "lot__ingredient__category"]
    search_fields = ["note", "lot__ingredient__name"]
    list_select_related = ["lot", "lot__ingredient", "created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="cost", ordering="cost")
    def cost_display(self, movement):
        return format_money(movement.cost)


@admin.register(StockUnitChange)
class StockUnitChangeAdmin(admin.ModelAdmin):
    """The audit of stock unit changes: written by the change, never edited."""

    list_display = ["changed_at", "ingredient", "from_unit", "to_unit", "lots"]
    list_filter = ["to_unit"]
    search_fields = ["ingredient__name"]
    list_select_related = ["ingredient", "changed_by"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecipeLineInline(SharedChoicesInlineMixin, admin.TabularInline):
    model = RecipeLine
    extra = 1
    fields = ["position", "ingredient", "quantity", "unit", "note"]
    shared_choice_fields = ("ingredient",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ingredient")


@admin.register(Recipe)
class RecipeAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "yield_display", "line_count"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "category", "lines__ingredient__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RecipeLineInline]
    readonly_fields = ["estimated_cost"]
    fields = [
        "name",
        "slug",
        "category",
        "yield_quantity",
        "yield_unit",
        "notes",
        "estimated_cost",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_total=Count("lines"))

    @admin.display(description="yield")
    def yield_display(self, recipe):
        return recipe.yield_display

    @admin.display(description="ingredients", ordering="line_total")
    def line_count(self, recipe):
        return recipe.line_total

    @admin.display(description="estimated cost per batch")
    def estimated_cost(self, recipe):
        if recipe.pk is None:
            return "—"
        estimate = estimate_recipe_cost(recipe=recipe)
        text = format_money(estimate.total_cost)
        if not estimate.is_fully_priced:
            missing = "; ".join(
                f"{line.ingredient}: {line.problem}" for line in estimate.unpriced
            )
            return f"{text} without the unpriced ingredients ({missing})"
        return text
