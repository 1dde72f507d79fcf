"""An event's packages: adding them for ticked or pasted recipients, changing
how many a pending one holds and removing it, inline and without
JavaScript, per role."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from bakery.testing import form_data, login_as, queries_for
from events.models import Assignment, Recipient
from events.tests.factories import (
    AssignmentFactory,
    EventFactory,
    PackageFactory,
    RecipientFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["Baker", "Packer", "Viewer"]
NOT_PLANNERS = ["Packer", "Viewer"]


def snapshot():
    return list(Assignment.objects.order_by("pk").values()), list(
        Recipient.objects.order_by("pk").values()
    )


def assembled(**kwargs):
    return AssignmentFactory(status="assembled", assembled_at=timezone.now(), **kwargs)


def add_form(client, event, **fields):
    url = reverse("events:add_packages", args=[event.pk])
    data = form_data(client.get(url).content.decode(), "add-packages-form")
    data.update(fields)
    return url, data


# --- the event's packages page -----------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_event_packages_page_loads_for_every_role(client, role):
    login_as(client, role)
    assignment = AssignmentFactory(recipient=RecipientFactory(name="Aunt Martha"))

    page = client.get(
        reverse("events:event_packages", args=[assignment.event_id])
    ).content.decode()

    assert "Aunt Martha" in page
    planner = role == "Baker"
    assert (reverse("events:add_packages", args=[assignment.event_id]) in page) == (
        planner
    )
    assert ('name="quantity"' in page) == planner
    assert (reverse("events:assignment_remove", args=[assignment.pk]) in page) == (
        planner
    )


def test_event_packages_page_queries_do_not_grow_with_packages(baker):
    small, large = EventFactory(), EventFactory()
    AssignmentFactory(event=small)
    AssignmentFactory.create_batch(20, event=large)
    assembled(event=large)

    one = queries_for(baker, reverse("events:event_packages", args=[small.pk]))
    many = queries_for(baker, reverse("events:event_packages", args=[large.pk]))

    assert many == one


def test_event_packages_page_shows_settled_packages_read_only(baker):
    settled = assembled(quantity=3)
    pending = AssignmentFactory(event=settled.event)

    page = baker.get(
        reverse("events:event_packages", args=[settled.event_id])
    ).content.decode()

    assert f'id="quantity-input-{pending.pk}"' in page
    assert f'id="quantity-input-{settled.pk}"' not in page
    assert reverse("events:assignment_remove", args=[settled.pk]) not in page
    assert "assembled: stays" in page


def test_event_packages_page_filters_by_status(baker):
    settled = assembled(recipient=RecipientFactory(name="Packed Pat"))
    AssignmentFactory(
        event=settled.event, recipient=RecipientFactory(name="Waiting Wu")
    )

    page = baker.get(
        reverse("events:event_packages", args=[settled.event_id]),
        {"status": "pending"},
    ).content.decode()

    rows = page.split("<tbody")[1]
    assert "Waiting Wu" in rows
    assert "Packed Pat" not in rows


def test_event_packages_page_searches_recipients_ignoring_accents(baker):
    event = EventFactory()
    AssignmentFactory(event=event, recipient=RecipientFactory(name="Zoë"))
    AssignmentFactory(event=event, recipient=RecipientFactory(name="Bob"))

    page = baker.get(
        reverse("events:event_packages", args=[event.pk]), {"q": "ZOE"}
    ).content.decode()

    rows = page.split("<tbody")[1]
    assert "Zoë" in rows
    assert "Bob" not in rows


def test_event_packages_page_sorts_by_quantity(baker):
    event = EventFactory()
    AssignmentFactory(event=event, recipient=RecipientFactory(name="Three"), quantity=3)
    AssignmentFactory(event=event, recipient=RecipientFactory(name="One"))

    page = baker.get(
        reverse("events:event_packages", args=[event.pk]), {"sort": "-quantity"}
    ).content

    assert page.index(b"Three") < page.index(b"One")


def test_event_packages_page_paginates(baker):
    event = EventFactory()
    for n in range(51):
        AssignmentFactory(event=event, recipient=RecipientFactory(name=f"Guest {n:02}"))

    url = reverse("events:event_packages", args=[event.pk])
    first, second = baker.get(url).content, baker.get(url, {"page": 2}).content

    assert b"Guest 50" not in first
    assert b"Guest 50" in second


def test_event_packages_page_empty_links_to_add_packages(baker):
    event = EventFactory()

    page = baker.get(reverse("events:event_packages", args=[event.pk])).content

    assert b"No packages planned yet" in page
    assert reverse("events:add_packages", args=[event.pk]).encode() in page


def test_production_event_page_links_to_add_packages_for_a_planner(client):
    event = EventFactory()
    link = reverse("events:add_packages", args=[event.pk])
    login_as(client, "Viewer")
    assert link not in client.get(f"/events/{event.pk}/").content.decode()

    login_as(client, "Baker")
    assert link in client.get(f"/events/{event.pk}/").content.decode()


# --- add packages ------------------------------------------------------------


def test_add_packages_for_ticked_recipients(baker):
    event, package = EventFactory(), PackageFactory(name="Cookie tin")
    ann, bob, _ = (RecipientFactory(name=n) for n in ("Ann", "Bob", "Cy"))
    url, data = add_form(
        baker,
        event,
        package=[str(package.pk)],
        quantity=["2"],
        recipients=[str(ann.pk), str(bob.pk)],
    )

    response = baker.post(url, data, follow=True)

    assert set(
        event.assignments.values_list("recipient__name", "package", "quantity")
    ) == {("Ann", package.pk, 2), ("Bob", package.pk, 2)}
    assert "Added Cookie tin for 2 recipients: Ann and Bob." in (
        response.content.decode()
    )


def test_add_packages_adds_nothing_twice_and_says_so(baker):
    event, package = EventFactory(), PackageFactory(name="Cookie tin")
    ann, bob = RecipientFactory(name="Ann"), RecipientFactory(name="Bob")
    AssignmentFactory(event=event, recipient=ann, package=package, quantity=3)
    url, data = add_form(
        baker,
        event,
        package=[str(package.pk)],
        recipients=[str(ann.pk), str(bob.pk)],
    )
    assert "Ann (has Cookie tin × 3)" in baker.get(url).content.decode()

    page = baker.post(url, data, follow=True).content.decode()

    assert event.assignments.get(recipient=ann).quantity == 3
    assert event.assignments.filter(recipient=bob).exists()
    assert "Ann has Cookie tin at this event already" in page
    assert "nothing was added for them twice" in page


def test_add_packages_all_there_already_adds_nothing(baker):
    event, package = EventFactory(), PackageFactory(name="Cookie tin")
    ann = RecipientFactory(name="Ann")
    AssignmentFactory(event=event, recipient=ann, package=package)
    before = snapshot()

    page = baker.post(
        reverse("events:add_packages", args=[event.pk]),
        {"package": package.pk, "quantity": 1, "recipients": [ann.pk]},
        follow=True,
    ).content.decode()

    assert "Nothing added: Ann has Cookie tin at this event already" in page
    assert snapshot() == before


def test_add_packages_for_pasted_names_of_known_recipients(baker):
    event, package = EventFactory(), PackageFactory()
    zoe = RecipientFactory(name="Zoë Brontë")
    lee = RecipientFactory(name="Martha", household="Lees")
    RecipientFactory(name="Martha", household="Smiths")
    url, data = add_form(
        baker,
        event,
        package=[str(package.pk)],
        names=["  zoe   bronte \n\nmartha (LEES)\r\nZoë Brontë\n"],
    )

    response = baker.post(url, data)

    assert response.status_code == 302
    assert set(event.assignments.values_list("recipient", flat=True)) == {
        zoe.pk,
        lee.pk,
    }
    assert Recipient.objects.count() == 3


def test_add_packages_for_new_names_asks_first_then_creates_them(baker):
    event, package = EventFactory(), PackageFactory(name="Cookie tin")
    ann = RecipientFactory(name="Ann")
    url, data = add_form(
        baker,
        event,
        package=[str(package.pk)],
        recipients=[str(ann.pk)],
        names=["Ann\nThe Lees\nBob (Smiths)"],
    )
    before = snapshot()

    page = baker.post(url, data).content.decode()

    assert "Will create 2 new recipients: The Lees, Bob (Smiths)." in page
    assert snapshot() == before
    assert 'value="Ann\nThe Lees\nBob (Smiths)"' in page  # kept in the form

    response = baker.post(url, form_data(page, "confirm-form"), follow=True)

    assert "New recipients: The Lees and Bob (Smiths)." in response.content.decode()
    bob = Recipient.objects.get(name="Bob")
    assert bob.household == "Smiths"
    assert set(event.assignments.values_list("recipient__name", flat=True)) == {
        "Ann",
        "The Lees",
        "Bob",
    }


def test_add_packages_for_a_name_two_recipients_share_asks_which(baker):
    event, package = EventFactory(), PackageFactory()
    RecipientFactory(name="Martha", household="Lees")
    RecipientFactory(name="Martha", household="Smiths")
    before = snapshot()

    response = baker.post(
        reverse("events:add_packages", args=[event.pk]),
        {"package": package.pk, "quantity": 1, "names": "Martha"},
    )

    page = response.content.decode()
    assert 'id="id_names_error"' in page
    assert "Several recipients are called Martha" in page
    assert snapshot() == before


def test_add_packages_without_recipients_says_so_beside_them(baker):
    event, package = EventFactory(), PackageFactory()
    RecipientFactory()
    url, data = add_form(baker, event, package=[str(package.pk)])

    page = baker.post(url, data).content.decode()

    assert 'id="id_recipients_error"' in page
    assert "Tick at least one recipient, or paste their names." in page
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"package": ""}, "package", "Choose the package to add."),
        ({"quantity": "0"}, "quantity", "Give at least 1 package each."),
        ({"quantity": "two"}, "quantity", "Give a whole number, e.g. 1."),
    ],
)
def test_add_packages_with_bad_input_says_what_beside_it(baker, fields, field, message):
    event, package = EventFactory(), PackageFactory()
    ann = RecipientFactory(name="Ann")
    data = {"package": package.pk, "quantity": "1", "recipients": [ann.pk], **fields}

    page = baker.post(reverse("events:add_packages", args=[event.pk]), data)

    content = page.content.decode()
    assert f'id="id_{field}_error"' in content
    assert message in content
    kept = form_data(content, "add-packages-form")
    assert kept["recipients"] == [str(ann.pk)]
    assert not Assignment.objects.exists()


def test_add_packages_without_packages_links_to_make_one(baker):
    event = EventFactory()

    page = baker.get(reverse("events:add_packages", args=[event.pk])).content

    assert reverse("events:package_create").encode() in page


def test_add_packages_page_queries_do_not_grow_with_recipients(baker):
    event = EventFactory()
    PackageFactory()
    AssignmentFactory(event=event)
    url = reverse("events:add_packages", args=[event.pk])
    one = queries_for(baker, url)

    for _ in range(15):
        AssignmentFactory(event=event)

    assert queries_for(baker, url) == one


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_add_packages_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    event, package, ann = EventFactory(), PackageFactory(), RecipientFactory()
    url = reverse("events:add_packages", args=[event.pk])
    before = snapshot()

    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "package": package.pk,
            "quantity": 1,
            "recipients": [ann.pk],
            "names": "New person",
            "confirm": "True",
        },
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_add_packages_for_new_names_by_someone_who_may_not_add_recipients(client):
    user = login_as(client, "Packer")
    user.user_permissions.add(Permission.objects.get(codename="add_assignment"))
    event, package = EventFactory(), PackageFactory()
    before = snapshot()

    page = client.post(
        reverse("events:add_packages", args=[event.pk]),
        {"package": package.pk, "quantity": 1, "names": "Newcomer", "confirm": "True"},
    ).content.decode()

    assert "you may not add recipients" in page
    assert snapshot() == before


# --- change how many ---------------------------------------------------------


def test_quantity_change_without_javascript_goes_back_to_the_list(baker):
    assignment = AssignmentFactory()
    list_url = reverse("events:event_packages", args=[assignment.event_id])
    page = baker.get(list_url + "?sort=quantity").content.decode()
    data = form_data(page, None)
    data = {
        "quantity": ["4"],
        "next": [list_url + "?sort=quantity"],
        "csrfmiddlewaretoken": data.get("csrfmiddlewaretoken", [""]),
    }

    response = baker.post(
        reverse("events:assignment_quantity", args=[assignment.pk]), data
    )

    assert response.url == list_url + "?sort=quantity"
    assignment.refresh_from_db()
    assert assignment.quantity == 4


def test_quantity_change_inline_answers_with_the_cell(baker):
    assignment = AssignmentFactory()

    response = baker.post(
        reverse("events:assignment_quantity", args=[assignment.pk]),
        {"quantity": "3"},
        **HTMX,
    )

    page = response.content.decode()
    assert page.strip().startswith(f'<div id="quantity-{assignment.pk}"')
    assert "<html" not in page
    assert 'value="3"' in page
    assert "Saved" in page
    assignment.refresh_from_db()
    assert assignment.quantity == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Give at least 1; remove the package to give none."),
        ("", "Say how many; remove the package to give none."),
        ("1.5", "Give a whole number, e.g. 2."),
    ],
)
def test_quantity_change_with_bad_input_says_what(baker, value, message):
    assignment = AssignmentFactory(quantity=2)

    inline = baker.post(
        reverse("events:assignment_quantity", args=[assignment.pk]),
        {"quantity": value},
        **HTMX,
    ).content.decode()
    page = baker.post(
        reverse("events:assignment_quantity", args=[assignment.pk]),
        {"quantity": value},
    ).content.decode()

    for html in (inline, page):
        assert message in html
        assert f'value="{value}"' in html
    assignment.refresh_from_db()
    assert assignment.quantity == 2


def test_quantity_change_of_an_assembled_package_is_refused(baker):
    assignment = assembled(quantity=2)

    response = baker.post(
        reverse("events:assignment_quantity", args=[assignment.pk]),
        {"quantity": "5"},
        **HTMX,
    )

    assert "is assembled: it cannot be changed." in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.quantity == 2


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_quantity_change_is_refused_to_packers_and_viewers(client, role):
    # The Packer may change assignments' status, not what they hold.
    login_as(client, role)
    assignment = AssignmentFactory(quantity=2)
    url = reverse("events:assignment_quantity", args=[assignment.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"quantity": "5"}, **HTMX).status_code == 403
    assignment.refresh_from_db()
    assert assignment.quantity == 2


# --- remove ------------------------------------------------------------------


def test_remove_without_javascript_asks_first(baker):
    assignment = AssignmentFactory()
    url = reverse("events:assignment_remove", args=[assignment.pk])

    page = baker.get(url).content.decode()
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    response = baker.post(url, form_data(page, "remove-form"))

    assert response.url == reverse("events:event_packages", args=[assignment.event_id])
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_remove_inline_replaces_the_row_with_what_was_done(baker):
    assignment = AssignmentFactory(
        package=PackageFactory(name="Cookie tin"),
        recipient=RecipientFactory(name="Ann"),
    )

    response = baker.post(
        reverse("events:assignment_remove", args=[assignment.pk]), **HTMX
    )

    assert response["HX-Retarget"] == f"#assignment-{assignment.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Removed Cookie tin for Ann." in response.content.decode()
    assert not Assignment.objects.exists()


def test_remove_of_a_delivered_package_is_refused(baker):
    assignment = assembled()
    Assignment.objects.filter(pk=assignment.pk).update(
        status="delivered", delivered_at=timezone.now()
    )
    url = reverse("events:assignment_remove", args=[assignment.pk])

    page = baker.get(url).content.decode()
    inline = baker.post(url, **HTMX).content.decode()
    plain = baker.post(url).content.decode()

    assert 'id="remove-form"' not in page
    for html in (page, inline, plain):
        assert "is delivered: it cannot be removed." in html
    assert Assignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_remove_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    assignment = AssignmentFactory()
    url = reverse("events:assignment_remove", args=[assignment.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, **HTMX).status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# --- CSRF --------------------------------------------------------------------


@pytest.mark.csrf_checks
def test_every_planning_post_needs_the_csrf_token(baker):
    assignment = AssignmentFactory(quantity=1)
    list_url = reverse("events:event_packages", args=[assignment.event_id])
    page = baker.get(list_url).content.decode()
    token = form_data(page, None)["csrfmiddlewaretoken"][0]
    url = reverse("events:assignment_quantity", args=[assignment.pk])

    refused = baker.post(url, {"quantity": "2"}, **HTMX)
    # htmx sends the token that <body hx-headers> holds
    assert f'"X-CSRFToken": "{token}"' in page
    accepted = baker.post(url, {"quantity": "2"}, HTTP_X_CSRFTOKEN=token, **HTMX)

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assignment.refresh_from_db()
    assert assignment.quantity == 2
