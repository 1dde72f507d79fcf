"""Writes a plan that has no problem; the caller holds the transaction.

Every value was checked against its column by the planner, in the dry run as
well, so nothing is checked here that the dry run did not check; and the dry
run writes too, then rolls back. Should the database still refuse a write,
the import fails naming the row it came from, never with a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.core.exceptions import ValidationError
from django.db import DatabaseError

from events.models import PackageItem
from pantry.models import RecipeLine
from pantry.services import Purchase, record_purchases
from production.exchange.planner import Plan, saved
from production.exchange.rows import SECTIONS, ImportFailed, Problem
from production.services import price_lots


def write(plan: Plan, *, progress: Callable[[str, int, int], None]) -> None:
    """Applies a plan without problems; the caller holds the transaction."""
    for section in SECTIONS:
        for pending in plan.creates.get(section, []):
            values = {name: saved(value) for name, value in pending.values.items()}
            # Checked by the planner (Planner.check_writes), dry run or not.
            obj = pending.model(**values)
            with _refused_as(pending.source):
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
    if plan.lot_prices:
        _price_lots(plan)


class _refused_as:
    """Turns the database refusing a write into the import's problem,
    naming the row (`source`) it came from."""

    def __init__(self, source: str | Callable[[], str]):
        self.source = source

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if not isinstance(error, (DatabaseError, ValidationError)):
            return False
        source = self.source() if callable(self.source) else self.source
        reason = (
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else f"the database refused it: {error}"
        )
        raise ImportFailed([Problem(source, "", None, reason)]) from error


def _apply_updates(plan: Plan) -> None:
    for (obj, changes), source in zip(plan.updates, plan.update_sources, strict=True):
        for name, value in changes.items():
            setattr(obj, name, saved(value))
        with _refused_as(source):
            obj.save(update_fields=list(changes))


def _write_lots(plan: Plan, progress) -> None:
    total = len(plan.purchases)
    current = {"source": plan.purchases[0].source}

    def purchases() -> Iterator[Purchase]:
        for index, lot in enumerate(plan.purchases, start=1):
            if index % 5000 == 0 or index == total:
                progress("writing lots", index, total)
            current["source"] = lot.source
            yield Purchase(**{name: saved(value) for name, value in lot.values.items()})

    # A lot is checked as it is read from the generator: a refusal is the
    # last one read's.
    with _refused_as(lambda: current["source"]):
        record_purchases(purchases=purchases())


def _price_lots(plan: Plan) -> None:
    """Gives saved lots whose cost was unknown their cost (price lists, and
    lot rows with a price identical to an unpriced lot)."""
    sources = sorted(set(plan.lot_price_sources.values()))
    with _refused_as(", ".join(sources[:3]) + (" and more" if sources[3:] else "")):
        price_lots(prices=plan.lot_prices)


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
