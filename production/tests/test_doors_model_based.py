"""Random sequences through every door — admin forms and actions posted as a
browser posts them, imports, productions, status changes and reversals —
with the rules checked after every step: each lot's ledger adds up, each
production costs the sum of its lines, no event has more units in assembled
or delivered packages than it made, and every page answers 200."""

import contextlib
import json
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from bakery.testing import form_data
from events.models import Assignment, PackageItem
from pantry.models import Ingredient, Lot, Product
from pantry.tests.factories import LotFactory, ProductFactory
from production.dataio import ImportFailed, import_files
from production.models import ProductionRecord
from production.services import (
    InsufficientStock,
    record_production,
    reverse_production,
    update_package_status,
)
from production.tests.test_doors import assert_ledgers_hold

D = Decimal
PAGES = ["production:dashboard", "production:events", "production:history"]


class Doors(RuleBasedStateMachine):
    def __init__(self, bakery):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.bakery = bakery
        self.client = Client()
        self.client.force_login(
            User.objects.create_superuser("fixer", password="not-used-here")
        )
        self.product = ProductFactory(ingredient=bakery["flour"], package_unit="g")
        LotFactory(ingredient=bakery["flour"], product=self.product)
        self.folder = Path(tempfile.mkdtemp())

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def admin_post(self, obj, **changes):
        opts = obj._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        page = self.client.get(url)
        assert page.status_code == 200, url
        data = form_data(page.content.decode(), form_id=f"{opts.model_name}_form")
        for name, value in changes.items():
            data[name] = [str(value)]
        response = self.client.post(url, data)
        assert response.status_code in (200, 302), (url, response.status_code)

    def settled(self):
        return list(Assignment.objects.settled().order_by("pk"))

    # --- the services -------------------------------------------------------

    @rule(batches=st.integers(1, 3))
    def bake(self, batches):
        with contextlib.suppress(InsufficientStock):
            record_production(
                event=self.bakery["event"],
                recipe=self.bakery["cookies"],
                batches=batches,
            )

    @rule(index=st.integers(0, 7), status=st.sampled_from(["assembled", "delivered"]))
    def move_package(self, index, status):
        with contextlib.suppress(ValidationError):
            update_package_status(assignment=self.bakery["tins"][index], status=status)

    @rule(data=st.data())
    def reverse(self, data):
        records = list(ProductionRecord.objects.active().order_by("pk"))
        if not records:
            return
        record = data.draw(st.sampled_from(records))
        with contextlib.suppress(ValidationError):
            reverse_production(record=record, reason="random")

    @rule(data=st.data(), kind=st.sampled_from(["waste", "correction"]))
    def adjust_in_the_admin(self, data, kind):
        lot = data.draw(st.sampled_from(list(Lot.objects.order_by("pk"))))
        quantity = data.draw(st.integers(0, int(lot.quantity_purchased)))
        url = reverse("admin:pantry_lot_adjust", args=[lot.pk])
        response = self.client.post(
            url, {"kind": kind, "quantity": quantity, "reason": "random"}
        )
        assert response.status_code in (200, 302)

    # --- admin forms --------------------------------------------------------

    @rule(data=st.data(), quantity=st.integers(1, 50))
    def change_an_assignment(self, data, quantity):
        assignment = data.draw(st.sampled_from(list(Assignment.objects.order_by("pk"))))
        self.admin_post(assignment, quantity=quantity)

    @rule(quantity=st.integers(1, 100))
    def change_the_tin(self, quantity):
        item = PackageItem.objects.get(package__name="Cookie tin")
        self.admin_post(item.package, **{"items-0-quantity": quantity})

    @rule(yield_quantity=st.sampled_from(["", "1", "24", "48", "96"]))
    def change_the_yield(self, yield_quantity):
        self.admin_post(self.bakery["cookies"], yield_quantity=yield_quantity)

    @rule(unit=st.sampled_from(["g", "kg", "lb", "ml"]))
    def change_the_stock_unit(self, unit):
        self.admin_post(Ingredient.objects.get(slug="sugar"), stock_unit=unit)

    @rule()
    def move_the_product(self):
        self.admin_post(self.product, ingredient=self.bakery["sugar"].pk)
        assert Product.objects.get(pk=self.product.pk).ingredient_id == (
            self.bakery["flour"].pk
        )

    # --- imports ------------------------------------------------------------

    @rule(
        quantity=st.integers(1, 40),
        grams=st.sampled_from(["5", "1e30", "123456789012"]),
    )
    def import_a_season(self, quantity, grams):
        tin = self.bakery["tins"][0]
        season = {
            "format": "bakery",
            "version": 1,
            "lots": [
                {
                    "ingredient": "sugar",
                    "purchased_on": "2026-11-20",
                    "quantity": grams,
                    "unit": "g",
                    "total_cost": "1.00",
                }
            ],
            "packages": [
                {
                    "name": "Cookie tin",
                    "items": [
                        {"recipe": self.bakery["cookies"].slug, "quantity": "13"}
                    ],
                }
            ],
            "assignments": [
                {
                    "event": tin.event.name,
                    "event_date": tin.event.date.isoformat(),
                    "recipient": tin.recipient.name,
                    "package": "Cookie tin",
                    "quantity": quantity,
                }
            ],
        }
        path = self.folder / "season.json"
        path.write_text(json.dumps(season))
        with contextlib.suppress(ImportFailed):
            import_files([path])

    # --- the rules ----------------------------------------------------------

    @invariant()
    def ledgers_add_up(self):
        assert_ledgers_hold()

    @invariant()
    def no_more_units_committed_than_made(self):
        # what each record says its batches made (units_made), kept when it
        # was recorded: a later change of the yield does not change it
        made = defaultdict(D)
        for record in ProductionRecord.objects.active().select_related("recipe"):
            made[record.event_id, record.recipe_id] += (
                record.units_made
                if record.units_made is not None
                else record.batches * (record.recipe.yield_quantity or 0)
            )
        committed = defaultdict(D)
        for assignment in self.settled():
            for item in assignment.package.items.all():
                committed[assignment.event_id, item.recipe_id] += (
                    item.quantity * assignment.quantity
                )
        for key, units in committed.items():
            assert units <= made[key], key

    @invariant()
    def every_page_answers(self):
        event = self.bakery["event"]
        urls = [reverse(name) for name in PAGES]
        urls += [
            reverse("production:event", args=[event.pk]),
            reverse("production:pantry"),
            reverse("admin:pantry_lot_changelist"),
        ]
        for url in urls:
            assert self.client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_random_days_through_every_door_keep_every_rule(bakery):
    run_state_machine_as_test(
        lambda: Doors(bakery),
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
            ],
        ),
    )
