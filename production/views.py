"""The baker's pages: dashboard, event production, history, pantry.

Views are thin: they read through selectors, write through services, and
render one template per page; an htmx request gets the named partial that
changed (`page.html#partial`).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_tables2 import RequestConfig

from bakery.http import HtmxHttpRequest
from bakery.numbers import format_money
from events.filters import EventFilter
from events.models import Assignment, AssignmentStatus, Event
from events.selectors import (
    event_assignments,
    get_remaining_ingredient_needs,
    get_shopping_list,
    packages_with_contents,
)
from pantry.models import Ingredient, Recipe
from pantry.selectors import get_pantry_totals, ingredient_categories, pantry_stock
from production import services
from production.dataio.export import neutralise
from production.filters import HistoryFilter
from production.forms import RecordForm, ReverseForm, StatusForm
from production.models import ProductionRecord, show_number
from production.selectors import (
    RECALL_COLUMNS,
    dashboard_events,
    events_with_package_counts,
    get_cost_chart,
    get_package_costs,
    get_progress_by_event,
    get_today_checklist,
    lot_with_ledger,
    production_history,
    recall_rows,
    trace_ingredient_lots,
    trace_lot,
    trace_package,
    units_yielded,
)
from production.tables import (
    EventTable,
    HistoryTable,
    PackageTable,
    PackingTable,
    PantryTable,
    RecipeProgressTable,
    RecipientCostTable,
    ShoppingSheetTable,
    ShoppingTable,
)

PER_PAGE = 50


DASHBOARD_PER_PAGE = 20


@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Events, upcoming ones first and nearest first, a page at a time."""
    include_complete = request.GET.get("completed") == "1"
    page = Paginator(
        dashboard_events(include_complete=include_complete), DASHBOARD_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "production/dashboard.html",
        {
            "entries": services.get_dashboard_summary(events=page.object_list),
            "page": page,
            "include_complete": include_complete,
            "today": timezone.localdate(),
        },
    )


@require_GET
def today(request: HtmxHttpRequest) -> HttpResponse:
    """The baker's checklist for the nearest event: what to bake, then what
    to pack, then what to deliver."""
    return render(
        request,
        "production/today.html",
        {"checklist": get_today_checklist(), "today": timezone.localdate()},
    )


@require_GET
def event_list(request: HtmxHttpRequest) -> HttpResponse:
    """Events, searchable (ignoring accents) and filtered by when."""
    filters = EventFilter(request.GET or None, queryset=events_with_package_counts())
    table = EventTable(filters.qs, order_by="-date")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request, "production/events.html", {"filter": filters, "table": table}
    )


# The prefixes of the event page's tables: a query key starting with one is
# how that table is listed (its page, its sort, its filter).
EVENT_TABLES = ("recipes-", "packages-", "shopping-", "recipients-")


def _listing(request: HtmxHttpRequest) -> QueryDict:
    """How the event page's tables are listed, from the query string. Its
    actions (record, mark) carry it, so that the page comes back as it was,
    with htmx or without."""
    listing = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key.startswith(EVENT_TABLES):
            listing.setlist(key, values)
    return listing


def _event_url(event_pk: int, listing: QueryDict, anchor: str = "") -> str:
    """The event page, listed as it was."""
    query = f"?{listing.urlencode()}" if listing else ""
    return reverse("production:event", args=[event_pk]) + query + anchor


def _event_page(
    request: HtmxHttpRequest,
    event: Event,
    *,
    panel: dict | None = None,
    refusals: dict[int, str] | None = None,
    partial: str | None = None,
) -> HttpResponse:
    """Renders the event page, or one of its partials for htmx. A package
    marked ("package-marked") shows its section again with the figures its
    status moves; the other tables stay as they are, and are not worked out."""
    partial = partial if request.htmx else None
    event = events_with_package_counts().get(pk=event.pk)
    progress = get_progress_by_event(events=[event])[event.pk]
    costs = get_package_costs(event=event, progress=progress)
    status = request.GET.get("packages-status", "")
    packages = PackageTable(list(costs.with_status(status)), prefix="packages-")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(packages)
    context = {
        "event": event,
        "progress": progress,
        "packages_table": packages,
        "package_status": status if status in AssignmentStatus.values else "",
        "package_statuses": AssignmentStatus.values,
        "refusals": refusals or {},
        "can_change_status": request.user.has_perm("events.change_assignment"),
        "listing": _listing(request),
    }
    if partial != "package-marked":
        recipes = RecipeProgressTable(list(progress.recipes), prefix="recipes-")
        RequestConfig(request, paginate=False).configure(recipes)
        shopping = get_shopping_list(event=event)
        shopping_table = ShoppingTable(list(shopping.items), prefix="shopping-")
        RequestConfig(request, paginate=False).configure(shopping_table)
        recipients = RecipientCostTable(list(costs.recipients), prefix="recipients-")
        RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(recipients)
        context |= {
            "recipes_table": recipes,
            "recipients_table": recipients,
            "shopping": shopping,
            "shopping_table": shopping_table,
            "chart": get_cost_chart(progress=progress),
            "panel": panel,
            "can_record": request.user.has_perm("production.add_productionrecord"),
        }
    template = "production/event.html" + (f"#{partial}" if partial else "")
    return render(request, template, context)


