"""Writes a plan that has no problem; the caller holds the transaction.

Every value was checked by the planner (checks.check_writes), in the dry run
as well, so nothing is checked here that the dry run did not check; and the
dry run writes too, then rolls back. Each section writes in bulk, in the
order of `sections.ORDER` (see each section's `write`). Should the database
still refuse a write, the import fails naming the row it came from, never
with a traceback (sections.common.refused_as).
"""

from __future__ import annotations

from collections.abc import Callable

from production.dataio.plan import Plan
from production.dataio.sections import ORDER


def write(plan: Plan, *, progress: Callable[[str, int, int], None]) -> None:
    """Applies a plan without problems, section by section."""
    for section in ORDER:
        section.write(plan, progress=progress)
