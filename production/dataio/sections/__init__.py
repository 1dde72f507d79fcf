"""The sections of an import, one module each, in the order they are
planned and written: each after the sections its rows refer to.

A section module has `plan(planner, rows=...)`, which checks its rows against
what the database holds and what earlier sections plan, and fills the plan;
and `write(plan, progress=...)`, which writes its part of a plan without
problems, in bulk. What they share is in `common`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from production.dataio.rows import PRICES, SECTIONS
from production.dataio.sections import (
    assignments,
    events,
    ingredients,
    lots,
    packages,
    prices,
    products,
    recipes,
    recipients,
)


@dataclass(frozen=True)
class Section:
    """A section: how its rows are planned and written, and the sections
    whose objects they refer to (planned and written before it)."""

    name: str
    plan: Callable[..., None]  # (planner: Planner, *, rows: list[Row]) -> None
    write: Callable[..., None]  # (plan: Plan, *, progress) -> None
    refers_to: tuple[str, ...] = ()


ORDER: tuple[Section, ...] = (
    Section(ingredients.NAME, ingredients.plan, ingredients.write),
    Section(products.NAME, products.plan, products.write, ("ingredients",)),
    Section(lots.NAME, lots.plan, lots.write, ("ingredients", "products")),
    Section(recipes.NAME, recipes.plan, recipes.write, ("ingredients",)),
    Section(recipients.NAME, recipients.plan, recipients.write),
    Section(packages.NAME, packages.plan, packages.write, ("recipes",)),
    Section(events.NAME, events.plan, events.write),
    Section(
        assignments.NAME,
        assignments.plan,
        assignments.write,
        ("events", "recipients", "packages"),
    ),
    # Last: a price list prices the lots and products of every other file.
    Section(
        prices.NAME, prices.plan, prices.write, ("ingredients", "products", "lots")
    ),
)


def _check_order(order: tuple[Section, ...]) -> None:
    """Each section comes after those it refers to, and the sections are
    those of the files (rows.SECTIONS) then the price lists."""
    names = [section.name for section in order]
    if names != [*SECTIONS, PRICES]:
        raise RuntimeError(f"The sections are {names}, not {[*SECTIONS, PRICES]}.")
    for place, section in enumerate(order):
        for name in section.refers_to:
            if name not in names[:place]:
                raise RuntimeError(f"{section.name} is planned before {name}.")


_check_order(ORDER)
