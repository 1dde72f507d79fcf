"""Assignments: a package for a recipient at an event, by the three."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from events.models import Assignment
from production.dataio.plan import Pending, Plan
from production.dataio.rows import Row
from production.dataio.sections.common import (
    create,
    merge,
    update_or_keep,
    write_creates,
)
from production.dataio.values import FieldError, RowFields

if TYPE_CHECKING:
    from production.dataio.planner import Planner

NAME = "assignments"


def plan(planner: Planner, *, rows: list[Row]) -> None:
    """Plans the rows against the saved assignments of the saved events, read
    in one query."""
    saved_events = [e for e in planner.events.values() if not isinstance(e, Pending)]
    existing = (
        {
            (a.event_id, a.recipient_id, a.package_id): a
            for a in Assignment.objects.filter(event__in=saved_events)
        }
        if rows and saved_events
        else {}
    )
    seen: dict[tuple, Row] = {}
    created: dict[tuple, Pending] = {}
    for row in rows:
        fields = RowFields(row)
        event_name = fields.text("event", required=True)
        event_date = fields.date("event_date")
        recipient_name = fields.text("recipient", required=True)
        household = fields.text("recipient_household")
        package_name = fields.text("package", required=True)
        quantity = fields.number("quantity", required=False, places=0)
        quantity = Decimal(1) if quantity is None else quantity
        if not fields.failed("quantity"):
            planner.fits(row, Assignment, {"quantity": quantity}, fields=fields)
        targets = {}
        for name, key, index in (
            ("event", (event_name, event_date), planner.events),
            ("recipient", (recipient_name, household), planner.recipients),
            ("package", (package_name,), planner.packages),
        ):
            if any(part is None for part in key):
                continue  # reported as it was read
            lowered = tuple(
                part.lower() if isinstance(part, str) else part for part in key
            )
            target = index.get(lowered[0] if name == "package" else lowered)
            if target is None:
                fields.refuse(name, row.data.get(name), f"matches no {name}")
            targets[name] = target
        if not planner.report(row, fields):
            continue
        event, recipient, package = (
            targets["event"],
            targets["recipient"],
            targets["package"],
        )
        key = (id(event), id(recipient), id(package))
        earlier = seen.get(key)
        if earlier is not None and earlier.file == row.file:
            planner.problem(
                row,
                FieldError(
                    "recipient",
                    row.data.get("recipient"),
                    f"has this package at this event in {earlier.source}",
                ),
            )
            continue
        seen[key] = row
        values = {
            "event": event,
            "recipient": recipient,
            "package": package,
            "quantity": int(quantity),
        }
        found = None
        if not any(isinstance(t, Pending) for t in (event, recipient, package)):
            found = existing.get((event.pk, recipient.pk, package.pk))
        if key in created:
            merge(row, created[key], values)
        elif found is None:
            created[key] = create(
                planner, section=NAME, row=row, model=Assignment, values=values
            )
        else:
            update_or_keep(
                planner,
                section=NAME,
                row=row,
                obj=found,
                values={"quantity": int(quantity)},
            )


def write(plan: Plan, *, progress) -> None:
    write_creates(plan, section=NAME)
