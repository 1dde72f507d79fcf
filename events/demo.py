"""Demo recipients, gift packages and events, on top of the demo pantry: a
Thanksgiving round just past, a cookie swap with nothing planned yet, and
Christmas gifts for fifteen recipients."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bakery.validation import save_valid
from events.models import Assignment, Event, Package, PackageItem, Recipient
from pantry.models import Recipe

# name, household, address, notes
RECIPIENTS = [
    ("Aunt Martha", "", "14 Elm Street, Springfield", ""),
    ("The Lees", "Lee family", "3 Orchard Lane", "Four kids."),
    ("Mr. Okafor", "", "12 Birch Avenue (next door)", "Lends us his stand mixer."),
    (
        "Grandma June",
        "",
        "Maple Court care home, room 4",
        "The front desk signs for deliveries.",
    ),
    ("Ms. Patel", "Lincoln Elementary", "Lincoln Elementary, class 3B", ""),
    ("The Nguyens", "Nguyen family", "88 River Road", ""),
    ("Coach Rivera", "", "Westside Community Center", ""),
    ("Dana", "Mail carrier", "Route 7", "Leave it in the mailbox on Saturdays."),
    ("Dr. Alvarez", "Dental office", "220 Main Street, suite 3", ""),
    ("The Kowalskis", "Kowalski family", "41 Pine Hill Drive", ""),
    ("Pastor Ruth", "St. Mark's", "St. Mark's church office, 5 Church Street", ""),
    ("Sam and Priya", "", "7 Lakeview Terrace, apt. 2B", "Gate code 4411."),
    ("Uncle Joe", "", "1902 Old Mill Road, Cedar Falls", "Goes by post: pack well."),
    ("The Hendersons", "Henderson family", "19 Orchard Lane", ""),
    ("Mrs. Brennan", "Piano teacher", "63 Willow Way", ""),
]

# name, description, contents (recipe slug, units)
PACKAGES = [
    (
        "Holiday cookie tin",
        "The big tin: four kinds of cookies.",
        [
            ("chocolate-chip-cookies", 12),
            ("gingerbread-cookies", 8),
            ("shortbread", 6),
            ("sugar-cookies", 6),
        ],
    ),
    (
        "Bar sampler",
        "Bars and cookies for an office or a team.",
        [("seven-layer-bars", 4), ("cocoa-brownies", 4), ("sugar-cookies", 6)],
    ),
    (
        "Candy box",
        "Fudge, bark and a little shortbread.",
        [("chocolate-walnut-fudge", 8), ("peppermint-bark", 6), ("shortbread", 4)],
    ),
    (
        "Bread basket",
        "Two mini loaves of each bread and some gingerbread.",
        [
            ("pumpkin-bread", 2),
            ("cranberry-orange-bread", 2),
            ("gingerbread-cookies", 4),
        ],
    ),
    (
        "Thank-you bag",
        "Half a dozen cookies and some bark.",
        [("chocolate-chip-cookies", 6), ("peppermint-bark", 3)],
    ),
]

# event name, days from today, notes, assignments (recipient, package, quantity)
EVENTS = [
    (
        "Thanksgiving thank-yous",
        -3,
        "Delivered the weekend before Thanksgiving.",
        [
            ("Grandma June", "Bread basket", 1),
            ("Uncle Joe", "Bread basket", 1),
            ("Pastor Ruth", "Bread basket", 1),
            ("Mr. Okafor", "Thank-you bag", 1),
            ("Coach Rivera", "Thank-you bag", 1),
        ],
    ),
    (
        "Cookie swap",
        18,
        "At the Lees'. Bring four dozen and the recipe cards; packages not "
        "decided yet.",
        [],
    ),
    (
        "Christmas gifts",
        25,
        "Tins go out the week before; the care home and the mail carrier first.",
        [
            ("Aunt Martha", "Holiday cookie tin", 1),
            ("The Lees", "Holiday cookie tin", 1),
            ("The Nguyens", "Holiday cookie tin", 1),
            ("The Kowalskis", "Holiday cookie tin", 1),
            ("Uncle Joe", "Holiday cookie tin", 1),
            ("The Hendersons", "Bar sampler", 1),
            ("Ms. Patel", "Bar sampler", 1),
            ("Coach Rivera", "Bar sampler", 2),
            ("Dr. Alvarez", "Bar sampler", 1),
            ("Grandma June", "Candy box", 1),
            ("Mr. Okafor", "Candy box", 1),
            ("Pastor Ruth", "Candy box", 1),
            ("Sam and Priya", "Bread basket", 1),
            ("Dana", "Thank-you bag", 1),
            ("Mrs. Brennan", "Thank-you bag", 1),
        ],
    ),
]


@transaction.atomic
def load_events_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """Creates the demo recipients, packages and events; needs the demo recipes."""
    today = today or timezone.localdate()
    recipes = {recipe.slug: recipe for recipe in Recipe.objects.all()}
    recipients = {
        name: save_valid(
            Recipient(name=name, household=household, address=address, notes=notes)
        )
        for name, household, address, notes in RECIPIENTS
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
