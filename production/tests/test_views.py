import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from bakery.testing import queries_for
from events.models import Assignment
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    PackageItemFactory,
)
from pantry.tests.factories import (
    IngredientFactory,
    LotFactory,
    RecipeFactory,
    RecipeLineFactory,
)
from production.models import ProductionRecord
from production.services import record_production, update_package_status

pytestmark = pytest.mark.django_db

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def user_with(*codenames):
    user = User.objects.create_user(f"baker-{len(codenames)}", password="pw")
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def baker_client(client):
    client.force_login(
        user_with(
            "add_productionrecord", "change_productionrecord", "change_assignment"
        )
    )
    return client


@pytest.fixture
def reader_client(client):
    client.force_login(user_with())
    return client


def urls_for(bakery):
    event, recipe = bakery["event"], bakery["cookies"]
    record = record_production(event=event, recipe=recipe, batches=1)
    return {
        "dashboard": reverse("production:dashboard"),
        "events": reverse("production:events"),
        "event": reverse("production:event", args=[event.pk]),
        "record": reverse("production:record", args=[event.pk, recipe.pk]),
        "status": reverse("production:assignment_status", args=[bakery["tins"][0].pk]),
        "history": reverse("production:history"),
        "reverse": reverse("production:reverse", args=[record.pk]),
        "pantry": reverse("production:pantry"),
    }


def test_every_page_needs_a_login(client, bakery):
    for name, url in urls_for(bakery).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


def test_every_page_loads_for_a_reader(reader_client, bakery):
    for name, url in urls_for(bakery).items():
        if name in {"record", "status", "reverse"}:
            continue
        assert reader_client.get(url).status_code == 200, name


def test_reader_sees_no_action_buttons_and_gets_403_on_every_post(
    reader_client, bakery, database_snapshot
):
    urls = urls_for(bakery)
    before = database_snapshot()

    page = reader_client.get(urls["event"]).content.decode()
    assert "Mark assembled" not in page and ">Record<" not in page
    assert ">Reverse<" not in reader_client.get(urls["history"]).content.decode()
    assert reader_client.get(urls["record"]).status_code == 403
    assert reader_client.post(urls["record"], {"batches": 1}).status_code == 403
    assert (
        reader_client.post(urls["status"], {"status": "assembled"}).status_code == 403
    )
    assert reader_client.post(urls["reverse"], {"reason": "x"}).status_code == 403
    assert database_snapshot() == before


def test_posts_need_the_csrf_token(bakery):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    urls = urls_for(bakery)

    assert client.post(urls["record"], {"batches": 1}, **HTMX).status_code == 403
    assert client.post(urls["status"], {"status": "assembled"}).status_code == 403


def test_dashboard_shows_states_and_toggle(baker_client, bakery):
    EventFactory(name="Cookie swap")
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=3)
    done = AssignmentFactory(package=bakery["tins"][0].package)
    record_production(event=done.event, recipe=bakery["cookies"], batches=1)
    update_package_status(assignment=done, status="assembled")
    update_package_status(assignment=done, status="delivered")

    page = baker_client.get(reverse("production:dashboard")).content.decode()
    everything = baker_client.get(reverse("production:dashboard"), {"completed": "1"})

    assert "No packages planned yet" in page
    assert "1 of 1 recipes complete" in page
    assert "pending 11 · assembled 0 · delivered 0" in page
    assert done.event.name not in page
    assert "Complete" in everything.content.decode()
    assert reverse("production:event", args=[bakery["event"].pk]) in page


def make_events(count):
    flour = IngredientFactory()
    LotFactory(ingredient=flour, quantity_purchased=D(100000))
    recipes = [RecipeFactory() for _ in range(2)]
    package = PackageFactory()
    for recipe in recipes:
        RecipeLineFactory(recipe=recipe, ingredient=flour, quantity=D(1))
        PackageItemFactory(package=package, recipe=recipe)
    events = []
    for _ in range(count):
        event = EventFactory()
        for _ in range(3):
            AssignmentFactory(event=event, package=package)
        record = record_production(event=event, recipe=recipes[0], batches=1)
        events.append((event, record))
    return events


@pytest.mark.parametrize("page", ["dashboard", "events", "history", "pantry"])
def test_listing_query_count_does_not_grow_with_rows(baker_client, page):
    url = reverse(f"production:{page}")
    make_events(1)
    few = queries_for(baker_client, url)

    make_events(15)

    assert queries_for(baker_client, url) == few


