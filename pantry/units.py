"""Units the way bakers write them, and conversions between them (with pint).

Every unit has a short code (g, kg, oz, lb, ml, l, tsp, tbsp, cup, fl oz, pt,
qt, gal, each). Conversions within mass, volume or count are exact Decimal
factors from pint's definitions (US customary measures); mass <-> volume goes
through an ingredient's density (g per ml) and count <-> mass through its
weight per each.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache, lru_cache
from typing import Protocol

import pint

from pantry.exceptions import ConversionError, UnknownUnit

MASS, VOLUME, COUNT = "mass", "volume", "count"

# code -> (pint unit name, dimension)
UNITS: dict[str, tuple[str, str]] = {
    "g": ("gram", MASS),
    "kg": ("kilogram", MASS),
    "oz": ("ounce", MASS),
    "lb": ("pound", MASS),
    "ml": ("milliliter", VOLUME),
    "l": ("liter", VOLUME),
    "tsp": ("teaspoon", VOLUME),
    "tbsp": ("tablespoon", VOLUME),
    "cup": ("cup", VOLUME),
    "fl oz": ("fluid_ounce", VOLUME),
    "pt": ("pint", VOLUME),
    "qt": ("quart", VOLUME),
    "gal": ("gallon", VOLUME),
    "each": ("each", COUNT),
}
BASE_UNIT = {MASS: "g", VOLUME: "ml", COUNT: "each"}

# What bakers write, lower-cased, -> code. "T" and "t" are told apart before
# lower-casing: a capital T is a tablespoon, a small t a teaspoon.
ALIASES: dict[str, str] = {
    **{name: "g" for name in ("g", "gr", "gram", "grams", "gramme", "grammes")},
    **{name: "kg" for name in ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms")},
    **{name: "oz" for name in ("oz", "ozs", "ounce", "ounces")},
    **{name: "lb" for name in ("lb", "lbs", "pound", "pounds")},
    **{
        name: "ml"
        for name in (
            "ml",
            "mls",
            "milliliter",
            "milliliters",
            "millilitre",
            "millilitres",
        )
    },
    **{name: "l" for name in ("l", "liter", "liters", "litre", "litres")},
    **{name: "tsp" for name in ("tsp", "tsps", "teaspoon", "teaspoons")},
    **{name: "tbsp" for name in ("tbsp", "tbsps", "tbs", "tablespoon", "tablespoons")},
    **{name: "cup" for name in ("cup", "cups", "c")},
    **{
        name: "fl oz"
        for name in ("fl oz", "floz", "fl_oz", "fluid ounce", "fluid ounces", "fl ozs")
    },
    **{name: "pt" for name in ("pt", "pint", "pints")},
    **{name: "qt" for name in ("qt", "qts", "quart", "quarts")},
    **{name: "gal" for name in ("gal", "gals", "gallon", "gallons")},
    **{
        name: "each"
        for name in (
            "each",
            "ea",
            "count",
            "ct",
            "piece",
            "pieces",
            "pc",
            "pcs",
            "whole",
        )
    },
}

STOCK_UNITS = ("g", "kg", "oz", "lb", "ml", "l", "each")

_registry = pint.UnitRegistry(non_int_type=Decimal)
_registry.define("each = [item]")


class HasConversionFacts(Protocol):
    name: str
    density_g_per_ml: Decimal | None
    grams_per_each: Decimal | None


@lru_cache(maxsize=1024)
def normalize_unit(text: str) -> str:
    """Returns the code of a unit as a baker writes it ("Tbsp." -> "tbsp")."""
    raw = re.sub(r"\s+", " ", str(text or "")).strip().rstrip(".")
    if raw == "T":
        return "tbsp"
    if raw == "t":
        return "tsp"
    key = raw.lower().replace(". ", " ").replace(".", "")
    try:
        return ALIASES[key]
    except KeyError:
        raise UnknownUnit(raw or str(text), list(UNITS)) from None


def dimension_of(unit: str) -> str:
    return UNITS[normalize_unit(unit)][1]


@cache
def _factor_to_base(code: str) -> Decimal:
    """How many base units (g, ml, each) one `code` is, exactly."""
    name, dimension = UNITS[code]
    base_name = UNITS[BASE_UNIT[dimension]][0]
    magnitude = _registry.Quantity(Decimal(1), name).to(base_name).magnitude
    # pint's Decimal arithmetic leaves noise in the 28th digit; every factor
    # it defines is exact within 12 places.
    return Decimal(magnitude).quantize(Decimal("1e-12")).normalize()


def convert(
    quantity: Decimal,
    from_unit: str,
    to_unit: str,
    *,
    ingredient: HasConversionFacts | None = None,
) -> Decimal:
    """Converts a quantity between units, through the ingredient's facts if needed.

    The result is not rounded; round it where it is stored.
    """
    source, target = normalize_unit(from_unit), normalize_unit(to_unit)
    quantity = Decimal(quantity)
    if source == target:
        return quantity
    source_dim, target_dim = UNITS[source][1], UNITS[target][1]
    base = quantity * _factor_to_base(source)
    if source_dim != target_dim:
        base = _cross_dimension(
            base, source_dim, target_dim, ingredient, source, target
        )
    return base / _factor_to_base(target)


def _cross_dimension(base, source_dim, target_dim, ingredient, source, target):
    """Converts an amount in one base unit (g, ml, each) to another."""
    grams = base
    if source_dim == VOLUME:
        grams = base * _needed(ingredient, "density_g_per_ml", source, target)
    elif source_dim == COUNT:
        grams = base * _needed(ingredient, "grams_per_each", source, target)
    if target_dim == MASS:
        return grams
    if target_dim == VOLUME:
        return grams / _needed(ingredient, "density_g_per_ml", source, target)
    return grams / _needed(ingredient, "grams_per_each", source, target)


_MISSING_FACT = {
    "density_g_per_ml": "a density",
    "grams_per_each": "a weight per each",
}


def _needed(ingredient, fact: str, source: str, target: str) -> Decimal:
    value = getattr(ingredient, fact, None) if ingredient is not None else None
    if value:
        return Decimal(value)
    name = ingredient.name if ingredient is not None else "this ingredient"
    missing = _MISSING_FACT[fact]
    raise ConversionError(
        f"Set {missing} for {name} to convert {source} to {target}.",
        ingredient_name=name,
        from_unit=source,
        to_unit=target,
        missing=missing,
    )


_MEASURE = r"\s*(\d*\.?\d+)\s*([a-zA-Z .]+?)\s*"
_DENSITY_TEXT = re.compile(rf"^{_MEASURE}={_MEASURE}$")


def density_from_measures(
    volume_quantity: Decimal,
    volume_unit: str,
    weight_quantity: Decimal,
    weight_unit: str,
) -> Decimal:
    """Grams per millilitre from "1 cup weighs 4.42 oz"."""
    volume_code, weight_code = normalize_unit(volume_unit), normalize_unit(weight_unit)
    if UNITS[volume_code][1] != VOLUME or UNITS[weight_code][1] != MASS:
        raise ConversionError(
            f"A density is a volume and its weight, like “1 cup = 4.42 oz”, "
            f"not {volume_code} and {weight_code}.",
            ingredient_name="",
            from_unit=volume_code,
            to_unit=weight_code,
            missing="a volume and a weight",
        )
    millilitres = Decimal(volume_quantity) * _factor_to_base(volume_code)
    grams = Decimal(weight_quantity) * _factor_to_base(weight_code)
    if millilitres <= 0 or grams <= 0:
        raise ConversionError(
            "A density needs a volume and a weight above zero.",
            ingredient_name="",
            from_unit=volume_code,
            to_unit=weight_code,
            missing="a positive volume and weight",
        )
    return grams / millilitres


DENSITY_STEP = Decimal("0.000001")  # as Ingredient.density_g_per_ml keeps it


def parse_density(text: str) -> Decimal:
    """Grams per millilitre, to 6 places, from text like "1 cup = 4.42 oz"."""
    match = _DENSITY_TEXT.match(text or "")
    if not match:
        raise ConversionError(
            f"Write a density as a volume and its weight, like “1 cup = 4.42 oz”, "
            f"not “{text}”.",
            ingredient_name="",
            from_unit="",
            to_unit="",
            missing="a volume and a weight",
        )
    volume_quantity, volume_unit, weight_quantity, weight_unit = match.groups()
    density = density_from_measures(
        Decimal(volume_quantity), volume_unit, Decimal(weight_quantity), weight_unit
    )
    return density.quantize(DENSITY_STEP)


def format_number(value: Decimal) -> str:
    """A quantity as a baker reads it: "281", "12.5", "0.25", never "0.666667"."""
    value = Decimal(value)
    magnitude = abs(value)
    places = 0 if magnitude >= 100 else (1 if magnitude >= 10 else 2)
    rounded = value.quantize(Decimal(1).scaleb(-places))
    text = f"{rounded:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _readable_unit(quantity: Decimal, code: str) -> tuple[Decimal, str]:
    """Moves grams to kilograms and millilitres to litres from 1,000 up."""
    if code == "g" and abs(quantity) >= 1000:
        return quantity / 1000, "kg"
    if code == "ml" and abs(quantity) >= 1000:
        return quantity / 1000, "l"
    return quantity, code


def format_quantity(quantity: Decimal, unit: str) -> str:
    """ "1.3 kg", "200 g", "12 each"."""
    value, code = _readable_unit(Decimal(quantity), normalize_unit(unit))
    return f"{format_number(value)} {code}"


def pluralize(noun: str, count: Decimal) -> str:
    if count == 1 or not noun:
        return noun
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def format_in_packages(
    quantity: Decimal,
    unit: str,
    *,
    package_quantity: Decimal,
    package_unit: str,
    package_type: str = "package",
    ingredient: HasConversionFacts | None = None,
) -> str:
    """The quantity in packages, then in its own unit: "2.5 bags (12.5 lb)".

    Less than one package reads better plainly: "128 g", not "0.06 bags".
    """
    plain = format_quantity(quantity, unit)
    try:
        per_package = convert(
            package_quantity, package_unit, unit, ingredient=ingredient
        )
    except ConversionError:
        return plain
    packages = Decimal(quantity) / per_package if per_package > 0 else Decimal(0)
    if packages < 1:
        return plain
    count = format_number(packages)
    return (
        f"{count} {pluralize(package_type, Decimal(count.replace(',', '')))} ({plain})"
    )