@require_GET
def event_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The event's production page (its body alone for htmx)."""
    event = get_object_or_404(Event, pk=pk)
    return _event_page(request, event, partial="event-body")


@require_GET
def shopping_sheet(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The event's shopping list to print on one sheet: what to buy, each
    with a box to tick."""
    event = get_object_or_404(Event, pk=pk)
    shopping = get_shopping_list(event=event)
    return render(
        request,
        "production/shopping_sheet.html",
        {
            "event": event,
            "shopping": shopping,
            "table": ShoppingSheetTable(list(shopping.to_buy)),
            "enough": [i.ingredient.name for i in shopping.items if not i.is_short],
        },
    )


@require_GET
def packing_sheet(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The event's packing list to print on one sheet: each recipient's
    packages, what one holds and its status, by recipient, each with a box
    to tick."""
    event = get_object_or_404(events_with_package_counts(), pk=pk)
    assignments = event_assignments(event=event).order_by(
        "recipient__name", "package__name", "pk"
    )
    packages = packages_with_contents().filter(pk__in=assignments.values("package"))
    table = PackingTable(
        assignments, contents={package.pk: package.items.all() for package in packages}
    )
    return render(
        request, "production/packing_sheet.html", {"event": event, "table": table}
    )


def _preview_form(request: HtmxHttpRequest) -> RecordForm:
    """The record form from the query string; unbound (one batch, now) until
    it says how many batches, as the Record link does not."""
    return RecordForm(request.GET if "batches" in request.GET else None)


def _record_panel(event: Event, recipe: Recipe, form: RecordForm, shortages=()) -> dict:
    """The record form with the preview of what it would use and make."""
    preview = None
    if form.is_bound and form.is_valid():
        try:
            preview = services.preview_production(
                event=event,
                recipe=recipe,
                batches=form.cleaned_data["batches"],
                units_made=form.cleaned_data["units_made"],
                produced_at=form.cleaned_data["produced_at"],
            )
        except ValidationError as error:
            form.add_service_error(error)
    elif not form.is_bound:
        preview = services.preview_production(event=event, recipe=recipe, batches=1)
    if preview is not None and preview.units_yielded is not None:
        form.fields["units_made"].widget.attrs["placeholder"] = show_number(
            preview.units_yielded
        )
    return {"recipe": recipe, "form": form, "preview": preview, "shortages": shortages}


@permission_required("production.add_productionrecord", raise_exception=True)
@require_http_methods(["GET", "POST"])
def record_batches(request: HtmxHttpRequest, pk: int, recipe_pk: int) -> HttpResponse:
    """GET: the record form and its preview. POST: records the batches."""
    event = get_object_or_404(Event, pk=pk)
    recipe = get_object_or_404(Recipe, pk=recipe_pk)
    if request.method == "GET":
        panel = _record_panel(event, recipe, _preview_form(request))
        if request.htmx:
            # Opened from a recipe's row: the panel opens under that row;
            # changed from within the panel: the panel alone.
            partial = (
                "record-panel"
                if request.htmx.target == "record-panel"
                else "record-row"
            )
            return render(
                request,
                f"production/event.html#{partial}",
                {
                    "event": event,
                    "panel": panel,
                    "can_record": True,
                    "listing": _listing(request),
                },
            )
        return _event_page(request, event, panel=panel)

    form = RecordForm(request.POST)
    if not form.is_valid():
        return _event_page(
            request,
            event,
            panel=_record_panel(event, recipe, form),
            partial="event-body",
        )
    try:
        record = services.record_production(
            event=event,
            recipe=recipe,
            batches=form.cleaned_data["batches"],
            units_made=form.cleaned_data["units_made"],
            produced_at=form.cleaned_data["produced_at"],
            notes=form.cleaned_data["notes"],
            user=request.user,
            submission_key=form.cleaned_data["submission_key"],
        )
    except services.InsufficientStock as error:
        panel = _record_panel(event, recipe, form, shortages=error.shortages)
        return _event_page(request, event, panel=panel, partial="event-body")
    except ValidationError as error:
        form.add_service_error(error)
        return _event_page(
            request,
            event,
            panel=_record_panel(event, recipe, form),
            partial="event-body",
        )
    messages.success(request, _recorded_message(record))
    if request.htmx:
        return _event_page(request, event, partial="event-body")
    return redirect(_event_url(event.pk, _listing(request)))


def _recorded_message(record: ProductionRecord) -> str:
    """ "Recorded 1.5 batches of Shortbread for $3.10: made 30 of 36 shortbread,
    baked Mon 30 Nov 14:00."."""
    batches = record.batches
    text = (
        f"Recorded {show_number(batches)} batch{'es' if batches != 1 else ''} "
        f"of {record.recipe.name} for {format_money(record.actual_cost)}"
    )
    details = []
    yielded = units_yielded(record.recipe, batches)
    if record.units_made is not None and record.units_made != yielded:
        made = f"made {show_number(record.units_made)}"
        if yielded is not None:
            made += f" of {show_number(yielded)}"
        details.append(f"{made} {record.recipe.yield_unit or 'units'}".rstrip())
    if timezone.localdate(record.produced_at) < timezone.localdate():
        details.append(
            f"baked {timezone.localtime(record.produced_at):%a %-d %b %H:%M}"
        )
    return text + (f": {', '.join(details)}." if details else ".")


@permission_required("events.change_assignment", raise_exception=True)
@require_POST
def change_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Marks a package assembled or delivered."""
    assignment = get_object_or_404(Assignment.objects.select_related("event"), pk=pk)
    form = StatusForm(request.POST)
    refusals = {}
    if not form.is_valid():
        refusals[assignment.pk] = "Choose assembled or delivered."
    else:
        try:
            services.update_package_status(
                assignment=assignment,
                status=form.cleaned_data["status"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            refusals[assignment.pk] = " ".join(error.messages)
        else:
            messages.success(
                request,
                f"{assignment.package} for {assignment.recipient}: "
                f"{form.cleaned_data['status']}.",
            )
    # ticked off on the Today checklist: the answer is that page again
    back_to_today = request.POST.get("back_to") == "today"
    if request.htmx and not back_to_today:
        return _event_page(
            request, assignment.event, refusals=refusals, partial="package-marked"
        )
    for refusal in refusals.values():
        messages.error(request, refusal)
    if back_to_today:
        return redirect("production:today")
    return redirect(_event_url(assignment.event_id, _listing(request), "#packages"))


@require_GET
def history(request: HtmxHttpRequest) -> HttpResponse:
    filters = HistoryFilter(request.GET or None, queryset=production_history())
    table = HistoryTable(filters.qs, order_by="-produced_at")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "production/history.html",
        {
            "filter": filters,
            "table": table,
            "can_reverse": request.user.has_perm("production.change_productionrecord"),
        },
    )


@permission_required("production.change_productionrecord", raise_exception=True)
@require_http_methods(["GET", "POST"])
def reverse_record(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Asks for confirmation and a reason, then reverses the record."""
    record = get_object_or_404(
        ProductionRecord.objects.select_related("event", "recipe"), pk=pk
    )
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse_production(
                record=record, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, f"Reversed {record}: its lots hold the stock again."
            )
            if request.htmx:
                return HttpResponseClientRedirect(reverse("production:history"))
            return redirect("production:history")
    lines = record.lines.select_related("lot", "ingredient")
    return render(
        request,
        "production/reverse.html",
        {"record": record, "form": form, "lines": lines},
    )


@require_GET
def pantry(request: HtmxHttpRequest) -> HttpResponse:
    """Stock on hand per ingredient with its lots, and what planned events need."""
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    ingredients = pantry_stock(query=query, category=category)
    upcoming = Event.objects.filter(date__gte=timezone.localdate())
    needs = get_remaining_ingredient_needs(events=upcoming)
    table = PantryTable(
        ingredients, needs=needs.quantities, first_needed=needs.first_needed
    )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "production/pantry.html",
        {
            "table": table,
            "query": query,
            "category": category,
            "categories": ingredient_categories(),
            "problems": needs.problems,
            "totals": get_pantry_totals(),
        },
    )


