from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from bakery.admin import ReadOnlyInline
from bakery.numbers import format_money
from events.admin import AssignmentAdmin
from events.models import Assignment, AssignmentStatus
from pantry.admin import IngredientAdmin
from pantry.forms import IngredientForm
from pantry.models import Ingredient
from production import services
from production.filters import REVERSED_CHOICES, filter_reversed
from production.models import ConsumptionLine, ProductionRecord


def _apply_to_each(modeladmin, request, queryset, change, done_message):
    """Runs a service per selected row; refusals are reported per row with
    their reason, and the other rows proceed."""
    done = 0
    for obj in queryset:
        try:
            change(obj)
        except ValidationError as error:
            modeladmin.message_user(
                request, f"{obj}: {' '.join(error.messages)}", messages.ERROR
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


class ConsumptionLineInline(ReadOnlyInline):
    model = ConsumptionLine
    fields = ["ingredient", "lot", "quantity", "cost"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("ingredient", "lot__ingredient", "record")
        )


class ReversedFilter(admin.SimpleListFilter):
    title = "reversed"
    parameter_name = "reversed"

    def lookups(self, request, model_admin):
        return REVERSED_CHOICES

    def queryset(self, request, queryset):
        return filter_reversed(queryset, self.value())


@admin.register(ProductionRecord)
class ProductionRecordAdmin(admin.ModelAdmin):
    """History of production, read-only: recorded from the production pages,
    undone with the "reverse" action, never deleted."""

    list_display = [
        "__str__",
        "batches",
        "units_made",
        "cost_display",
        "produced_at",
        "produced_by",
        "reversed_at",
    ]
    list_filter = [ReversedFilter, "event", "recipe", "produced_at"]
    search_fields = ["recipe__name", "event__name", "notes", "reversal_reason"]
    list_select_related = ["event", "recipe", "produced_by"]
    date_hierarchy = "produced_at"
    inlines = [ConsumptionLineInline]
    actions = ["reverse"]
    fields = [
        "event",
        "recipe",
        "batches",
        "units_made",
        "actual_cost",
        "produced_at",
        "produced_by",
        "notes",
        "reversed_at",
        "reversed_by",
        "reversal_reason",
        "expiry_warnings",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("production.change_productionrecord"):
            actions.pop("reverse", None)
        return actions

    @admin.display(description="actual cost", ordering="actual_cost")
    def cost_display(self, record):
        return format_money(record.actual_cost)

    @admin.action(description="Reverse: put the lots they used back")
    def reverse(self, request, queryset):
        _apply_to_each(
            self,
            request,
            queryset,
            lambda record: services.reverse_production(
                record=record, user=request.user, reason="Reversed in the admin."
            ),
            lambda n: (
                f"Reversed {n} production record(s); their lots hold the stock again."
            ),
        )


class ProductionAssignmentAdmin(AssignmentAdmin):
    """Assignments with the status actions, through production.services."""

    actions = ["mark_assembled", "mark_delivered"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("events.change_assignment"):
            actions.pop("mark_assembled", None)
            actions.pop("mark_delivered", None)
        return actions

    def _move(self, request, queryset, status):
        _apply_to_each(
            self,
            request,
            queryset.select_related("event", "recipient", "package"),
            lambda assignment: services.update_package_status(
                assignment=assignment, status=status, user=request.user
            ),
            lambda n: f"Marked {n} assignment(s) {status}.",
        )

    @admin.action(description="Mark assembled")
    def mark_assembled(self, request, queryset):
        self._move(request, queryset, AssignmentStatus.ASSEMBLED)

    @admin.action(description="Mark delivered")
    def mark_delivered(self, request, queryset):
        self._move(request, queryset, AssignmentStatus.DELIVERED)


admin.site.unregister(Assignment)
admin.site.register(Assignment, ProductionAssignmentAdmin)


class IngredientUnitForm(IngredientForm):
    """A new stock unit is checked here and applied by
    `services.change_stock_unit`, which converts every lot with it."""

    new_stock_unit = None

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("stock_unit")
        if (
            self.instance.pk is None
            or unit is None
            or "stock_unit" not in self.changed_data
        ):
            return cleaned
        try:
            services.change_stock_unit(
                ingredient=self.instance, unit=unit, dry_run=True
            )
        except ValidationError as error:
            for messages_ in error.message_dict.values():
                self.add_error("stock_unit", messages_)
            return cleaned
        # The instance keeps its stored unit until the service converts it.
        self.new_stock_unit = unit
        cleaned["stock_unit"] = self.initial["stock_unit"]
        return cleaned


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Ingredient.objects.none(), label="Merge into"
    )

    def __init__(self, *args, merging, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Ingredient.objects.exclude(
            pk__in=[ingredient.pk for ingredient in merging]
        )


class ConvertingIngredientAdmin(IngredientAdmin):
    """Ingredients, whose stock unit changes with every lot converted, and
    duplicates merged into one."""

    form = IngredientUnitForm
    actions = ["merge"]

    @admin.action(
        description="Merge into another ingredient…",
        permissions=["change", "delete"],
    )
    def merge(self, request, queryset):
        """Asks for the ingredient to merge into, shows what the merge will do
        (a dry run of the service), and merges once confirmed."""
        merging = list(queryset.order_by("name"))
        form = MergeForm(
            request.POST if "into" in request.POST else None, merging=merging
        )
        previews = []
        if form.is_valid():
            into = form.cleaned_data["into"]
            if request.POST.get("confirmed") == "yes":
                _apply_to_each(
                    self,
                    request,
                    merging,
                    lambda source: services.merge_ingredients(
                        source=source, target=into, user=request.user
                    ),
                    lambda n: f"Merged {n} ingredient(s) into {into}.",
                )
                return None
            for source in merging:
                try:
                    previews.append(
                        services.merge_ingredients(
                            source=source, target=into, dry_run=True
                        )
                    )
                except ValidationError as error:
                    form.add_error("into", f"{source}: {' '.join(error.messages)}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Merge ingredients",
            "queryset": merging,
            "form": form,
            "previews": previews,
        }
        return TemplateResponse(request, "admin/pantry/ingredient/merge.html", context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.new_stock_unit:
            conversion = services.change_stock_unit(
                ingredient=obj, unit=form.new_stock_unit, user=request.user
            )
            obj.stock_unit = conversion.to_unit
            self.message_user(request, str(conversion), messages.SUCCESS)


admin.site.unregister(Ingredient)
admin.site.register(Ingredient, ConvertingIngredientAdmin)
