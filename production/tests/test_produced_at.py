"""Batches baked on earlier days: recorded with their own date and time,
never in the future, and using only the lots bought by then."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from pantry.exceptions import InsufficientStock
from production.forms import RecordForm
from production.models import ProductionRecord
from production.services import preview_production, record_production

pytestmark = pytest.mark.django_db

D = Decimal


def bake(bakery, batches=1, **kwargs):
    return record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=batches, **kwargs
    )


def local(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_batch_baked_yesterday_keeps_its_time(bakery):
    yesterday = timezone.now() - datetime.timedelta(days=1)

    record = bake(bakery, produced_at=yesterday)

    record.refresh_from_db()
    assert record.produced_at == yesterday


def test_produced_at_defaults_to_now(bakery):
    before = timezone.now()

    record = bake(bakery)

    assert before <= record.produced_at <= timezone.now()


def test_naive_time_is_read_in_the_bakerys_time_zone(bakery):
    record = bake(bakery, produced_at=datetime.datetime(2026, 11, 20, 9, 30))

    assert timezone.localtime(record.produced_at).replace(tzinfo=None) == (
        datetime.datetime(2026, 11, 20, 9, 30)
    )


@pytest.mark.parametrize(
    ("produced_at", "message"),
    [
        (
            lambda: timezone.now() + datetime.timedelta(minutes=5),
            "A batch cannot be recorded as baked in the future.",
        ),
        (
            lambda: "2999-01-01T10:00",
            "A batch cannot be recorded as baked in the future.",
        ),
        (
            lambda: "last Tuesday",
            "Say when the batches were baked as a date and time, not “last Tuesday”.",
        ),
        (
            lambda: "2026-11-31T10:00",
            "Say when the batches were baked as a date and time, not "
            "“2026-11-31T10:00”.",
        ),
        (
            lambda: datetime.date(2026, 11, 20),
            "Say when the batches were baked as a date and time, not “2026-11-20”.",
        ),
    ],
)
def test_bad_produced_at_is_refused_and_changes_nothing(
    bakery, database_snapshot, produced_at, message
):
    before = database_snapshot()

    for call in (record_production, preview_production):
        with pytest.raises(ValidationError) as raised:
            call(
                event=bakery["event"],
                recipe=bakery["cookies"],
                batches=1,
                produced_at=produced_at(),
            )
        assert raised.value.message_dict == {"produced_at": [message]}

    assert database_snapshot() == before


def test_model_and_service_refuse_the_future_with_one_rule(bakery):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    record = ProductionRecord(
        event=bakery["event"], recipe=bakery["cookies"], batches=1, produced_at=tomorrow
    )

    with pytest.raises(ValidationError) as from_model:
        record.full_clean()
    with pytest.raises(ValidationError) as from_service:
        bake(bakery, produced_at=tomorrow)

    assert (
        from_model.value.message_dict["produced_at"]
        == from_service.value.message_dict["produced_at"]
    )


def test_batch_baked_before_a_purchase_does_not_use_that_lot(bakery, database_snapshot):
    # given 1 kg of old flour (1 Oct) and 2 kg bought on 1 Nov; 4 batches
    # take 1,002.439 g
    before = database_snapshot()

    # when 4 batches are recorded as baked on 20 Oct
    with pytest.raises(InsufficientStock) as raised:
        bake(bakery, 4, produced_at=local(2026, 10, 20, 10, 0))

    # then the November flour was not there to use, and nothing changed
    assert [(s.ingredient, s.needed, s.available) for s in raised.value.shortages] == [
        (bakery["flour"], D("1002.439"), D("1000.000"))
    ]
    assert database_snapshot() == before


def test_batch_baked_after_a_purchase_uses_that_lot(bakery):
    record = bake(bakery, 4, produced_at=local(2026, 11, 5, 10, 0))

    lots = {line.lot for line in record.lines.filter(ingredient=bakery["flour"])}
    assert lots == {bakery["old_flour"], bakery["new_flour"]}


def test_preview_of_an_earlier_day_uses_the_lots_bought_by_then(bakery):
    preview = preview_production(
        event=bakery["event"],
        recipe=bakery["cookies"],
        batches=4,
        produced_at=local(2026, 10, 20, 10, 0),
    )

    assert preview.lots_bought_by == datetime.date(2026, 10, 20)
    assert [str(s) for s in preview.shortages] == [
        "Not enough Flour, all-purpose: need 1 kg, have 1 kg."
    ]
    assert not preview.can_record


def test_record_form_defaults_to_now_and_refuses_the_future():
    form = RecordForm()
    future = timezone.localtime() + datetime.timedelta(hours=2)
    bound = RecordForm(
        {"batches": "1", "produced_at": future.strftime("%Y-%m-%dT%H:%M")}
    )

    shown = form["produced_at"].value()  # in the bakery's time zone
    now = timezone.localtime().replace(tzinfo=None)
    assert abs(shown - now) < datetime.timedelta(minutes=1)
    assert 'type="datetime-local"' in str(form["produced_at"])
    assert bound.errors == {
        "produced_at": ["A batch cannot be recorded as baked in the future."]
    }


def test_record_page_records_an_earlier_day(client, bakery):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])

    response = client.post(
        url,
        {"batches": "1", "produced_at": "2026-11-28T16:45", "submission_key": "k"},
        HTTP_HX_REQUEST="true",
    )

    record = ProductionRecord.objects.get()
    assert record.produced_at == local(2026, 11, 28, 16, 45)
    assert "baked Sat 28 Nov 16:45." in response.content.decode()


def test_demo_past_event_has_its_batches_on_its_own_dates():
    call_command("load_demo", stdout=None)
    past = Event.objects.get(date__lt=timezone.localdate())

    days = {
        timezone.localdate(record.produced_at)
        for record in ProductionRecord.objects.filter(event=past)
    }

    assert days and all(day < past.date for day in days)
    assert len(days) >= 2