def test_event_page_query_count_does_not_grow_with_rows(baker_client):
    [(small, _)] = make_events(1)
    [(large, _)] = make_events(1)
    for _ in range(20):
        AssignmentFactory(event=large, package=large.assignments.first().package)

    few = queries_for(baker_client, reverse("production:event", args=[small.pk]))
    many = queries_for(baker_client, reverse("production:event", args=[large.pk]))

    assert many == few


def _packages_listed(response) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(r'id="assignment-(\d+)"', response.content.decode())
    ]


@pytest.fixture
def crowded_event():
    """An event of 60 packages for 60 recipients, each package empty, so
    that any can be packed."""
    event = EventFactory(name="Open house")
    package = PackageFactory(name="Card")
    AssignmentFactory.create_batch(60, event=event, package=package)
    return event


def test_event_page_lists_packages_and_recipients_by_pages_of_50(
    baker_client, crowded_event
):
    url = reverse("production:event", args=[crowded_event.pk])

    first = baker_client.get(url)
    second = baker_client.get(url, {"packages-page": 2, "recipients-page": 2})

    ids = list(
        Assignment.objects.filter(event=crowded_event)
        .order_by("recipient__name", "package__name")
        .values_list("pk", flat=True)
    )
    assert _packages_listed(first) == ids[:50]
    assert _packages_listed(second) == ids[50:]
    page = first.content.decode()
    assert 'href="?packages-page=2#packages-table"' in page
    assert 'href="?recipients-page=2#recipients-table"' in page
    # 10 recipients on the second page, one package each
    one = 'class="number" data-label="Packages">1</td>'
    assert second.content.decode().count(one) == 10


def test_marking_a_package_keeps_its_page_and_filter(baker_client, crowded_event):
    url = reverse("production:event", args=[crowded_event.pk])
    listed = {"packages-status": "pending", "packages-page": 2}
    page = baker_client.get(url, listed)
    [*_, last] = _packages_listed(page)
    action = re.search(
        rf'hx-post="([^"]*/assignments/{last}/status/[^"]*)"', page.content.decode()
    )

    marked = baker_client.post(
        action.group(1).replace("&amp;", "&"), {"status": "assembled"}, **HTMX
    )
    without_htmx = baker_client.post(
        reverse("production:assignment_status", args=[last]) + "?packages-page=2",
        {"status": "delivered"},
    )

    # the page shows the pending packages of page 2 again, the one packed gone
    pending = _packages_listed(marked)
    assert last not in pending
    assert pending == _packages_listed(baker_client.get(url, listed))
    assert len(pending) == 9
    assert without_htmx["Location"] == f"{url}?packages-page=2#packages"
    assert Assignment.objects.get(pk=last).status == "delivered"


def test_recording_a_batch_keeps_the_tables_as_listed(baker_client, crowded_event):
    line = RecipeLineFactory(recipe__name="Shortbread")
    LotFactory(ingredient=line.ingredient)
    AssignmentFactory(
        event=crowded_event, package=PackageItemFactory(recipe=line.recipe).package
    )
    url = reverse("production:event", args=[crowded_event.pk])
    listed = {"packages-status": "pending", "packages-page": 2}
    second_page = _packages_listed(baker_client.get(url, listed))

    # the Record button, the panel it opens and the form that records all
    # carry the listing
    button = re.search(
        r'hx-get="([^"]*/record/[^"]*)"', baker_client.get(url, listed).content.decode()
    ).group(1)
    panel = baker_client.get(button.replace("&amp;", "&"), **HTMX).content.decode()
    action = re.search(r'hx-post="([^"]*/record/[^"]*)"', panel).group(1)
    recorded = baker_client.post(
        action.replace("&amp;", "&"),
        {"batches": "1", "submission_key": "one", "units_made": "", "notes": ""},
        **HTMX,
    )
    without_htmx = baker_client.post(
        action.replace("&amp;", "&"),
        {"batches": "1", "submission_key": "two", "units_made": "", "notes": ""},
    )

    assert ProductionRecord.objects.filter(recipe=line.recipe).count() == 2
    assert "Recorded 1 batch of Shortbread" in recorded.content.decode()
    assert _packages_listed(recorded) == second_page
    assert without_htmx["Location"] == (
        f"{url}?packages-status=pending&packages-page=2"
    )


def test_event_page_shows_recipes_packages_costs_and_shopping(baker_client, bakery):
    page = baker_client.get(reverse("production:event", args=[bakery["event"].pk]))

    content = page.content.decode()
    assert "Chocolate chip" in content
    assert "0 / 3" in content
    assert content.count("Mark assembled") == 9
    assert "Cost by recipe" in content
    assert "Shopping list for what remains to bake" in content


