"""Recipients, by name and household."""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.models import Recipient
from production.dataio.plan import Plan
from production.dataio.rows import Row
from production.dataio.sections.common import plan_simple, write_creates

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = "recipients"


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Indexes the saved recipients (assignments find them here), then
    plans the rows."""
    planner.recipients.update(
        ((r.name.lower(), r.household.lower()), r) for r in Recipient.objects.all()
    )
    plan_simple(
        planner,
        section=NAME,
        rows=rows,
        index=planner.recipients,
        model=Recipient,
        parse=lambda fields: {
            "name": fields.text("name", required=True),
            "household": fields.text("household"),
            "address": fields.text("address", max_length=2000),
            "notes": fields.text("notes", max_length=5000),
        },
        key_of=lambda values: (values["name"].lower(), values["household"].lower()),
    )


def write(plan: Plan, *, progress) -> None:
    write_creates(plan, section=NAME)
