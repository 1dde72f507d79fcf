"""Demo recipients, gift packages and events, on top of the demo pantry."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bakery.validation import save_valid
from events.models import Assignment, Event, Package, PackageItem, Recipient
from pantry.models import Recipe

# name, household, address
RECIPIENTS = [
    ("Aunt Martha", "", "14 Elm Street"),
    ("The Lees", "Lee family", "3 Orchard Lane"),
    ("Mr. Okafor", "", "Next door, no. 12"),
    ("Grandma June", "", "Maple Court care home, room 4"),
    ("Ms. Patel", "Class 3B", "Lincoln Elementary"),
    ("The Nguyens", "Nguyen family", "88 River Road"),
    ("Coach Rivera", "", "Community centre"),
    ("Dana", "Mail carrier", "Route 7"),
]

# name, description, contents (recipe slug, units)
PACKAGES = [
    (
        "Cookie tin",
        "The big holiday tin.",
        [("chocolate-chip-cookies", 12), ("gingerbread-cookies", 8), ("shortbread", 6)],
    ),
    ("Small bag", "A thank-you bag.", [("chocolate-chip-cookies", 6)]),
    ("Shortbread box", "Shortbread only.", [("shortbread", 12)]),
    (
        "Sampler",
        "A little of everything.",
        [
            ("sugar-cookies", 6),
            ("gingerbread-cookies", 4),
            ("chocolate-chip-cookies", 4),
        ],
    ),
]

# event name, days from today, notes, assignments (recipient, package, quantity)
EVENTS = [
    (
        "Christmas 2026",
        25,
        "Deliver by the 23rd.",
        [
            ("Aunt Martha", "Cookie tin", 1),
            ("The Lees", "Cookie tin", 2),
            ("Grandma June", "Shortbread box", 1),
            ("The Nguyens", "Sampler", 1),
            ("Ms. Patel", "Small bag", 24),
            ("Mr. Okafor", "Small bag", 1),
            ("Coach Rivera", "Sampler", 1),
            ("Dana", "Small bag", 1),
        ],
    ),
    ("Cookie swap", 18, "Bring 3 dozen; packages not decided yet.", []),
    (
        "Thanksgiving 2026",
        -3,
        "",
        [("Aunt Martha", "Small bag", 1), ("Mr. Okafor", "Small bag", 1)],
    ),
]


@transaction.atomic
def load_events_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Creates the demo recipients, packages and events; needs the demo recipes."""
    today = today or timezone.localdate()
    recipes = {recipe.slug: recipe for recipe in Recipe.objects.all()}
    recipients = {
        name: save_valid(Recipient(name=name, household=household, address=address))
        for name, household, address in RECIPIENTS
    }
    packages = {}
    for name, description, contents in PACKAGES:
        package = packages[name] = save_valid(
            Package(name=name, description=description)
        )
        for slug, units in contents:
            save_valid(
                PackageItem(
                    package=package, recipe=recipes[slug], quantity=Decimal(units)
                )
            )
    assignments = 0
    for name, days, notes, planned in EVENTS:
        event = save_valid(
            Event(name=name, date=today + datetime.timedelta(days=days), notes=notes)
        )
        for recipient, package, quantity in planned:
            save_valid(
                Assignment(
                    event=event,
                    recipient=recipients[recipient],
                    package=packages[package],
                    quantity=quantity,
                )
            )
            assignments += 1
    return {
        "recipients": len(RECIPIENTS),
        "packages": len(PACKAGES),
        "events": len(EVENTS),
        "assignments": assignments,
    }
