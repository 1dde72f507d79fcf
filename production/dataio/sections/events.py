"""Events, by name and date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.models import Event
from production.dataio.plan import Plan
from production.dataio.rows import Row
from production.dataio.sections.common import plan_simple, write_creates

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = "events"


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Indexes the saved events (assignments find them here), then plans
    the rows."""
    planner.events.update(((e.name.lower(), e.date), e) for e in Event.objects.all())
    plan_simple(
        planner,
        section=NAME,
        rows=rows,
        index=planner.events,
        model=Event,
        parse=lambda fields: {
            "name": fields.text("name", required=True),
            "date": fields.date("date"),
            "notes": fields.text("notes", max_length=5000),
        },
        key_of=lambda values: (values["name"].lower(), values["date"]),
    )


def write(plan: Plan, *, progress) -> None:
    write_creates(plan, section=NAME)
