from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join

from bakery.admin import SharedChoicesInlineMixin
from bakery.numbers import format_money
from events.models import (
    Assignment,
    AssignmentStatus,
    Event,
    FrozenPlannedCost,
    Package,
    PackageItem,
    Recipient,
)
from events.selectors import get_planned_cost
from events.services import (
    ensure_package_contents_can_change,
    ensure_recipe_yield_can_change,
)
from pantry.admin import RecipeAdmin
from pantry.models import Recipe


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "household", "address", "assignment_count"]
    search_fields = ["name", "household", "address", "notes"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(assignment_total=Count("assignments"))
        )

    @admin.display(description="assignments", ordering="assignment_total")
    def assignment_count(self, recipient):
        return recipient.assignment_total


class PackageItemFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.deleted_forms or any(form.has_changed() for form in self.forms):
            ensure_package_contents_can_change(package=self.instance)


class PackageItemInline(SharedChoicesInlineMixin, admin.TabularInline):
    model = PackageItem
    formset = PackageItemFormSet
    extra = 1
    fields = ["recipe", "quantity"]
    shared_choice_fields = ("recipe",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipe")


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["name", "contents", "assignment_count"]
    search_fields = ["name", "description", "items__recipe__name"]
    list_filter = ["items__recipe"]
    inlines = [PackageItemInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(assignment_total=Count("assignments", distinct=True))
            .prefetch_related("items__recipe")
        )

    @admin.display(description="contents")
    def contents(self, package):
        return ", ".join(str(item) for item in package.items.all()) or "empty"

    @admin.display(description="assignments", ordering="assignment_total")
    def assignment_count(self, package):
        return package.assignment_total


class AssignmentInlineForm(forms.ModelForm):
    """An assembled or delivered package shows what it is, read-only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_settled:
            for name in ("recipient", "package", "quantity"):
                self.fields[name].disabled = True


class AssignmentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        settled = [
            form.instance for form in self.deleted_forms if form.instance.is_settled
        ]
        if settled:
            raise ValidationError(
                [
                    f"{assignment} is {assignment.status}: it cannot be removed."
                    for assignment in settled
                ]
            )


class AssignmentInline(SharedChoicesInlineMixin, admin.TabularInline):
    model = Assignment
    form = AssignmentInlineForm
    formset = AssignmentFormSet
    extra = 1
    fields = ["recipient", "package", "quantity", "status", "delivery_note"]
    readonly_fields = ["status"]
    shared_choice_fields = ("recipient", "package")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("event", "recipient", "package")
        )


def _count(status):
    return Count("assignments", filter=Q(assignments__status=status))


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "total", "pending", "assembled", "delivered"]
    list_filter = ["date"]
    search_fields = ["name", "notes"]
    date_hierarchy = "date"
    ordering = ["date", "name"]
    inlines = [AssignmentInline]
    readonly_fields = ["plan"]
    fields = ["name", "date", "notes", "plan"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                assignment_total=Count("assignments"),
                pending_total=_count(AssignmentStatus.PENDING),
                assembled_total=_count(AssignmentStatus.ASSEMBLED),
                delivered_total=_count(AssignmentStatus.DELIVERED),
            )
        )

    @admin.display(description="packages", ordering="assignment_total")
    def total(self, event):
        return event.assignment_total

    @admin.display(ordering="pending_total")
    def pending(self, event):
        return event.pending_total

    @admin.display(ordering="assembled_total")
    def assembled(self, event):
        return event.assembled_total

    @admin.display(ordering="delivered_total")
    def delivered(self, event):
        return event.delivered_total

    @admin.display(description="plan")
    def plan(self, event):
        """Batches to bake and planned cost per recipe, as the plan stands."""
        if event.pk is None:
            return "Save the event with its assignments to see its plan."
        planned = get_planned_cost(event=event)
        if not planned.recipes:
            return "No packages planned yet: add assignments below."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r.recipe.name,
                    r.batches_required if r.batches_required is not None else "—",
                    format_money(r.planned_cost),
                    r.problem
                    or "; ".join(r.unpriced)
                    or ("kept" if r.is_frozen else ""),
                )
                for r in planned.recipes
            ),
        )
        return format_html(
            "<table><thead><tr><th>Recipe</th><th>Batches</th><th>Planned cost</th>"
            "<th>Notes</th></tr></thead><tbody>{}</tbody><tfoot><tr><th>Total</th>"
            "<td></td><th>{}</th><td></td></tr></tfoot></table>",
            rows,
            format_money(planned.total),
        )


class AssignmentAdmin(admin.ModelAdmin):
    """Assignments; production.admin registers them with the status actions."""

    list_display = [
        "recipient",
        "package",
        "quantity",
        "event",
        "status",
        "status_time",
    ]
    list_filter = ["status", "event", "package"]
    search_fields = [
        "recipient__name",
        "recipient__household",
        "package__name",
        "event__name",
    ]
    list_select_related = ["event", "recipient", "package"]
    readonly_fields = ["status", "assembled_at", "delivered_at", "status_changed_by"]
    fields = [
        "event",
        "recipient",
        "package",
        "quantity",
        "status",
        "assembled_at",
        "delivered_at",
        "status_changed_by",
        "delivery_note",
    ]
    ordering = ["event__date", "recipient__name", "package__name"]

    @admin.display(description="since")
    def status_time(self, assignment):
        return assignment.delivered_at or assignment.assembled_at or ""

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_settled:
            return [name for name in self.fields if name != "delivery_note"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_settled:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(FrozenPlannedCost)
class FrozenPlannedCostAdmin(admin.ModelAdmin):
    list_display = ["event", "recipe", "cost_display", "is_fully_priced", "frozen_at"]
    list_filter = ["is_fully_priced", "event"]
    search_fields = ["event__name", "recipe__name"]
    list_select_related = ["event", "recipe"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="cost per batch", ordering="cost_per_batch")
    def cost_display(self, frozen):
        return format_money(frozen.cost_per_batch)


admin.site.register(Assignment, AssignmentAdmin)


class RecipeYieldForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if "yield_quantity" in self.changed_data:
            try:
                ensure_recipe_yield_can_change(recipe=self.instance)
            except ValidationError as error:
                self.add_error("yield_quantity", error)
        return cleaned


class PlannedRecipeAdmin(RecipeAdmin):
    """Recipes, whose yield stays while assembled packages count on it."""

    form = RecipeYieldForm


admin.site.unregister(Recipe)
admin.site.register(Recipe, PlannedRecipeAdmin)
