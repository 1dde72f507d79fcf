"""The recipients' pages: list with search, add and edit, per role."""

import pytest
from django.urls import reverse

from bakery.testing import form_data, login_as, queries_for
from events.models import Recipient
from events.tests.factories import AssignmentFactory, EventFactory, RecipientFactory

pytestmark = pytest.mark.django_db

ROLES = ["Baker", "Packer", "Viewer"]
NOT_PLANNERS = ["Packer", "Viewer"]


def recipients():
    return list(Recipient.objects.order_by("pk").values())


@pytest.mark.parametrize("role", ROLES)
def test_recipient_list_loads_for_every_role(client, role):
    login_as(client, role)
    martha = RecipientFactory(name="Aunt Martha")

    page = client.get(reverse("events:recipient_list")).content.decode()

    assert "Aunt Martha" in page
    assert ("Add a recipient" in page) == (role == "Baker")
    edit = reverse("events:recipient_edit", args=[martha.pk])
    assert (edit in page) == (role == "Baker")


def test_recipient_list_queries_do_not_grow_with_recipients(baker):
    url = reverse("events:recipient_list")
    AssignmentFactory()
    one = queries_for(baker, url)

    for _ in range(12):
        AssignmentFactory.create_batch(2, recipient=RecipientFactory())

    assert queries_for(baker, url) == one


@pytest.mark.parametrize(
    ("query", "found"),
    [("zoe", "Zoë Brontë"), ("BRONTE", "Zoë Brontë"), ("crème", "Crème Family")],
)
def test_recipient_list_search_ignores_accents_and_case(baker, query, found):
    RecipientFactory(name="Zoë Brontë")
    RecipientFactory(name="Bob", household="Crème Family")
    RecipientFactory(name="Carol")

    page = baker.get(reverse("events:recipient_list"), {"q": query}).content.decode()

    assert found in page
    assert "Carol" not in page


def test_recipient_list_filters_by_event(baker):
    christmas = EventFactory(name="Christmas")
    AssignmentFactory.create_batch(
        2, event=christmas, recipient=RecipientFactory(name="Ann")
    )
    AssignmentFactory(recipient=RecipientFactory(name="Ben"))

    page = baker.get(reverse("events:recipient_list"), {"event": christmas.pk})

    rows = page.content.decode().split("<tbody")[1]
    assert "Ann" in rows
    assert "Ben" not in rows


def test_recipient_list_sorts_by_packages(baker):
    AssignmentFactory.create_batch(3, recipient=RecipientFactory(name="Many"))
    AssignmentFactory(recipient=RecipientFactory(name="Few"))

    up = baker.get(reverse("events:recipient_list"), {"sort": "packages"}).content
    down = baker.get(reverse("events:recipient_list"), {"sort": "-packages"}).content

    assert up.index(b"Few") < up.index(b"Many")
    assert down.index(b"Many") < down.index(b"Few")


def test_recipient_list_paginates(baker):
    for n in range(51):
        RecipientFactory(name=f"Guest {n:02}")

    first = baker.get(reverse("events:recipient_list")).content
    second = baker.get(reverse("events:recipient_list"), {"page": 2}).content

    assert b"Guest 50" not in first
    assert b"Guest 50" in second


def test_recipient_list_empty_says_what_to_do_next(baker):
    page = baker.get(reverse("events:recipient_list")).content.decode()

    assert "No recipients yet" in page
    assert reverse("events:recipient_create") in page


def test_recipient_create_by_a_baker_saves(baker):
    url = reverse("events:recipient_create")
    data = form_data(baker.get(url).content.decode(), "recipient-form")
    data.update(name=["Aunt Martha"], household=["Lees"], address=["1 Elm St"])

    response = baker.post(url, data)

    assert response.url == reverse("events:recipient_list")
    recipient = Recipient.objects.get()
    assert (recipient.name, recipient.household, recipient.address) == (
        "Aunt Martha",
        "Lees",
        "1 Elm St",
    )


def test_recipient_create_goes_back_where_it_was_asked_from(baker):
    back = reverse("events:event_list")
    url = reverse("events:recipient_create") + f"?next={back}"
    data = form_data(baker.get(url).content.decode(), "recipient-form")
    data.update(name=["Ann"])

    assert baker.post(url, data).url == back


def test_recipient_create_does_not_go_back_to_another_site(baker):
    url = reverse("events:recipient_create")

    response = baker.post(url, {"name": "Ann", "next": "https://evil.example/"})

    assert response.url == reverse("events:recipient_list")


def test_recipient_create_without_a_name_says_so_and_keeps_the_rest(baker):
    response = baker.post(
        reverse("events:recipient_create"), {"name": " ", "address": "1 Elm St"}
    )

    page = response.content.decode()
    assert 'id="id_name_error"' in page
    assert "Give the recipient&#x27;s name." in page
    assert "1 Elm St" in page
    assert not Recipient.objects.exists()


def test_recipient_create_twice_says_it_exists_beside_the_name(baker):
    RecipientFactory(name="Ann", household="Lees")

    response = baker.post(
        reverse("events:recipient_create"), {"name": "Ann", "household": "Lees"}
    )

    page = response.content.decode()
    assert 'id="id_name_error"' in page
    assert "A recipient with this name and household exists already." in page
    assert Recipient.objects.count() == 1


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_recipient_create_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    url = reverse("events:recipient_create")

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Ann"}).status_code == 403
    assert not Recipient.objects.exists()


def test_recipient_edit_saves_the_changes(baker):
    recipient = RecipientFactory(name="Ann")
    url = reverse("events:recipient_edit", args=[recipient.pk])
    data = form_data(baker.get(url).content.decode(), "recipient-form")
    assert data["name"] == ["Ann"]
    data.update(name=["Anne"], notes=["No nuts"])

    baker.post(url, data)

    recipient.refresh_from_db()
    assert (recipient.name, recipient.notes) == ("Anne", "No nuts")


def test_recipient_edit_onto_another_recipient_is_refused(baker):
    RecipientFactory(name="Ann")
    recipient = RecipientFactory(name="Anne")
    before = recipients()

    response = baker.post(
        reverse("events:recipient_edit", args=[recipient.pk]), {"name": "Ann"}
    )

    assert "exists already" in response.content.decode()
    assert recipients() == before


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_recipient_edit_is_refused_to_packers_and_viewers(client, role):
    login_as(client, role)
    recipient = RecipientFactory(name="Ann")
    url = reverse("events:recipient_edit", args=[recipient.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Bob"}).status_code == 403
    recipient.refresh_from_db()
    assert recipient.name == "Ann"
