"""The demo season: a backup shipped in the package, restored by load_demo
through the importer with its dates moved to happen around today."""

import datetime
import json
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from events.models import Assignment, Event
from events.tests.factories import PackageFactory
from pantry.models import Lot
from production.dataio import ImportFailed, backup, import_files
from production.management.commands.load_demo import DEMO_SEASON
from production.models import ProductionRecord

pytestmark = pytest.mark.django_db

ANCHOR = datetime.date(2026, 12, 1)  # the anchor day in the demo file
# Days from today of each demo event.
EVENT_DAYS = {"Thanksgiving thank-yous": -3, "Cookie swap": 18, "Christmas gifts": 25}


@contextmanager
def clock(*when: int):
    """The bakery's clock set to a local time: timezone.now and localdate."""
    now = timezone.make_aware(datetime.datetime(*when))
    with mock.patch("django.utils.timezone.now", return_value=now):
        yield now


def load_demo(capsys) -> str:
    call_command("load_demo")
    return capsys.readouterr().out


def whole_database(tmp_path) -> str:
    path = tmp_path / "backup.json"
    call_command("export_data", str(path), stdout=None)
    return path.read_text(encoding="utf-8")


def test_demo_file_ships_in_the_package_as_a_backup_with_its_anchor():
    text = DEMO_SEASON.read_text(encoding="utf-8")
    data = json.loads(text)

    assert DEMO_SEASON.parent.parent.name == "production"
    assert backup.is_backup(DEMO_SEASON)
    assert data["anchor"] == ANCHOR.isoformat()
    assert {section for section, _ in backup.MODELS} <= data.keys()
    # One row a line: a reviewable diff when the demo changes.
    rows = sum(len(data[section]) for section, _ in backup.MODELS)
    assert text.count("\n  {") == rows


def test_load_demo_on_an_empty_database_gives_the_demo_season(capsys):
    with clock(2027, 3, 10, 12, 0):
        out = load_demo(capsys)
        today = timezone.localdate()

    events = {event.name: event for event in Event.objects.all()}
    assert {name: (e.date - today).days for name, e in events.items()} == EVENT_DAYS
    statuses = set(Assignment.objects.values_list("status", flat=True))
    assert statuses == {"pending", "assembled", "delivered"}
    # What an assembled package holds is taken from the batches it came from.
    settled = Assignment.objects.exclude(status="pending")
    assert settled.count() == 10
    assert not settled.filter(allocations__isnull=True).exists()
    assert not Assignment.objects.filter(event__name="Cookie swap").exists()
    assert set(
        Assignment.objects.filter(event__name="Thanksgiving thank-yous").values_list(
            "status", flat=True
        )
    ) == {"delivered"}
    records = ProductionRecord.objects.all()
    assert records.count() == 9
    # The demo has no reversal; a short tray and a half batch.
    assert not records.filter(reversed_at__isnull=False).exists()
    assert records.filter(units_made=Decimal(40), batches=1).exists()
    assert records.filter(batches=Decimal("0.5")).exists()
    assert Lot.objects.count() == 40
    assert not Lot.objects.filter(is_priced=False).exists()
    assert "Demo data loaded: 30 ingredients, 36 products, 40 lots" in out
    assert "Christmas gifts (in 25 days)" in out
    assert "Thanksgiving thank-yous (3 days ago)" in out


