"""Event planning: the reads of events.selectors, and keeping a planned cost."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError

from bakery.deletion import kept_by
from bakery.lookups import exists
from bakery.numbers import quantize_money, to_decimal
from events.models import (
    Assignment,
    Event,
    FrozenPlannedCost,
    Package,
    PackageItem,
    Recipient,
)
from events.selectors import (
    event_kept_because,
    get_event_deletion_refusal,
    get_planned_cost,
    get_recipe_needs,
    get_shopping_list,
    match_recipient_names,
    unpriced_names,
)
from pantry.models import Recipe
from pantry.selectors import estimate_recipe_cost

__all__ = [
    "ensure_package_contents_can_change",
    "ensure_recipe_yield_can_change",
    "freeze_planned_cost",
    "get_planned_cost",
    "get_recipe_needs",
    "get_shopping_list",
]


def freeze_planned_cost(*, event: Event, recipe: Recipe) -> FrozenPlannedCost | None:
    """Keeps the recipe's current estimated cost per batch for the event, and
    returns it.

    Once: a later call keeps nothing and returns None (every batch recorded
    asks, so the question is the cheapest there is). The estimate is that
    of the batches the event requires (one batch when the event does not
    plan the recipe), divided per batch.
    """
    if exists(FrozenPlannedCost, event_id=event.pk, recipe_id=recipe.pk):
        return None
    need = next(
        (n for n in get_recipe_needs(event=event) if n.recipe.pk == recipe.pk), None
    )
    batches = Decimal(need.batches_required if need and need.batches_required else 1)
    estimate = estimate_recipe_cost(recipe=recipe, batches=batches)
    frozen, created = FrozenPlannedCost.objects.get_or_create(
        event=event,
        recipe=recipe,
        defaults={
            "cost_per_batch": quantize_money(estimate.total_cost / batches),
            "is_fully_priced": estimate.is_fully_priced,
            "unpriced_note": "; ".join(unpriced_names(estimate))[:500],
        },
    )
    return frozen if created else None


def ensure_package_contents_can_change(*, package: Package) -> None:
    """Refuses, naming them, while assembled or delivered packages of this
    kind hold its contents: what they hold does not change under them."""
    if package.pk is None:
        return
    settled = Assignment.objects.settled().filter(package=package)
    if settled.exists():
        raise ValidationError(
            f"{package} cannot change its contents: {_named(settled)} "
            "already hold them. Make a new package with the new contents.",
            code="settled",
        )


def ensure_recipe_yield_can_change(*, recipe: Recipe) -> None:
    """Refuses, naming them, while assembled or delivered packages hold units
    of the recipe: the units baked for them are counted with its yield."""
    if recipe.pk is None:
        return
    settled = Assignment.objects.settled().filter(package__items__recipe=recipe)
    if settled.exists():
        raise ValidationError(
            f"The yield of {recipe} cannot change: {_named(settled)} hold "
            "units counted with it.",
            code="settled",
        )


def _named(assignments, shown: int = 3) -> str:
    """ "Cookie tin for Aunt Martha at Christmas (assembled), … and 2 more"."""
    rows = list(
        assignments.select_related("package", "recipient", "event").distinct()[
            : shown + 1
        ]
    )
    names = [f"{a} ({a.status})" for a in rows[:shown]]
    if len(rows) > shown:
        names.append(f"{assignments.distinct().count() - shown} more")
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


# --- Planning: events, recipients, packages and assignments ------------------


class EventCannotBeDeleted(ValidationError):
    """The event has production recorded (or settled packages): it stays."""

    def __init__(self, *, event: Event, reason: str):
        self.event = event
        self.reason = reason
        super().__init__(reason, code="kept")


class AssignmentSettled(ValidationError):
    """An assembled or delivered package: what it holds stays as it is."""

    def __init__(self, *, assignment: Assignment, action: str):
        self.assignment = assignment
        super().__init__(
            f"{assignment.package} for {assignment.recipient} is "
            f"{assignment.status}: it cannot be {action}.",
            code="settled",
        )


class UnknownRecipients(ValidationError):
    """Names that no recipient has, not confirmed for creation."""

    def __init__(self, *, names: Sequence[str]):
        self.names = tuple(names)
        super().__init__(
            f"No recipient is called {_listed(self.names)}: confirm to create "
            f"{'it' if len(self.names) == 1 else 'them'}.",
            code="unknown",
        )


class AmbiguousRecipients(ValidationError):
    """Names that several recipients share."""

    def __init__(self, *, names: Sequence[str]):
        self.names = tuple(names)
        super().__init__(
            f"Several recipients are called {_listed(self.names)}: tick the one "
            "you mean, or write the name as “Name (household)”.",
            code="ambiguous",
        )


def _listed(names: Sequence[str]) -> str:
    names = [str(name) for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _save_valid(instance, *, name_field: str = "name"):
    """Saves after full validation; a uniqueness message about the row as a
    whole is given to its name, where the baker typed it."""
    try:
        instance.full_clean()
    except ValidationError as error:
        if NON_FIELD_ERRORS in error.error_dict:
            error.error_dict.setdefault(name_field, []).extend(
                error.error_dict.pop(NON_FIELD_ERRORS)
            )
        raise
    instance.save()
    return instance


@transaction.atomic
def create_event(*, name: str, date: datetime.date, notes: str = "") -> Event:
    """A new event, checked as the model checks it (one name per date)."""
    return _save_valid(Event(name=name, date=date, notes=notes))


@transaction.atomic
def update_event(
    *, event: Event, name: str, date: datetime.date, notes: str = ""
) -> Event:
    event.name, event.date, event.notes = name, date, notes
    return _save_valid(event)


@transaction.atomic
def delete_event(*, event: Event) -> None:
    """Deletes the event with its pending packages; refused, saying why, once
    production is recorded for it or any of its packages is assembled."""
    reason = get_event_deletion_refusal(event=event)
    if reason:
        raise EventCannotBeDeleted(event=event, reason=reason)
    try:
        event.delete()
    except (ProtectedError, RestrictedError) as error:
        # Recorded meanwhile: the collector above saw none.
        objects = kept_by(error)
        raise EventCannotBeDeleted(
            event=event, reason=event_kept_because(event=event, objects=objects)
        ) from error


@dataclass(frozen=True)
class CopiedEvent:
    event: Event
    packages: int  # assignments copied
    recipients: int


@transaction.atomic
def copy_event(
    *, event: Event, name: str, date: datetime.date, notes: str | None = None
) -> CopiedEvent:
    """A new event with the same packages for the same recipients, in the same
    quantities, all pending. The notes are copied unless given."""
    new = _save_valid(
        Event(name=name, date=date, notes=event.notes if notes is None else notes)
    )
    rows = list(
        event.assignments.order_by("pk").values_list(
            "recipient_id", "package_id", "quantity"
        )
    )
    Assignment.objects.bulk_create(
        Assignment(
            event=new,
            recipient_id=recipient_id,
            package_id=package_id,
            quantity=quantity,
        )
        for recipient_id, package_id, quantity in rows
    )
    return CopiedEvent(
        event=new, packages=len(rows), recipients=len({row[0] for row in rows})
    )


@transaction.atomic
def create_recipient(
    *, name: str, household: str = "", address: str = "", notes: str = ""
) -> Recipient:
    return _save_valid(
        Recipient(name=name, household=household, address=address, notes=notes)
    )


@transaction.atomic
def update_recipient(
    *,
    recipient: Recipient,
    name: str,
    household: str = "",
    address: str = "",
    notes: str = "",
) -> Recipient:
    recipient.name, recipient.household = name, household
    recipient.address, recipient.notes = address, notes
    return _save_valid(recipient)


def _check_items(items: Sequence[tuple[Recipe, Decimal]]) -> None:
    if not items:
        raise ValidationError(
            {"items": "Add at least one recipe, with how many units of it."},
            code="empty",
        )
    seen = set()
    for recipe, _ in items:
        if recipe.pk in seen:
            raise ValidationError(
                {"items": f"{recipe} is in the package twice: give it one line."},
                code="repeated",
            )
        seen.add(recipe.pk)


@transaction.atomic
def create_package(
    *,
    name: str,
    description: str = "",
    items: Sequence[tuple[Recipe, Decimal]],
) -> Package:
    """A package holding `items`, (recipe, units in its yield unit) pairs."""
    _check_items(items)
    package = _save_valid(Package(name=name, description=description))
    for recipe, quantity in items:
        _save_valid(PackageItem(package=package, recipe=recipe, quantity=quantity))
    return package


@transaction.atomic
def update_package(
    *,
    package: Package,
    name: str,
    description: str = "",
    items: Sequence[tuple[Recipe, Decimal]],
) -> Package:
    """Renames the package and sets its contents to `items`. New contents are
    refused while assembled or delivered packages of this kind hold the old
    ones."""
    _check_items(items)
    package.name, package.description = name, description
    _save_valid(package)
    current = {item.recipe_id: item for item in package.items.all()}
    wanted = {recipe.pk: (recipe, to_decimal(quantity)) for recipe, quantity in items}
    if {pk: item.quantity for pk, item in current.items()} != {
        pk: quantity for pk, (_, quantity) in wanted.items()
    }:
        ensure_package_contents_can_change(package=package)
    package.items.exclude(recipe_id__in=wanted).delete()
    for pk, (recipe, quantity) in wanted.items():
        item = current.get(pk) or PackageItem(package=package, recipe=recipe)
        if item.pk is None or item.quantity != quantity:
            item.quantity = quantity
            _save_valid(item, name_field="recipe")
    return package


@dataclass(frozen=True)
class AddedPackages:
    """What `add_packages` did: the assignments made, the recipients who had
    the package at the event already (nothing added for them), and the
    recipients created from new names."""

    event: Event
    package: Package
    added: tuple[Assignment, ...]
    already: tuple[Recipient, ...]
    created: tuple[Recipient, ...]


@transaction.atomic
def add_packages(
    *,
    event: Event,
    package: Package,
    recipients: Sequence[Recipient] = (),
    names: Sequence[str] = (),
    quantity: int = 1,
    create_missing: bool = False,
) -> AddedPackages:
    """Gives `package` (`quantity` of it) to each recipient at the event:
    those given, and those the pasted `names` name (see
    `match_recipient_names`). Names no recipient has are refused with
    `UnknownRecipients` unless `create_missing` says to create them; names
    several recipients share are refused with `AmbiguousRecipients`. A
    recipient who has the package at the event already gets nothing more."""
    if quantity < 1:
        raise ValidationError({"quantity": "Give at least 1 package each."})
    match = match_recipient_names(lines=names)
    if match.ambiguous:
        raise AmbiguousRecipients(names=match.ambiguous)
    if match.unknown and not create_missing:
        raise UnknownRecipients(names=[_label(*pair) for pair in match.unknown])
    created = tuple(
        create_recipient(name=name, household=household)
        for name, household in match.unknown
    )
    chosen = {r.pk: r for r in (*recipients, *match.found, *created)}
    if not chosen:
        raise ValidationError(
            "Choose at least one recipient for the package.", code="none"
        )
    had = set(
        Assignment.objects.filter(
            event=event, package=package, recipient_id__in=chosen
        ).values_list("recipient_id", flat=True)
    )
    new = [
        Assignment(event=event, recipient=r, package=package, quantity=quantity)
        for pk, r in chosen.items()
        if pk not in had
    ]
    for assignment in new:
        # The foreign keys are the rows at hand: no query per row to check them.
        assignment.full_clean(
            exclude=["event", "recipient", "package"], validate_constraints=False
        )
    try:
        with transaction.atomic():
            Assignment.objects.bulk_create(new)
    except IntegrityError as error:
        raise ValidationError(
            f"{package} was added for some of these recipients at the same "
            "moment, elsewhere: look at the event's packages and try again.",
            code="conflict",
        ) from error
    return AddedPackages(
        event=event,
        package=package,
        added=tuple(new),
        already=tuple(r for pk, r in chosen.items() if pk in had),
        created=created,
    )


def _label(name: str, household: str) -> str:
    return f"{name} ({household})" if household else name


def _locked(assignment: Assignment) -> Assignment:
    """The assignment as stored, locked until the transaction ends, so a
    status change at the same moment waits for it (or it for the change)."""
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("recipient", "package", "event")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def change_assignment_quantity(*, assignment: Assignment, quantity: int) -> Assignment:
    """Sets how many of the package the recipient gets; only while pending."""
    stored = _locked(assignment)
    if stored.is_settled:
        raise AssignmentSettled(assignment=stored, action="changed")
    stored.quantity = quantity
    stored.full_clean(validate_constraints=False)
    stored.save(update_fields=["quantity"])
    return stored


@transaction.atomic
def remove_assignment(*, assignment: Assignment) -> None:
    """Takes a pending package off the event; assembled and delivered ones
    stay."""
    stored = _locked(assignment)
    if stored.is_settled:
        raise AssignmentSettled(assignment=stored, action="removed")
    stored.delete()
