"""The planning pages: events, recipients, packages, and the packages each
recipient gets at an event.

Views are thin: they read through events.selectors, write through
events.services, and render one template per page; an htmx request gets the
named partial that changed (`page.html#partial`).
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget
from django_tables2 import RequestConfig

from bakery.deletion import confirm_delete
from bakery.http import HtmxHttpRequest
from events import services
from events.filters import AssignmentFilter, EventFilter, PackageFilter, RecipientFilter
from events.forms import (
    AddPackagesForm,
    EventCopyForm,
    EventForm,
    PackageForm,
    PackageItemFormSet,
    QuantityForm,
    RecipientForm,
)
from events.models import Assignment, Event, Package, Recipient
from events.selectors import (
    event_assignments,
    get_event_deletion_refusal,
    get_package_estimates,
    package_events,
    packages_by_recipient,
    packages_with_contents,
    planning_events,
    recipients_with_counts,
)
from events.tables import (
    AssignmentTable,
    EventTable,
    PackageContentsTable,
    PackageRow,
    PackageTable,
    RecipientTable,
)
from pantry.models import Recipe

PER_PAGE = 50
SHOWN_NAMES = 8


def _configure(request: HtmxHttpRequest, table) -> None:
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)


def _next_url(request: HtmxHttpRequest, default: str) -> str:
    """Where to go back to: the page the form was on, if it is ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def _asked_from(request: HtmxHttpRequest) -> str:
    """The page a form was opened from, kept through its posts."""
    return request.POST.get("next") or request.GET.get("next") or ""


