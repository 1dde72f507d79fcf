"""Demo production on top of the demo events: Thanksgiving baked and
delivered, Christmas under way."""

from __future__ import annotations

from django.db import transaction

from events.models import Assignment, Event
from pantry.models import Recipe
from production.services import record_production, update_package_status

# event, recipe slug, batches
BATCHES = [
    ("Thanksgiving 2026", "chocolate-chip-cookies", 1),
    ("Christmas 2026", "chocolate-chip-cookies", 2),
    ("Christmas 2026", "shortbread", 1),
]

# event, recipient, package, statuses to move through
STATUSES = [
    ("Thanksgiving 2026", "Aunt Martha", "Small bag", ["assembled", "delivered"]),
    ("Thanksgiving 2026", "Mr. Okafor", "Small bag", ["assembled", "delivered"]),
    ("Christmas 2026", "Grandma June", "Shortbread box", ["assembled", "delivered"]),
    ("Christmas 2026", "Mr. Okafor", "Small bag", ["assembled"]),
]


@transaction.atomic
def load_production_demo() -> dict[str, int]:
    """Records the demo batches and package steps; needs the demo events."""
    events = {event.name: event for event in Event.objects.all()}
    recipes = {recipe.slug: recipe for recipe in Recipe.objects.all()}
    for event, recipe, batches in BATCHES:
        record_production(event=events[event], recipe=recipes[recipe], batches=batches)
    for event, recipient, package, steps in STATUSES:
        assignment = Assignment.objects.get(
            event=events[event], recipient__name=recipient, package__name=package
        )
        for status in steps:
            update_package_status(assignment=assignment, status=status)
    return {"production records": len(BATCHES)}
