import pytest
from django.urls import reverse

from pantry.tests.factories import LotFactory

pytestmark = pytest.mark.django_db


def test_home_needs_a_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_open_and_has_labelled_inputs(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<label for="id_username">' in content
    assert '<label for="id_password">' in content


def test_home_shows_pantry_figures(admin_client):
    LotFactory(total_cost="12.50")

    response = admin_client.get(reverse("home"))

    assert response.status_code == 200
    assert "$12.50" in response.content.decode()


def test_home_with_an_empty_pantry_says_what_to_do(admin_client):
    response = admin_client.get(reverse("home"))

    assert "The pantry is empty" in response.content.decode()


def test_home_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    LotFactory()
    admin_client.get(reverse("home"))
    with django_assert_max_num_queries(6):
        admin_client.get(reverse("home"))
    LotFactory.create_batch(30)
    with django_assert_max_num_queries(6):
        admin_client.get(reverse("home"))


def test_logout_is_a_post(admin_client):
    response = admin_client.post(reverse("logout"))

    assert response.status_code == 302
    assert admin_client.get(reverse("home")).status_code == 302