def _names(items: Sequence, shown: int = SHOWN_NAMES) -> str:
    """ "Ann, Bob and Cy", "Ann, Bob, … and 4 more"."""
    names = [str(item) for item in items]
    if len(names) > shown:
        names = [*names[:shown], f"{len(names) - shown} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


# --- Events ------------------------------------------------------------------


@require_GET
def event_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = EventFilter(request.GET or None, queryset=planning_events())
    table = EventTable(filters.qs)
    _configure(request, table)
    return render(
        request,
        "events/event_list.html",
        {"filter": filters, "table": table, "filtered": bool(request.GET.get("q"))},
    )


@permission_required("events.add_event", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_create(request: HtmxHttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(**form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                f"Planned {event.name} on {event.date:%a %-d %b %Y}. "
                "Add its packages next.",
            )
            return redirect("events:event_packages", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@permission_required("events.change_event", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    form = EventForm(request.POST or None, instance=copy.copy(event))
    if request.method == "POST" and form.is_valid():
        try:
            event = services.update_event(event=event, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Saved {event.name}.")
            return redirect("events:event_packages", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@permission_required("events.delete_event", raise_exception=True)
@require_http_methods(["GET", "POST"])
def event_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Asks before deleting; says why not when the event has to stay."""
    event = get_object_or_404(planning_events(), pk=pk)
    if request.method == "POST":
        try:
            services.delete_event(event=event)
        except services.EventCannotBeDeleted as error:
            refusal = error.reason
        else:
            packages = event.packages
            messages.success(
                request,
                f"Deleted {event.name}"
                + (
                    f" and its {packages} package{'s' if packages != 1 else ''}."
                    if packages
                    else "."
                ),
            )
            return redirect("events:event_list")
    else:
        refusal = get_event_deletion_refusal(event=event)
    return render(
        request,
        "events/event_delete.html",
        {"event": event, "refusal": refusal},
        status=409 if refusal and request.method == "POST" else 200,
    )


def _a_year_later(event: Event) -> tuple[str, datetime.date]:
    """ "Christmas 2026" on 19 Dec 2026 -> "Christmas 2027" on 19 Dec 2027."""
    year = event.date.year
    try:
        date = event.date.replace(year=year + 1)
    except ValueError:  # 29 February
        date = event.date.replace(year=year + 1, day=28)
    name = event.name.replace(str(year), str(year + 1))
    if name == event.name:
        name = f"{event.name} {year + 1}"
    return name, date


@permission_required(
    ["events.add_event", "events.add_assignment"], raise_exception=True
)
@require_http_methods(["GET", "POST"])
def event_copy(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A new event with the same packages for the same recipients, pending."""
    event = get_object_or_404(planning_events(), pk=pk)
    name, date = _a_year_later(event)
    form = EventCopyForm(request.POST or None, initial={"name": name, "date": date})
    if request.method == "POST" and form.is_valid():
        try:
            copied = services.copy_event(event=event, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                f"Planned {copied.event.name} on {copied.event.date:%a %-d %b %Y} "
                f"with {copied.packages} package{'s' if copied.packages != 1 else ''}"
                f" for {copied.recipients} recipient"
                f"{'s' if copied.recipients != 1 else ''}, all pending.",
            )
            return redirect("events:event_packages", pk=copied.event.pk)
    return render(request, "events/event_copy.html", {"event": event, "form": form})


# --- An event's packages -------------------------------------------------------


@require_GET
def event_packages(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Who gets which package at the event; pending ones change inline."""
    event = get_object_or_404(planning_events(), pk=pk)
    filters = AssignmentFilter(
        request.GET or None, queryset=event_assignments(event=event)
    )
    table = AssignmentTable(filters.qs)
    _configure(request, table)
    return render(
        request,
        "events/event_packages.html",
        {
            "event": event,
            "filter": filters,
            "table": table,
            "filtered": any(request.GET.get(name) for name in filters.filters),
        },
    )


def _added_messages(request: HtmxHttpRequest, result: services.AddedPackages) -> None:
    package = result.package
    if result.added:
        recipients = [a.recipient for a in result.added]
        messages.success(
            request,
            f"Added {package} for {len(recipients)} recipient"
            f"{'s' if len(recipients) != 1 else ''}: {_names(recipients)}.",
        )
    if result.created:
        messages.success(request, f"New recipients: {_names(result.created)}.")
    if result.already:
        had = _names(result.already)
        verb = "has" if len(result.already) == 1 else "have"
        lead = "" if result.added else "Nothing added: "
        messages.warning(
            request,
            f"{lead}{had} {verb} {package} at this event already, so nothing was "
            "added for them twice. Change how many they get below instead.",
        )


@permission_required("events.add_assignment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def add_packages(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Gives a package to ticked recipients and to pasted names; names no
    recipient has are created once the baker confirms them."""
    event = get_object_or_404(Event, pk=pk)
    form = AddPackagesForm(
        request.POST or None,
        initial={"package": request.GET.get("package")},
        has=packages_by_recipient(event=event),
    )
    new_names: tuple[str, ...] = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        may_create = request.user.has_perm("events.add_recipient")
        try:
            result = services.add_packages(
                event=event,
                package=data["package"],
                recipients=list(data["recipients"]),
                names=data["names"],
                quantity=data["quantity"],
                create_missing=data["confirm"] and may_create,
            )
        except services.UnknownRecipients as error:
            if may_create:
                new_names = error.names
            else:
                form.add_error(
                    "names",
                    f"No recipient is called {_names(error.names)}, and you may "
                    "not add recipients: tick existing ones instead.",
                )
        except ValidationError as error:
            form.add_service_error(
                ValidationError({"names": error.messages})
                if isinstance(error, services.AmbiguousRecipients)
                else error
            )
        else:
            _added_messages(request, result)
            return redirect("events:event_packages", pk=event.pk)
    return render(
        request,
        "events/add_packages.html",
        {
            "event": event,
            "form": form,
            "new_names": new_names,
            "names_text": "\n".join(form.cleaned_data.get("names", []))
            if new_names
            else "",
        },
    )


def _assignment(pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("event", "recipient", "package"), pk=pk
    )


@permission_required("events.add_assignment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def assignment_quantity(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """How many of a pending package the recipient gets."""
    assignment = _assignment(pk)
    back = reverse("events:event_packages", args=[assignment.event_id])
    form = QuantityForm(request.POST or None, initial={"quantity": assignment.quantity})
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.change_assignment_quantity(
                assignment=assignment, quantity=form.cleaned_data["quantity"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            saved = True
            if not request.htmx:
                messages.success(
                    request,
                    f"{assignment.recipient} gets {assignment.quantity} × "
                    f"{assignment.package}.",
                )
                return redirect(_next_url(request, back))
            form = QuantityForm(initial={"quantity": assignment.quantity})
    context = {
        "record": assignment,
        "form": form,
        "saved": saved,
        "next": _next_url(request, back),
    }
    if request.htmx:
        return render(request, "events/event_packages.html#quantity-cell", context)
    return render(request, "events/assignment_quantity.html", context)


@permission_required("events.delete_assignment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def assignment_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Asks (a page without JavaScript), then takes a pending package off
    the event; assembled and delivered ones stay."""
    assignment = _assignment(pk)
    back = _next_url(
        request, reverse("events:event_packages", args=[assignment.event_id])
    )
    refusal = ""
    if request.method == "POST":
        try:
            services.remove_assignment(assignment=assignment)
        except ValidationError as error:
            refusal = " ".join(error.messages)
        else:
            text = f"Removed {assignment.package} for {assignment.recipient}."
            if request.htmx:
                response = render(
                    request,
                    "events/event_packages.html#removed-row",
                    {"record": assignment, "text": text},
                )
                return reswap(
                    retarget(response, f"#assignment-{assignment.pk}"), "outerHTML"
                )
            messages.success(request, text)
            return redirect(back)
    elif assignment.is_settled:
        refusal = " ".join(
            services.AssignmentSettled(assignment=assignment, action="removed").messages
        )
    context = {"record": assignment, "refusal": refusal, "next": back}
    if request.htmx:
        return render(request, "events/event_packages.html#remove-cell", context)
    return render(request, "events/assignment_remove.html", context)


# --- Recipients ----------------------------------------------------------------


@require_GET
def recipient_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = RecipientFilter(request.GET or None, queryset=recipients_with_counts())
    table = RecipientTable(filters.qs)
    _configure(request, table)
    return render(
        request,
        "events/recipient_list.html",
        {
            "filter": filters,
            "table": table,
            "filtered": any(request.GET.get(name) for name in filters.filters),
        },
    )


@permission_required("events.add_recipient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recipient_create(request: HtmxHttpRequest) -> HttpResponse:
    form = RecipientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recipient = services.create_recipient(**form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Added {recipient}.")
            return redirect(_next_url(request, reverse("events:recipient_list")))
    return render(
        request,
        "events/recipient_form.html",
        {"form": form, "recipient": None, "next": _asked_from(request)},
    )


@permission_required("events.change_recipient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recipient_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    recipient = get_object_or_404(Recipient, pk=pk)
    form = RecipientForm(request.POST or None, instance=copy.copy(recipient))
    if request.method == "POST" and form.is_valid():
        try:
            recipient = services.update_recipient(
                recipient=recipient, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Saved {recipient}.")
            return redirect(_next_url(request, reverse("events:recipient_list")))
    return render(
        request,
        "events/recipient_form.html",
        {"form": form, "recipient": recipient, "next": _asked_from(request)},
    )


@permission_required("events.delete_recipient", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recipient_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Asks before deleting; says why not while packages were given to them."""
    recipient = get_object_or_404(Recipient, pk=pk)
    return confirm_delete(
        request,
        recipient,
        instead="Their packages stay on record: edit the recipient instead.",
        back_url=reverse("events:recipient_edit", args=[recipient.pk]),
        done_url=reverse("events:recipient_list"),
    )


# --- Packages ------------------------------------------------------------------


@require_GET
def package_list(request: HtmxHttpRequest) -> HttpResponse:
    """Packages with their contents and what they are estimated to cost now."""
    filters = PackageFilter(request.GET or None, queryset=packages_with_contents())
    packages = list(filters.qs)
    estimates = get_package_estimates(packages=packages)
    rows = [
        PackageRow(
            package=package,
            contents=", ".join(str(item) for item in package.items.all()) or "empty",
            estimated_cost=estimates[package.pk].estimated_cost,
            is_fully_priced=estimates[package.pk].is_fully_priced,
            problems="; ".join(estimates[package.pk].problems),
            uses=package.uses,
        )
        for package in packages
    ]
    table = PackageTable(rows)
    _configure(request, table)
    return render(
        request,
        "events/package_list.html",
        {
            "filter": filters,
            "table": table,
            "filtered": any(request.GET.get(name) for name in filters.filters),
        },
    )


@require_GET
def package_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """What a package holds and what it is estimated to cost now."""
    package = get_object_or_404(packages_with_contents(), pk=pk)
    estimate = get_package_estimates(packages=[package])[package.pk]
    table = PackageContentsTable(list(estimate.items))
    _configure(request, table)
    return render(
        request,
        "events/package_detail.html",
        {
            "package": package,
            "estimate": estimate,
            "table": table,
            "events": package_events(package=package),
        },
    )


@permission_required("events.delete_package", raise_exception=True)
@require_http_methods(["GET", "POST"])
def package_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Asks before deleting; says why not while events give it."""
    package = get_object_or_404(Package, pk=pk)
    return confirm_delete(
        request,
        package,
        instead="Take it out of those events first, or keep it and edit it.",
        goes_with_it="what it holds",
        back_url=reverse("events:package", args=[package.pk]),
        done_url=reverse("events:package_list"),
    )


def _as_typed(value) -> str:
    """12.00 -> "12", 12.50 -> "12.5": exact, as a number input takes it."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _package_form_page(
    request: HtmxHttpRequest, package: Package | None
) -> HttpResponse:
    form = PackageForm(
        request.POST or None,
        instance=copy.copy(package) if package else None,
    )
    initial = (
        [
            {"recipe": i.recipe, "quantity": _as_typed(i.quantity)}
            for i in package.items.all()
        ]
        if package
        else []
    )
    items = PackageItemFormSet(request.POST or None, initial=initial, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        try:
            if package is None:
                package = services.create_package(
                    **form.cleaned_data, items=items.items
                )
            else:
                package = services.update_package(
                    package=package, **form.cleaned_data, items=items.items
                )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Saved {package}.")
            return redirect("events:package", pk=package.pk)
    return render(
        request,
        "events/package_form.html",
        {
            "form": form,
            "items": items,
            "package": package,
            "settled": package is not None and package.assignments.settled().exists(),
            "has_recipes": Recipe.objects.exists(),
        },
    )


@permission_required("events.add_package", raise_exception=True)
@require_http_methods(["GET", "POST"])
def package_create(request: HtmxHttpRequest) -> HttpResponse:
    return _package_form_page(request, None)


@permission_required("events.change_package", raise_exception=True)
@require_http_methods(["GET", "POST"])
def package_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    package = get_object_or_404(
        Package.objects.prefetch_related("items__recipe"), pk=pk
    )
    return _package_form_page(request, package)