@require_GET
def lot_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A lot: its ledger (every movement, who and when) and where it went:
    productions, then the packages and recipients, by event."""
    lot = get_object_or_404(lot_with_ledger(), pk=pk)
    return render(
        request, "production/lot.html", {"lot": lot, "trace": trace_lot(lot=lot)}
    )


@require_GET
def recall(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The recipients to contact about a lot, with their packages and
    delivery status: a printable page, or a CSV download with `?format=csv`."""
    lot = get_object_or_404(lot_with_ledger(), pk=pk)
    trace = trace_lot(lot=lot)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="recall-lot-{lot.pk}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(RECALL_COLUMNS)
        writer.writerows(
            [neutralise(cell) for cell in row] for row in recall_rows(trace=trace)
        )
        return response
    return render(request, "production/recall.html", {"lot": lot, "trace": trace})


@require_GET
def package_trace(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The productions a package holds units of, and the lots behind them."""
    assignment = get_object_or_404(
        Assignment.objects.select_related("event", "recipient", "package"), pk=pk
    )
    return render(
        request,
        "production/package_trace.html",
        {"trace": trace_package(assignment=assignment)},
    )


@require_GET
def ingredient_lots(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An ingredient's lots, oldest first, each with where it went."""
    ingredient = get_object_or_404(Ingredient, pk=pk)
    return render(
        request,
        "production/ingredient_lots.html",
        {
            "ingredient": ingredient,
            "traces": trace_ingredient_lots(ingredient=ingredient),
        },
    )
