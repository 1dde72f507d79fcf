import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from events.models import Event
from events.services import get_planned_cost
from pantry.models import Ingredient, Lot, Recipe
from pantry.selectors import estimate_recipe_cost
from production.models import ProductionRecord
from production.services import get_production_progress

pytestmark = pytest.mark.django_db


def test_ensure_admin_creates_a_superuser_once_and_prints_the_password(capsys):
    call_command("ensure_admin")
    first = capsys.readouterr().out

    call_command("ensure_admin")
    second = capsys.readouterr().out

    admin = User.objects.get()
    assert admin.is_superuser and admin.is_staff
    password = first.split("password: ")[1].split()[0]
    assert admin.check_password(password)
    assert "password" not in second
    assert User.objects.count() == 1


def test_load_demo_fills_an_empty_database_with_a_usable_pantry(capsys):
    call_command("load_demo")

    assert "Demo data loaded" in capsys.readouterr().out
    assert Ingredient.objects.count() >= 10
    assert Lot.objects.count() >= 10
    chocolate_chip = Recipe.objects.get(slug="chocolate-chip-cookies")
    estimate = estimate_recipe_cost(recipe=chocolate_chip)
    assert estimate.is_fully_priced
    assert estimate.total_cost > 0
    christmas = Event.objects.get(name="Christmas 2026")
    assert get_planned_cost(event=christmas).total > 0
    assert Event.objects.get(name="Cookie swap").assignments.count() == 0
    thanksgiving = Event.objects.get(name="Thanksgiving 2026")
    assert get_production_progress(event=thanksgiving).is_complete
    assert ProductionRecord.objects.filter(event=christmas).exists()


def test_load_demo_if_empty_keeps_existing_data(capsys):
    call_command("load_demo")
    lots = Lot.objects.count()

    call_command("load_demo", "--if-empty")

    assert "not loaded" in capsys.readouterr().out
    assert Lot.objects.count() == lots


def test_load_demo_refuses_a_database_with_data():
    call_command("load_demo")

    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("load_demo")
