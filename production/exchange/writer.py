"""Writes a plan that has no problem; the caller holds the transaction.

Every value was checked against its column by the planner, in the dry run as
well, so nothing is checked here that the dry run did not check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from events.models import PackageItem
from pantry.models import RecipeLine
from pantry.services import Purchase, record_purchases
from production.exchange.planner import Plan, saved
from production.exchange.rows import SECTIONS


def write(plan: Plan, *, progress: Callable[[str, int, int], None]) -> None:
    """Applies a plan without problems; the caller holds the transaction."""
    for section in SECTIONS:
        for pending in plan.creates.get(section, []):
            values = {name: saved(value) for name, value in pending.values.items()}
            # Checked by the planner (Planner.check_writes), dry run or not.
            obj = pending.model(**values)
            obj.save()
            pending.obj = obj
        if section == "ingredients":
            _apply_updates(plan)
        if section == "lots" and plan.purchases:
            _write_lots(plan, progress)
        if section == "recipes":
            _replace_lines(plan)
        if section == "packages":
            _replace_items(plan)


def _apply_updates(plan: Plan) -> None:
    for obj, changes in plan.updates:
        for name, value in changes.items():
            setattr(obj, name, saved(value))
        obj.save(update_fields=list(changes))


def _write_lots(plan: Plan, progress) -> None:
    total = len(plan.purchases)

    def purchases() -> Iterator[Purchase]:
        for index, values in enumerate(plan.purchases, start=1):
            if index % 5000 == 0 or index == total:
                progress("writing lots", index, total)
            yield Purchase(**{name: saved(value) for name, value in values.items()})

    record_purchases(purchases=purchases())


def _replace_lines(plan: Plan) -> None:
    for recipe, lines in plan.replaced_lines:
        recipe = saved(recipe)
        RecipeLine.objects.filter(recipe=recipe).delete()
        RecipeLine.objects.bulk_create(
            RecipeLine(
                recipe=recipe, **{**line, "ingredient": saved(line["ingredient"])}
            )
            for line in lines
        )


def _replace_items(plan: Plan) -> None:
    for package, items in plan.replaced_items:
        package = saved(package)
        PackageItem.objects.filter(package=package).delete()
        PackageItem.objects.bulk_create(
            PackageItem(
                package=package, recipe=saved(item["recipe"]), quantity=item["quantity"]
            )
            for item in items
        )
