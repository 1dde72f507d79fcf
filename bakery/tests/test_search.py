"""Search ignoring case and accents, the same on SQLite and PostgreSQL."""

import pytest

from bakery.folding import fold
from bakery.search import search
from events.models import Event, Recipient
from pantry.models import Ingredient

pytestmark = pytest.mark.django_db


def test_fold_lowers_and_drops_accents():
    assert fold("Crème Fraîche") == "creme fraiche"
    assert fold("FÊTE à Łódź, Ørsted") == "fete a lodz, orsted"
    assert fold(None) == ""


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("creme", ["Crème fraîche"]),
        ("CRÈME FRAICHE", ["Crème fraîche"]),
        ("fraiche creme", ["Crème fraîche"]),
        ("jalapeno", ["Jalapeño"]),
        ("flour", ["Flour, all-purpose"]),
        ("", ["Crème fraîche", "Flour, all-purpose", "Jalapeño"]),
        ("nothing", []),
    ],
)
def test_search_ignores_case_accents_and_word_order(query, found):
    for name in ("Crème fraîche", "Jalapeño", "Flour, all-purpose"):
        Ingredient.objects.create(name=name, slug=fold(name).replace(" ", "-"))

    result = search(Ingredient.objects.order_by("name"), query, ["name"])

    assert [i.name for i in result] == found


def test_search_looks_in_every_field_given():
    Event.objects.create(name="Fête de Noël", date="2026-12-24", notes="")
    Event.objects.create(name="Bake sale", date="2026-12-12", notes="at the fête")
    Event.objects.create(name="Swap", date="2026-12-13", notes="")

    result = search(Event.objects.order_by("date"), "fete", ["name", "notes"])

    assert [e.name for e in result] == ["Bake sale", "Fête de Noël"]


def test_search_follows_relations():
    Recipient.objects.create(name="Zoë", household="Müller")

    assert search(Recipient.objects.all(), "muller", ["household"]).count() == 1
    assert search(Recipient.objects.all(), "zoe", ["name", "household"]).count() == 1
