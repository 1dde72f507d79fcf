import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.urls import reverse

from bakery.testing import queries_for
from events.models import Assignment
from production.models import ProductionRecord
from production.services import record_production, update_package_status

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def record(bakery, batches=1):
    return record_production(
        event=bakery["event"], recipe=bakery["cookies"], batches=batches
    )


def test_record_changelist_query_count_does_not_grow(admin_client, bakery):
    url = reverse("admin:production_productionrecord_changelist")
    record(bakery)
    few = queries_for(admin_client, url)

    for _ in range(8):
        record(bakery)

    assert queries_for(admin_client, url) == few


def test_record_change_page_shows_lines_with_constant_queries(admin_client, bakery):
    small = record(bakery, batches=1)  # flour from one lot
    large = record(bakery, batches=5)  # flour from two lots

    few = queries_for(
        admin_client,
        reverse("admin:production_productionrecord_change", args=[small.pk]),
    )
    many = queries_for(
        admin_client,
        reverse("admin:production_productionrecord_change", args=[large.pk]),
    )

    assert many == few


def test_records_cannot_be_added_edited_or_deleted_in_the_admin(admin_client, bakery):
    done = record(bakery)

    assert (
        admin_client.get(reverse("admin:production_productionrecord_add")).status_code
        == 403
    )
    response = admin_client.post(
        reverse("admin:production_productionrecord_delete", args=[done.pk]),
        {"post": "yes"},
    )
    assert response.status_code == 403
    assert ProductionRecord.objects.count() == 1


def test_reverse_action_reports_refusals_per_row_and_does_the_rest(
    admin_client, bakery
):
    relied_on = record(bakery)
    update_package_status(assignment=bakery["tins"][0], status="assembled")
    free = record_production(event=bakery["event"], recipe=bakery["cookies"], batches=1)
    free_too = record(bakery)
    # the tin needs one batch: the records go newest first, so the two
    # newer ones are reversed and the last one left is refused

    response = admin_client.post(
        reverse("admin:production_productionrecord_changelist"),
        {
            "action": "reverse",
            "_selected_action": [relied_on.pk, free.pk, free_too.pk],
        },
        follow=True,
    )

    texts = messages_of(response)
    reversed_ids = set(
        ProductionRecord.objects.filter(reversed_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert reversed_ids == {free.pk, free_too.pk}
    assert any("Cannot reverse" in text for text in texts)
    assert "Reversed 2 production record(s); their lots hold the stock again." in texts


def test_mark_assembled_action_refuses_what_is_not_baked_and_does_the_rest(
    admin_client, bakery
):
    record(bakery)  # 48 cookies: 4 tins of 12
    tins = bakery["tins"][:5]

    response = admin_client.post(
        reverse("admin:events_assignment_changelist"),
        {"action": "mark_assembled", "_selected_action": [t.pk for t in tins]},
        follow=True,
    )

    texts = messages_of(response)
    assert Assignment.objects.filter(status="assembled").count() == 4
    assert "Marked 4 assignment(s) assembled." in texts
    assert any("Needs 12 more Chocolate chip cookies." in text for text in texts)


def test_mark_delivered_action_refuses_pending_packages(admin_client, bakery):
    record(bakery)
    update_package_status(assignment=bakery["tins"][0], status="assembled")

    response = admin_client.post(
        reverse("admin:events_assignment_changelist"),
        {
            "action": "mark_delivered",
            "_selected_action": [bakery["tins"][0].pk, bakery["tins"][1].pk],
        },
        follow=True,
    )

    texts = messages_of(response)
    assert Assignment.objects.get(pk=bakery["tins"][0].pk).status == "delivered"
    assert any("from pending to delivered" in text for text in texts)


def test_status_actions_need_change_permission(client, bakery):
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_assignment"))
    client.force_login(viewer)
    record(bakery)

    response = client.post(
        reverse("admin:events_assignment_changelist"),
        {"action": "mark_assembled", "_selected_action": [bakery["tins"][0].pk]},
    )

    assert response.status_code in (200, 302)
    assert Assignment.objects.filter(status="assembled").count() == 0


@pytest.mark.parametrize("model", ["productionrecord"])
def test_changelist_filters_load(admin_client, bakery, model):
    record(bakery)
    url = reverse(f"admin:production_{model}_changelist")
    for query in ({"reversed": "yes"}, {"reversed": "no"}, {"q": "Chocolate"}):
        assert admin_client.get(url, query).status_code == 200