def test_record_form_opens_with_a_preview_of_one_batch(baker_client, bakery):
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])

    response = baker_client.get(url, **HTMX)

    content = response.content.decode()
    assert "<html" not in content  # the partial only
    assert "Record Chocolate chip" in content
    assert "Flour, all-purpose: 251 g from lot 1 Oct ($0.50)" in content
    assert "Record 1 batch" in content


def test_record_form_without_javascript_on_the_event_page(baker_client, bakery):
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])

    response = baker_client.get(url, {"batches": "2"})

    assert "<html" in response.content.decode()  # the whole event page

    assert "Record 2 batches" in response.content.decode()


def test_preview_shows_over_plan_warning(baker_client, bakery):
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])

    response = baker_client.get(url, {"batches": "4"}, **HTMX)

    assert "1 more than planned" in response.content.decode()


def record_post(client, bakery, data, **extra):
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])
    return client.post(url, {"submission_key": "key-1", "notes": "", **data}, **extra)


def test_recording_with_htmx_updates_the_page_body(baker_client, bakery):
    response = record_post(baker_client, bakery, {"batches": "2"}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Recorded 2 batches of Chocolate chip for $1.80." in content
    assert "2 / 3" in content
    assert ProductionRecord.objects.get().batches == 2


def test_recording_without_htmx_redirects_back(baker_client, bakery):
    response = record_post(baker_client, bakery, {"batches": "1"})

    assert response.status_code == 302
    assert response.url == reverse("production:event", args=[bakery["event"].pk])
    assert ProductionRecord.objects.count() == 1


def test_resubmitted_form_records_once(baker_client, bakery):
    record_post(baker_client, bakery, {"batches": "1"}, **HTMX)
    record_post(baker_client, bakery, {"batches": "1"}, **HTMX)

    assert ProductionRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("batches", "message"),
    [
        ("0", "Record more than 0 batches: 0.5 is half a batch."),
        ("-1", "Record more than 0 batches: 0.5 is half a batch."),
        ("1.555", "Batches can have at most 2 decimal places, not 1.555."),
        ("abc", "Batches must be a number such as 1 or 0.5, not “abc”."),
        ("1000000000000", "Record at most 1,000 batches at once."),
        ("", "Say how many batches."),
    ],
)
def test_bad_batches_get_a_clear_error_and_change_nothing(
    baker_client, bakery, database_snapshot, batches, message
):
    before = database_snapshot()

    response = record_post(baker_client, bakery, {"batches": batches}, **HTMX)

    assert message in response.content.decode()
    assert database_snapshot() == before


def test_shortage_is_shown_and_nothing_is_used(baker_client, bakery, database_snapshot):
    before = database_snapshot()

    response = record_post(baker_client, bakery, {"batches": "12"}, **HTMX)

    content = response.content.decode()
    assert "Not enough Flour, all-purpose: need 3.01 kg, have 3 kg." in content
    assert "Not enough Sugar, granulated" in content
    assert "Nothing was used." in content
    assert database_snapshot() == before


def test_record_unknown_recipe_is_404(baker_client, bakery):
    url = reverse("production:record", args=[bakery["event"].pk, 99999])
    assert baker_client.post(url, {"batches": 1}).status_code == 404


def test_mark_assembled_refusal_shows_what_is_missing(
    baker_client, bakery, database_snapshot
):
    before = database_snapshot()
    url = reverse("production:assignment_status", args=[bakery["tins"][0].pk])

    response = baker_client.post(url, {"status": "assembled"}, **HTMX)

    assert "Needs 12 more Chocolate chip cookies." in response.content.decode()
    assert database_snapshot() == before