@pytest.mark.parametrize(
    "now",
    [
        (2026, 12, 1, 21, 0),  # the anchor day, later than the file was made
        (2026, 12, 1, 6, 30),  # the anchor day, earlier than the file was made
        (2027, 7, 15, 8, 0),  # summer time
        (2030, 2, 1, 0, 5),  # just after midnight
    ],
)
def test_load_demo_dates_the_season_around_today(now, capsys):
    with clock(*now) as moment:
        load_demo(capsys)
        today = timezone.localdate()

    events = dict(Event.objects.values_list("name", "date"))
    assert {name: (day - today).days for name, day in events.items()} == EVENT_DAYS
    purchases = sorted(Lot.objects.values_list("purchased_on", flat=True))
    assert purchases[-1] == today - datetime.timedelta(days=3)
    assert purchases[0] == today - datetime.timedelta(days=200)
    baked = [
        timezone.localtime(at)
        for at in ProductionRecord.objects.order_by("pk").values_list(
            "produced_at", flat=True
        )
    ]
    # Baked at ten in the morning 5, 4 and 1 days ago, on the bakery's clock;
    # the batches of the anchor day are no later than now.
    assert [(today - at.date()).days for at in baked[:7]] == [5, 5, 4, 4, 4, 1, 1]
    assert {at.time() for at in baked[:7]} == {datetime.time(10)}
    assert all(at <= moment for at in baked)
    assert [at.date() for at in baked[7:]] == [today, today]
    thanksgiving = Event.objects.get(name="Thanksgiving thank-yous")
    assert all(at.date() < thanksgiving.date for at in baked[:5])


def test_load_demo_restores_the_file_exactly_on_its_anchor_day(tmp_path, capsys):
    with clock(2026, 12, 1, 23, 0):
        load_demo(capsys)

    restored = json.loads(whole_database(tmp_path))
    shipped = json.loads(DEMO_SEASON.read_text(encoding="utf-8"))
    del shipped["anchor"]
    assert restored == shipped


def test_demo_dashboard_shows_its_events(client, capsys):
    load_demo(capsys)
    client.force_login(User.objects.create_superuser("boss", password="pw"))

    upcoming = client.get(reverse("production:dashboard"))
    every = client.get(reverse("production:dashboard"), {"completed": "1"})

    assert upcoming.status_code == every.status_code == 200
    page = upcoming.content.decode()
    assert "Christmas gifts" in page
    assert "Cookie swap" in page
    assert "Thanksgiving thank-yous" in every.content.decode()


def test_load_demo_if_empty_on_a_database_with_the_demo_changes_nothing(
    tmp_path, capsys
):
    load_demo(capsys)
    before = whole_database(tmp_path)

    call_command("load_demo", "--if-empty")

    assert "not loaded" in capsys.readouterr().out
    assert whole_database(tmp_path) == before


def test_load_demo_refuses_a_database_holding_only_a_package(tmp_path):
    PackageFactory()
    before = whole_database(tmp_path)

    with pytest.raises(CommandError, match=r"holds data already.*Nothing was changed"):
        call_command("load_demo")

    assert whole_database(tmp_path) == before


def test_shifting_dates_needs_the_anchor_of_the_backup(tmp_path):
    data = json.loads(DEMO_SEASON.read_text(encoding="utf-8"))
    del data["anchor"]
    path = tmp_path / "season.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ImportFailed) as failed:
        import_files([path], shift_dates_to=ANCHOR)

    [problem] = failed.value.problems
    assert problem.field == "anchor"
    assert "is required to move the dates" in problem.reason
    assert not Event.objects.exists()


def test_an_anchor_that_is_no_date_is_a_problem(tmp_path):
    data = json.loads(DEMO_SEASON.read_text(encoding="utf-8"))
    path = tmp_path / "season.json"
    path.write_text(json.dumps({**data, "anchor": "1 Dec"}), encoding="utf-8")

    with pytest.raises(ImportFailed) as failed:
        import_files([path])

    assert [(p.field, p.reason) for p in failed.value.problems] == [
        ("anchor", "is not a date like 2026-12-01")
    ]
    assert not Event.objects.exists()


def test_a_shift_that_breaks_a_rule_is_refused_and_writes_nothing():
    # Moved to a day long after today, the purchases would be in the future.
    far = timezone.localdate() + datetime.timedelta(days=30)

    with pytest.raises(ImportFailed) as failed:
        import_files([DEMO_SEASON], shift_dates_to=far)

    assert {p.field for p in failed.value.problems} == {"purchased_on"}
    assert not Lot.objects.exists()
