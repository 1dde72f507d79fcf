"""The bad input catalogue: each gets a clear message and changes nothing,
whether it comes through a service, a form or a page."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from pantry.services import record_purchase
from pantry.tests.factories import IngredientFactory
from production.dataio import ImportFailed, import_files
from production.forms import RecordForm
from production.services import record_production, update_package_status

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def messages_of(call):
    try:
        call()
    except ValidationError as error:
        return " ".join(error.messages)
    except ImportFailed as error:
        return " ".join(str(problem) for problem in error.problems)
    pytest.fail("accepted bad input")


def via_service(batches):
    return lambda b, c, t: messages_of(
        lambda: record_production(
            event=b["event"], recipe=b["cookies"], batches=batches
        )
    )


def via_form(batches):
    def check(b, c, t):
        form = RecordForm({"batches": batches, "submission_key": "k"})
        assert not form.is_valid()
        return " ".join(form.errors["batches"])

    return check


def via_page(batches):
    def check(b, c, t):
        url = reverse("production:record", args=[b["event"].pk, b["cookies"].pk])
        return c.post(
            url, {"batches": batches, "submission_key": "k"}, **HTMX
        ).content.decode()

    return check


def via_import(lot):
    def check(b, c, t):
        path = t / "bad.json"
        lot_row = {
            "ingredient": "cardamom",
            "purchased_on": "2026-11-01",
            "quantity": "1",
            "total_cost": "1",
            **lot,
        }
        path.write_text(json.dumps({"format": "bakery", "lots": [lot_row]}))
        return messages_of(lambda: import_files([path]))

    return check


def page_status(url_name, *args, data=None):
    def check(b, c, t):
        response = c.post(reverse(url_name, args=args), data or {})
        return str(response.status_code)

    return check


CASES = {
    "batches 0 (service)": (via_service(0), "Record more than 0 batches"),
    "batches -1 (service)": (via_service(-1), "Record more than 0 batches"),
    "batches 1.555 (service)": (via_service("1.555"), "at most 2 decimal places"),
    "batches 10^12 (service)": (via_service(10**12), "at most 1,000 batches"),
    "batches abc (service)": (via_service("abc"), "a number such as 1 or 0.5"),
    "batches 0 (form)": (via_form("0"), "Record more than 0 batches"),
    "batches 1.555 (form)": (via_form("1.555"), "at most 2 decimal places"),
    "batches 10^12 (form)": (via_form(str(10**12)), "at most 1,000 batches"),
    "batches abc (form)": (via_form("abc"), "a number such as 1 or 0.5"),
    "batches -1 (page)": (via_page("-1"), "Record more than 0 batches"),
    "batches 1.555 (page)": (via_page("1.555"), "at most 2 decimal places"),
    "batches 10^12 (page)": (via_page(str(10**12)), "at most 1,000 batches"),
    "batches abc (page)": (via_page("abc"), "a number such as 1 or 0.5"),
    "unknown event (service)": (
        lambda b, c, t: messages_of(
            lambda: record_production(event=987654, recipe=b["cookies"], batches=1)
        ),
        "Unknown event “987654”.",
    ),
    "unknown recipe (service)": (
        lambda b, c, t: messages_of(
            lambda: record_production(event=b["event"], recipe=987654, batches=1)
        ),
        "Unknown recipe “987654”.",
    ),
    "unknown assignment (service)": (
        lambda b, c, t: messages_of(
            lambda: update_package_status(assignment=987654, status="assembled")
        ),
        "Unknown assignment “987654”.",
    ),
    "unknown recipe (page)": (page_status("production:record", 1, 987654), "404"),
    "unknown assignment (page)": (
        page_status(
            "production:assignment_status", 987654, data={"status": "assembled"}
        ),
        "404",
    ),
    "unknown record (page)": (page_status("production:reverse", 987654), "404"),
    "name of 10,000 characters (import)": (
        lambda b, c, t: messages_of(
            lambda: import_files([_write(t, {"recipients": [{"name": "x" * 10_000}]})])
        ),
        "is longer than 200 characters",
    ),
    "negative cost (service)": (
        lambda b, c, t: messages_of(
            lambda: record_purchase(
                ingredient=b["flour"],
                quantity=Decimal(1),
                total_cost=Decimal("-1"),
                purchased_on="2026-11-01",
            )
        ),
        "Ensure this value is greater than or equal to 0.",
    ),
    "quantity with too many decimals (import)": (
        via_import({"quantity": "1.0001"}),
        "has more than 3 decimal places",
    ),
    "unknown unit (import)": (
        via_import({"unit": "handful"}),
        "Unknown unit “handful”",
    ),
    "missing density (import)": (
        via_import({"unit": "cup"}),
        "Set a density for Cardamom to convert cup to g.",
    ),
    "price that is not money (import)": (
        via_import({"total_cost": "twelve"}),
        "is not an amount of money",
    ),
}


def _write(folder, data):
    path = folder / "bad.json"
    path.write_text(json.dumps({"format": "bakery", **data}))
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    case, bakery, database_snapshot, client, tmp_path
):
    check, expected = CASES[case]
    IngredientFactory(name="Cardamom", slug="cardamom")
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    before = database_snapshot()

    seen = check(bakery, client, tmp_path)

    assert expected in seen
    assert database_snapshot() == before


@pytest.mark.parametrize(
    "name", ["Crème brûlée 🎄", "<script>alert(1)</script>", "Ünïcödé “quotes” & more"]
)
def test_any_name_is_kept_as_written_and_escaped(bakery, client, name):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    bakery["cookies"].name = name
    bakery["cookies"].save()

    page = client.get(
        reverse("production:event", args=[bakery["event"].pk])
    ).content.decode()

    assert escape(name) in page
    assert "<script>alert" not in page
