"""Deleting recipients, packages and recipes from the pages: asked first,
refused while other rows keep them, and only for those who may."""

import pytest
from django.urls import reverse

from bakery.testing import form_data, login_as
from events.models import Package, PackageItem, Recipient
from events.tests.factories import (
    AssignmentFactory,
    PackageFactory,
    PackageItemFactory,
    RecipientFactory,
)
from pantry.models import Recipe, RecipeLine
from pantry.tests.factories import LotFactory, RecipeFactory, RecipeLineFactory
from production.tests.factories import ProductionRecordFactory

pytestmark = pytest.mark.django_db


def recipient_url(recipient):
    return reverse("events:recipient_delete", args=[recipient.pk])


def package_url(package):
    return reverse("events:package_delete", args=[package.pk])


def recipe_url(recipe):
    return reverse("pantry:recipe_delete", args=[recipe.slug])


def text(response) -> str:
    return " ".join(response.content.decode().split())


def delete_as_the_page_asks(client, url):
    """GET the question, then post its form as a browser would."""
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, form_data(page.content.decode(), "delete-form"))


def test_a_recipient_with_no_packages_is_deleted_after_asking(baker):
    martha = RecipientFactory(name="Aunt Martha")

    question = baker.get(recipient_url(martha))
    assert "Delete Aunt Martha?" in text(question)
    assert Recipient.objects.filter(pk=martha.pk).exists()  # asking deletes nothing

    response = delete_as_the_page_asks(baker, recipient_url(martha))

    assert response.status_code == 302
    assert response.url == reverse("events:recipient_list")
    assert not Recipient.objects.filter(pk=martha.pk).exists()
    assert "Deleted Aunt Martha." in text(baker.get(response.url))


def test_a_recipient_given_packages_stays_and_the_page_says_why(baker):
    martha = RecipientFactory(name="Aunt Martha")
    AssignmentFactory.create_batch(2, recipient=martha)

    question = baker.get(recipient_url(martha))
    refused = baker.post(recipient_url(martha))

    for page in (question, refused):
        assert "Aunt Martha cannot be deleted: 2 packages given refer to it." in text(
            page
        )
        assert 'id="delete-form"' not in page.content.decode()
    assert refused.status_code == 409
    assert Recipient.objects.filter(pk=martha.pk).exists()


def test_a_package_no_event_gives_goes_with_what_it_holds(baker):
    tin = PackageFactory(name="Cookie tin")
    PackageItemFactory.create_batch(2, package=tin)

    response = delete_as_the_page_asks(baker, package_url(tin))

    assert response.status_code == 302
    assert not Package.objects.filter(pk=tin.pk).exists()
    assert not PackageItem.objects.filter(package_id=tin.pk).exists()
    assert Recipe.objects.count() == 2  # the recipes it held stay


def test_a_package_an_event_gives_stays(baker):
    tin = PackageFactory(name="Cookie tin")
    AssignmentFactory(package=tin)

    refused = baker.post(package_url(tin))

    assert refused.status_code == 409
    assert "Cookie tin cannot be deleted: 1 package given refers to it." in text(
        refused
    )
    assert Package.objects.filter(pk=tin.pk).exists()


def test_a_recipe_goes_with_its_lines(baker):
    shortbread = RecipeFactory(name="Shortbread")
    RecipeLineFactory.create_batch(3, recipe=shortbread)

    response = delete_as_the_page_asks(baker, recipe_url(shortbread))

    assert response.status_code == 302
    assert response.url == reverse("pantry:recipes")
    assert not Recipe.objects.filter(pk=shortbread.pk).exists()
    assert not RecipeLine.objects.filter(recipe_id=shortbread.pk).exists()


def test_a_recipe_baked_or_in_a_package_stays_naming_both(baker):
    shortbread = RecipeFactory(name="Shortbread")
    butter = RecipeLineFactory(recipe=shortbread).ingredient
    LotFactory(ingredient=butter)
    PackageItemFactory(recipe=shortbread)
    ProductionRecordFactory.create_batch(2, recipe=shortbread)

    refused = baker.post(recipe_url(shortbread))

    assert refused.status_code == 409
    assert (
        "Shortbread cannot be deleted: 1 package item, 2 production records refer "
        "to it." in text(refused)
    )
    assert Recipe.objects.filter(pk=shortbread.pk).exists()


@pytest.mark.parametrize("role", ["Packer", "Viewer"])
def test_only_bakers_delete(client, role):
    login_as(client, role)
    martha, tin, shortbread = RecipientFactory(), PackageFactory(), RecipeFactory()

    for url in (recipient_url(martha), package_url(tin), recipe_url(shortbread)):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert (Recipient.objects.count(), Package.objects.count()) == (1, 1)
    assert Recipe.objects.count() == 1


@pytest.mark.csrf_checks
def test_a_delete_without_the_csrf_token_is_refused(baker):
    martha = RecipientFactory()

    assert baker.post(recipient_url(martha)).status_code == 403
    assert Recipient.objects.filter(pk=martha.pk).exists()


def test_the_pages_link_to_deleting_for_bakers_only(baker, client):
    martha, tin, shortbread = RecipientFactory(), PackageFactory(), RecipeFactory()
    pages = {
        reverse("events:recipient_edit", args=[martha.pk]): recipient_url(martha),
        reverse("events:package", args=[tin.pk]): package_url(tin),
        reverse("pantry:recipe", args=[shortbread.slug]): recipe_url(shortbread),
    }
    login_as(client, "Viewer")

    for page, delete in pages.items():
        assert delete in baker.get(page).content.decode()
        viewed = client.get(page)
        assert viewed.status_code in (200, 403)
        assert delete not in viewed.content.decode()
