"""What an import will do: the objects it creates and changes, the lots it
records, its counts and its problems. Filled by the sections (see
`sections`), checked by `checks`, applied by `writer`."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from production.dataio.rows import SECTIONS, Problem


@dataclass(eq=False)
class Pending:
    """An object the import will create; `obj` is set once it is saved."""

    model: type
    values: dict[str, Any]
    source: str
    obj: Any = None
    file: int = 0  # the place in the import order of the file of its row
    # Stands for a row refused already, so that rows naming it add no noise;
    # nothing is written for it.
    refused: bool = False
    # Created by --create-missing, named after a slug ("eggs_large")
    named_after_slug: bool = False
    # The object as checks.check_writes checked it, its references to other
    # pending objects left out: what the writer saves, once they are set.
    checked: Any = None

    @property
    def name(self) -> str:
        return str(self.values.get("name", ""))


def saved(target):
    """The saved object for a reference to an existing or a pending object."""
    return target.obj if isinstance(target, Pending) else target


def name_of(target) -> str:
    """The name of a saved or pending object, or the text given."""
    if isinstance(target, str):
        return target
    return target.name if hasattr(target, "name") else target.values["name"]


@dataclass(eq=False, slots=True)  # an import may hold 100,000 of them
class PlannedLot:
    """A purchase the import records: `values` are a `Purchase`'s fields."""

    values: dict[str, Any]
    source: str
    amount: Decimal  # the quantity in the stock unit, as the lot will hold it
    file: int = 0


@dataclass
class PriceCounts:
    """What the price lists of an import do."""

    lots: int = 0  # unpriced lots given their price
    products: int = 0  # products whose latest price is set
    without_price: int = 0  # rows with no unit_price, skipped
    unused: int = 0  # rows that price nothing (listed as warnings)

    def line(self) -> str:
        parts = [
            f"{self.lots} unpriced lot(s) priced",
            f"latest price of {self.products} product(s) changed",
        ]
        if self.without_price:
            parts.append(f"{self.without_price} row(s) without a price skipped")
        if self.unused:
            parts.append(f"{self.unused} row(s) pricing nothing (listed)")
        return "prices: " + ", ".join(parts)


@dataclass
class Counts:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    unpriced: Counter = field(default_factory=Counter)  # of the lots created
    prices: PriceCounts | None = None  # when a price list is imported

    def lines(self) -> list[str]:
        lines = []
        for section in SECTIONS:
            c, u, n = (
                self.created[section],
                self.updated[section],
                self.unchanged[section],
            )
            if c or u or n:
                created = f"{c} created"
                if self.unpriced[section]:
                    created += f" ({self.unpriced[section]} unpriced: cost unknown)"
                lines.append(f"{section}: {created}, {u} updated, {n} unchanged")
        if self.prices is not None:
            lines.append(self.prices.line())
        return lines


@dataclass
class Plan:
    """What the import will do, checked in full before anything is written."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    creates: dict[str, list[Pending]] = field(default_factory=lambda: defaultdict(list))
    # Each change of a saved object, in the order planned, and its row
    updates: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    update_sources: list[str] = field(default_factory=list)
    replaced_lines: list[tuple[Any, list[dict]]] = field(default_factory=list)
    replaced_items: list[tuple[Any, list[dict]]] = field(default_factory=list)
    purchases: list[PlannedLot] = field(default_factory=list)
    # Saved lots whose unknown cost the import sets (production.services
    # .price_lots), by id, and the row setting it
    lot_prices: dict[int, Decimal] = field(default_factory=dict)
    lot_price_sources: dict[int, str] = field(default_factory=dict)
    created_missing: list[str] = field(default_factory=list)
