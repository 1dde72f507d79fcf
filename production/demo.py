"""Demo production on top of the demo events: the Thanksgiving thank-yous
baked in the days before, assembled and delivered; Christmas gifts under way
(a tray of cookies came out short, half a batch of fudge), the candy boxes
and thank-you bags assembled and two of them delivered; the cookie swap not
started."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from events.models import Assignment, Event
from pantry.models import Recipe
from production.services import record_production, update_package_status

# event, recipe slug, batches, notes, days before today it was baked (None:
# now), units made (None: what the batches yield)
BATCHES = [
    ("Thanksgiving thank-yous", "pumpkin-bread", "1", "", 5, None),
    (
        "Thanksgiving thank-yous",
        "cranberry-orange-bread",
        "2",
        "Cranberries from the market.",
        5,
        None,
    ),
    ("Thanksgiving thank-yous", "gingerbread-cookies", "1", "", 4, None),
    ("Thanksgiving thank-yous", "chocolate-chip-cookies", "1", "", 4, None),
    ("Thanksgiving thank-yous", "peppermint-bark", "1", "", 4, None),
    ("Christmas gifts", "shortbread", "2", "Dough chilled overnight.", 1, None),
    (
        "Christmas gifts",
        "chocolate-walnut-fudge",
        "0.5",
        "Half a batch to try the new pan.",
        1,
        None,
    ),
    ("Christmas gifts", "peppermint-bark", "1", "", None, None),
    (
        "Christmas gifts",
        "chocolate-chip-cookies",
        "1",
        "A tray caught at the edges. Second batch next weekend.",
        None,
        "40",
    ),
]

# event, recipient, package, statuses to move through, delivery note
STATUSES = [
    (
        "Thanksgiving thank-yous",
        "Grandma June",
        "Bread basket",
        ["assembled", "delivered"],
        "Left with the front desk.",
    ),
    (
        "Thanksgiving thank-yous",
        "Uncle Joe",
        "Bread basket",
        ["assembled", "delivered"],
        "Handed over at the family dinner.",
    ),
    (
        "Thanksgiving thank-yous",
        "Pastor Ruth",
        "Bread basket",
        ["assembled", "delivered"],
        "",
    ),
    (
        "Thanksgiving thank-yous",
        "Mr. Okafor",
        "Thank-you bag",
        ["assembled", "delivered"],
        "",
    ),
    (
        "Thanksgiving thank-yous",
        "Coach Rivera",
        "Thank-you bag",
        ["assembled", "delivered"],
        "After Saturday practice.",
    ),
    (
        "Christmas gifts",
        "Grandma June",
        "Candy box",
        ["assembled", "delivered"],
        "Left with the front desk.",
    ),
    ("Christmas gifts", "Dana", "Thank-you bag", ["assembled", "delivered"], ""),
    ("Christmas gifts", "Mr. Okafor", "Candy box", ["assembled"], ""),
    ("Christmas gifts", "Pastor Ruth", "Candy box", ["assembled"], ""),
    ("Christmas gifts", "Mrs. Brennan", "Thank-you bag", ["assembled"], ""),
]


def _baked_on(days_ago: int | None) -> datetime.datetime | None:
    """Ten in the morning that many days ago, in the bakery's time zone."""
    if days_ago is None:
        return None
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@transaction.atomic
def load_production_demo() -> dict[str, int]:
    """Records the demo batches and package steps; needs the demo events."""
    events = {event.name: event for event in Event.objects.all()}
    recipes = {recipe.slug: recipe for recipe in Recipe.objects.all()}
    for event, recipe, batches, notes, days_ago, units_made in BATCHES:
        record_production(
            event=events[event],
            recipe=recipes[recipe],
            batches=Decimal(batches),
            notes=notes,
            units_made=units_made,
            produced_at=_baked_on(days_ago),
        )
    steps_taken = 0
    for event, recipient, package, steps, note in STATUSES:
        assignment = Assignment.objects.get(
            event=events[event], recipient__name=recipient, package__name=package
        )
        for status in steps:
            # The note goes with the delivery, the last step.
            update_package_status(
                assignment=assignment,
                status=status,
                note=note if status == "delivered" else "",
            )
            steps_taken += 1
    return {"production records": len(BATCHES), "package steps": steps_taken}
