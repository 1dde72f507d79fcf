"""Which production records a package's units come from: oldest first, like
lots. Plain functions over model classes given as arguments, so that the
migration that fills in the allocations of packages assembled before they
existed runs the same rule with its historical models."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

ZERO = Decimal(0)


def allocate(*, assignment, models) -> list:
    """Unsaved allocations of the assignment's units of each recipe in its
    package, taken from the event's records that count, oldest first
    (produced_at, then id), each giving what it made less what other
    packages hold of it. `models` has Allocation, PackageItem and
    ProductionRecord. Units no record covers are left out: the caller has
    checked that the baked goods exist."""
    items = models.PackageItem.objects.filter(package_id=assignment.package_id)
    needs = {item.recipe_id: item.quantity * assignment.quantity for item in items}
    records = list(
        models.ProductionRecord.objects.filter(
            event_id=assignment.event_id,
            recipe_id__in=needs,
            reversed_at__isnull=True,
        )
        .select_related("recipe")
        .order_by("produced_at", "pk")
    )
    held: dict[int, Decimal] = defaultdict(Decimal)
    for row in (
        models.Allocation.objects.filter(record__in=records)
        .values("record_id")
        .annotate(units=Sum("units"))
        .order_by()
    ):
        held[row["record_id"]] = row["units"]
    allocations = []
    for record in records:
        needed = needs.get(record.recipe_id, ZERO)
        if needed <= 0:
            continue
        made = record.units_made
        if made is None:
            made = record.batches * (record.recipe.yield_quantity or ZERO)
        take = min(needed, made - held[record.pk])
        if take > 0:
            allocations.append(
                models.Allocation(assignment=assignment, record=record, units=take)
            )
            needs[record.recipe_id] = needed - take
    return allocations


def allocate_settled(*, models) -> int:
    """Allocates the units of assembled or delivered packages that hold none
    (kept before allocations existed), in the order they were assembled;
    returns how many allocations were made. `models` also has Assignment."""
    settled = models.Assignment.objects.filter(
        status__in=["assembled", "delivered"], allocations__isnull=True
    ).order_by("assembled_at", "pk")
    made = 0
    for assignment in settled:
        made += len(
            models.Allocation.objects.bulk_create(
                allocate(assignment=assignment, models=models)
            )
        )
    return made