def test_mark_assembled_then_delivered(baker_client, bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    tin = bakery["tins"][0]
    url = reverse("production:assignment_status", args=[tin.pk])

    assembled = baker_client.post(url, {"status": "assembled"}, **HTMX)
    delivered = baker_client.post(url, {"status": "delivered"})

    assert "Mark delivered" in assembled.content.decode()
    assert delivered.status_code == 302
    tin.refresh_from_db()
    assert tin.status == "delivered"


def test_marking_with_htmx_answers_with_the_packages_and_the_figures_it_moves(
    baker_client, bakery
):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    tin = bakery["tins"][0]
    update_package_status(assignment=tin, status="assembled")
    url = reverse("production:assignment_status", args=[tin.pk])

    with mock.patch(
        "production.views.get_shopping_list", side_effect=AssertionError("worked out")
    ):
        response = baker_client.post(url, {"status": "delivered"}, **HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="packages"')
    assert re.search(rf'id="assignment-{tin.pk}".*?status-delivered', page, re.S)
    # out of band: the summary, the cost per package delivered, the message
    assert re.search(
        r'id="progress-summary" hx-swap-oob="true">'
        r"\s*Batches 1/3\s*· Packages 1/11 delivered",
        page,
    )
    assert re.search(
        r'id="cost-per-package" hx-swap-oob="true">\s*\$[\d.]+ per package delivered',
        page,
    )
    assert re.search(
        rf'id="event-messages" hx-swap-oob="true"><li [^>]*>{tin.package} for '
        rf"{tin.recipient}: delivered\.</li>",
        page,
    )
    for rest in ('id="recipes-table"', 'id="recipients-table"', 'id="shopping"'):
        assert rest not in page


def test_bad_status_is_refused(baker_client, bakery):
    url = reverse("production:assignment_status", args=[bakery["tins"][0].pk])

    response = baker_client.post(url, {"status": "eaten"}, **HTMX)

    assert "Choose assembled or delivered." in response.content.decode()
    assert Assignment.objects.filter(status="pending").count() == 9


def test_history_filters(baker_client, bakery):
    kept = record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    undone = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    ProductionRecord.objects.filter(pk=undone.pk).update(
        reversed_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    )
    url = reverse("production:history")

    reversed_only = baker_client.get(url, {"reversed": "yes"}).context["table"]
    counting = baker_client.get(url, {"reversed": "no", "event": bakery["event"].pk})
    bad = baker_client.get(url, {"produced_from": "yesterday"})

    assert [row.record for row in reversed_only.rows] == [undone]
    assert [row.record for row in counting.context["table"].rows] == [kept]
    assert "Enter a valid date." in bad.content.decode()


def test_reverse_asks_for_confirmation_and_a_reason(
    baker_client, bakery, database_snapshot
):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    url = reverse("production:reverse", args=[record.pk])
    before = database_snapshot()

    page = baker_client.get(url)
    missing_reason = baker_client.post(url, {"reason": ""})

    assert "Reverse this record" in page.content.decode()
    assert "Say why, so the history explains itself." in missing_reason.content.decode()
    assert database_snapshot() == before

    done = baker_client.post(url, {"reason": "Recorded twice"})
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.reversal_reason == "Recorded twice"


def test_reverse_refused_when_packages_rely_on_it(
    baker_client, bakery, database_snapshot
):
    record = record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=1
    )
    update_package_status(assignment=bakery["tins"][0], status="assembled")
    before = database_snapshot()

    response = baker_client.post(
        reverse("production:reverse", args=[record.pk]), {"reason": "oops"}
    )

    assert "are in assembled or delivered packages" in response.content.decode()
    assert database_snapshot() == before


def test_pantry_page_marks_short_and_out_of_stock(baker_client, bakery):
    IngredientFactory(name="Cardamom", category="Spices")
    LotFactory(ingredient=IngredientFactory(name="Unused", category="Spices"))

    page = baker_client.get(reverse("production:pantry")).content.decode()
    spices = baker_client.get(reverse("production:pantry"), {"category": "Spices"})
    search = baker_client.get(reverse("production:pantry"), {"q": "flour"})

    assert "out of stock" in page
    assert "ok" in page
    assert [row.record.name for row in spices.context["table"].rows] == [
        "Cardamom",
        "Unused",
    ]
    assert [row.record.name for row in search.context["table"].rows] == [
        "Flour, all-purpose"
    ]


def test_pantry_shows_shortage_for_planned_events(baker_client, bakery):
    AssignmentFactory(
        event=bakery["event"], package=bakery["tins"][0].package, quantity=100
    )

    page = baker_client.get(reverse("production:pantry")).content.decode()

    assert "short" in page


def test_events_page_search(baker_client, bakery):
    EventFactory(name="Cookie swap")

    response = baker_client.get(reverse("production:events"), {"q": "swap"})

    table = response.context["table"]
    assert [row.record.name for row in table.rows] == ["Cookie swap"]


def test_names_are_escaped_on_every_page(baker_client, bakery):
    bakery["cookies"].name = "<script>alert(1)</script>"
    bakery["cookies"].save()
    bakery["event"].name = "<script>alert(2)</script>"
    bakery["event"].save()
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)

    for name, url in urls_for(bakery).items():
        if name == "status":
            continue
        content = baker_client.get(url).content.decode()
        assert "<script>alert" not in content, name


def test_logout_is_a_post(baker_client):
    response = baker_client.post(reverse("logout"))

    assert response.status_code == 302
    assert baker_client.get(reverse("production:dashboard")).status_code == 302


def test_login_page_is_open_and_has_labelled_inputs(client):
    content = client.get(reverse("login")).content.decode()

    assert '<label for="id_username">' in content
    assert '<label for="id_password">' in content
