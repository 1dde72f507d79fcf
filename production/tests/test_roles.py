"""The roles shipped as groups, through the pages a helper uses."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse

from bakery.testing import login_as
from production.models import ProductionRecord
from production.services import record_production

pytestmark = pytest.mark.django_db


def record_post(client, bakery):
    url = reverse("production:record", args=[bakery["event"].pk, bakery["cookies"].pk])
    return client.post(url, {"batches": "1", "submission_key": "k"})


def status_post(client, bakery, status="assembled"):
    url = reverse("production:assignment_status", args=[bakery["tins"][0].pk])
    return client.post(url, {"status": status, "note": ""})


def test_roles_exist_after_migrating():
    perms = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }

    assert {"Baker", "Packer", "Viewer"} <= set(perms)
    assert "add_productionrecord" in perms["Baker"]
    assert "delete_lot" in perms["Baker"]
    assert perms["Packer"] - perms["Viewer"] == {"change_assignment"}
    assert all(codename.startswith("view_") for codename in perms["Viewer"])


@pytest.mark.parametrize("role", ["Viewer", "Packer", "Baker"])
def test_every_role_reads_every_page(client, bakery, role):
    login_as(client, role)

    for url in ["/", "/events/", "/history/", "/pantry/"]:
        assert client.get(url).status_code == 200, url
    assert (
        client.get(reverse("production:event", args=[bakery["event"].pk])).status_code
        == 200
    )


def test_viewer_changes_nothing(client, bakery):
    login_as(client, "Viewer")

    assert record_post(client, bakery).status_code == 403
    assert status_post(client, bakery).status_code == 403
    assert not ProductionRecord.objects.exists()


def test_packer_moves_packages_but_does_not_bake(client, bakery):
    record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    login_as(client, "Packer")

    assert record_post(client, bakery).status_code == 403
    assert status_post(client, bakery).status_code in (200, 302)
    bakery["tins"][0].refresh_from_db()
    assert bakery["tins"][0].status == "assembled"
    assert ProductionRecord.objects.count() == 1


def test_baker_records_batches(client, bakery):
    login_as(client, "Baker")

    response = record_post(client, bakery)

    assert response.status_code in (200, 302)
    assert ProductionRecord.objects.count() == 1


def test_add_helper_creates_a_login_with_its_role(capsys):
    call_command("add_helper", "anna", role="Packer")

    user = User.objects.get(username="anna")
    assert list(user.groups.values_list("name", flat=True)) == ["Packer"]
    assert not user.is_staff
    password = capsys.readouterr().out.split("password: ")[1].split()[0]
    assert user.check_password(password)


def test_add_helper_refuses_an_existing_username():
    User.objects.create_user(username="anna")

    with pytest.raises(CommandError, match="anna exists already"):
        call_command("add_helper", "anna", role="Viewer")
