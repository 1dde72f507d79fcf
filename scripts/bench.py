"""Benchmarks with printed figures: `make bench` (SQLite, or PostgreSQL when
DATABASE_URL is set). Builds synthetic data in a throwaway test database,
never in the application's own.

    dashboard: get_dashboard_summary, the dashboard page and the events
               page for 10, 100 and 1,000 active events (40 assignments
               each, 20 recipes of 10 ingredients)
    scales:    the season scales M (50 events x 400 assignments, 200
               recipes, 2,000 lots) and L (100 x 1,000, 400 recipes): the
               dashboard, its page, the progress of one event and recording
               one batch, each against its target, the event's page and a
               package marked on it; the dashboard again right after a
               change of the pantry (its estimates and planned costs worked
               out again) and right after a package marked
    record_production: a 12-ingredient recipe whose ingredients each spread
               over 50 lots
    import_data: a season at scale M (50 events, 20,000 assignments, 2,000
               lots, 200 recipes) against a bare bulk load of its rows, and
               100,000 lots (time and peak memory of the command, against a
               bare bulk_create of the lots)
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gc
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bakery.settings.base")
os.environ.setdefault("BAKERY_TEST_DB", "bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

D = Decimal
ROWS: list[tuple] = []


class QueryCounter:
    """Counts the queries run on the connection (a page's too: the request
    cycle empties connection.queries, a wrapper is not emptied)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(
    label: str,
    scale: str,
    call,
    *,
    runs: int = 5,
    prepare=None,
    target_ms: float | None = None,
    target_queries: int | None = None,
) -> float:
    """Median time of `runs` calls after a warm-up; `prepare` runs untimed
    before each call. With a target, the row says it and whether it is met."""
    (prepare or (lambda: None))()
    call()  # warm caches
    # What building the data left behind is collected first, as a fresh
    # server process would have none of it.
    gc.collect()
    counter = QueryCounter()
    times = []
    for run in range(runs):
        (prepare or (lambda: None))()
        if run == 0:
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                call()
        else:
            started = time.perf_counter()
            call()
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    note = ""
    if target_ms is not None:
        met = median < target_ms and (
            target_queries is None or counter.count <= target_queries
        )
        queries = f", <= {target_queries} queries" if target_queries else ""
        note = f"target < {target_ms:g} ms{queries}: {verdict(met)}"
    ROWS.append((label, scale, f"{median:,.1f}", str(counter.count), note))
    return median


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def build_season(events: int):
    """`events` events of 40 assignments over 10 packages and 20 recipes."""
    from events.models import Assignment, Event, Package, PackageItem, Recipient
    from pantry.models import Ingredient, Lot, Recipe, RecipeLine
    from production.models import ProductionRecord

    for model in (
        ProductionRecord,
        Assignment,
        PackageItem,
        Package,
        Event,
        Recipient,
        RecipeLine,
        Recipe,
    ):
        model.objects.all().delete()
    if not Ingredient.objects.filter(slug__startswith="bench-").exists():
        ingredients = Ingredient.objects.bulk_create(
            Ingredient(name=f"Bench ingredient {i}", slug=f"bench-{i}", stock_unit="g")
            for i in range(60)
        )
        Lot.objects.bulk_create(
            Lot(
                ingredient=ingredient,
                purchased_on=datetime.date(2026, 10, day),
                quantity_purchased=D(5000),
                quantity_remaining=D(5000),
                total_cost=D("12.50"),
                cost_remaining=D("12.50"),
            )
            for ingredient in ingredients
            for day in (1, 8, 15)
        )
    ingredients = list(
        Ingredient.objects.filter(slug__startswith="bench-").order_by("pk")
    )
    recipes = Recipe.objects.bulk_create(
        Recipe(
            name=f"Recipe {i}",
            slug=f"recipe-{i}",
            yield_quantity=D(48),
            yield_unit="cookies",
        )
        for i in range(20)
    )
    RecipeLine.objects.bulk_create(
        RecipeLine(
            recipe=recipe,
            ingredient=ingredients[(r * 3 + k) % 60],
            quantity=D(50 + k),
            unit="g",
            position=k,
        )
        for r, recipe in enumerate(recipes)
        for k in range(10)
    )
    packages = Package.objects.bulk_create(
        Package(name=f"Package {i}") for i in range(10)
    )
    PackageItem.objects.bulk_create(
        PackageItem(package=package, recipe=recipes[(p * 2 + k) % 20], quantity=D(12))
        for p, package in enumerate(packages)
        for k in range(2)
    )
    recipients = Recipient.objects.bulk_create(
        Recipient(name=f"Recipient {i}") for i in range(40)
    )
    today = datetime.date.today()
    created = Event.objects.bulk_create(
        Event(name=f"Event {i}", date=today + datetime.timedelta(days=1 + i % 60))
        for i in range(events)
    )
    Assignment.objects.bulk_create(
        Assignment(
            event=event,
            recipient=recipient,
            package=packages[r % 10],
            quantity=1 + r % 3,
        )
        for event in created
        for r, recipient in enumerate(recipients)
    )
    # some batches recorded on every event (counts and costs only)
    ProductionRecord.objects.bulk_create(
        ProductionRecord(
            event=event, recipe=recipes[k], batches=1, actual_cost=D("3.21")
        )
        for event in created
        for k in range(3)
    )


def logged_in_client() -> Client:
    client = Client()
    user = User.objects.filter(
        username="bench"
    ).first() or User.objects.create_superuser("bench", password="bench-password")
    client.force_login(user)
    return client


def bench_dashboard(scales, *, client):
    from production.services import get_dashboard_summary

    for events in scales:
        build_season(events)
        assert len(get_dashboard_summary()) == events
        measure(
            "get_dashboard_summary", f"{events} events", lambda: get_dashboard_summary()
        )
        measure(
            "dashboard page (GET /)",
            f"{events} events",
            lambda: _ok(client.get("/")),
            target_ms=150,
        )
        measure(
            "events page (GET /events/)",
            f"{events} events",
            lambda: _ok(client.get("/events/")),
            target_ms=150,
        )


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


def bench_record_production():
    from events.models import Event
    from pantry.models import Ingredient, Lot, Recipe, RecipeLine
    from production.services import record_production

    recipe = Recipe.objects.create(name="Twelve", slug="twelve", yield_quantity=D(10))
    event = Event.objects.create(name="Record bench", date=datetime.date.today())
    ingredients = []
    for index in range(12):
        ingredient = Ingredient.objects.create(
            name=f"Spread {index}", slug=f"spread-{index}"
        )
        RecipeLine.objects.create(
            recipe=recipe, ingredient=ingredient, quantity=D(50), unit="g"
        )
        ingredients.append(ingredient)

    def fifty_lots_each(grams):
        """Untimed: every ingredient in exactly 50 lots of `grams` each."""

        def prepare():
            Lot.objects.filter(
                ingredient__in=ingredients, quantity_remaining__gt=0
            ).update(quantity_remaining=0, cost_remaining=0)
            Lot.objects.bulk_create(
                Lot(
                    ingredient=ingredient,
                    purchased_on=datetime.date(2026, 1, 1)
                    + datetime.timedelta(days=day),
                    quantity_purchased=D(grams),
                    quantity_remaining=D(grams),
                    total_cost=D("0.37"),
                    cost_remaining=D("0.37"),
                )
                for ingredient in ingredients
                for day in range(50)
            )

        return prepare

    def record():
        # as the record view calls it: its own transaction, committed
        return record_production(event=event, recipe=recipe, batches=1)

    # the usual case: stock in 50 lots each, a batch takes the oldest two
    # (30 g lots, 50 g a batch); then the worst: a batch takes all 50 each
    for grams, label in ((30, "uses 2 lots each"), (1, "uses all 50 lots each")):
        measure(
            "record_production",
            f"12 ingr. x 50 lots, {label}",
            record,
            prepare=fifty_lots_each(grams),
        )
        lines = recipe.production_records.order_by("-pk").first().lines.count()
        ROWS[-1] = (*ROWS[-1][:4], f"{lines} lots consumed per record")


def bench_import(count: int):
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    with (folder / "ingredients.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["slug", "name", "stock_unit"])
        writer.writerows([f"import-{i}", f"Imported {i}", "g"] for i in range(50))
    with (folder / "lots.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["ingredient", "purchased_on", "quantity", "unit", "total_cost"]
        )
        start = datetime.date(2025, 1, 1)
        writer.writerows(
            [
                f"import-{i % 50}",
                (start + datetime.timedelta(days=i % 600)).isoformat(),
                str(100 + i % 900),
                ("g", "kg", "lb")[i % 3],
                f"{1 + i % 50}.{i % 100:02d}",
            ]
            for i in range(count)
        )
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        url = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    connection.close()
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_data",
            str(folder / "ingredients.csv"),
            str(folder / "lots.csv"),
        ],
        cwd=BASE_DIR,
        # without DEBUG, as deployed and as the rest is timed: with it,
        # Django logs each statement with its values quoted, by a query
        env={**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    bare = bare_lots(count)
    ROWS.append(
        (
            "import_data (subprocess)",
            f"{count:,} lots",
            f"{seconds * 1000:,.0f}",
            "",
            f"peak memory {peak_mb:,.0f} MB; {seconds / bare:.1f}x a bare "
            f"bulk_create of the lots ({bare * 1000:,.0f} ms); target < 30 s, "
            f"< 300 MB: {verdict(seconds < 30 and peak_mb < 300)}",
        )
    )
    return seconds, peak_mb


def bare_lots(count: int) -> float:
    """Seconds a bare bulk_create of the lots bench_import imports takes, in
    this process (the floor the import's time is read against: it depends
    on the machine more than on the import)."""
    from pantry.models import Ingredient, Lot

    Lot.objects.all().delete()  # the lots the import wrote
    ingredients = {
        i.slug: i for i in Ingredient.objects.filter(slug__startswith="import-")
    }
    start = datetime.date(2025, 1, 1)
    started = time.perf_counter()
    with transaction.atomic():
        Lot.objects.bulk_create(
            (
                Lot(
                    ingredient=ingredients[f"import-{i % 50}"],
                    purchased_on=start + datetime.timedelta(days=i % 600),
                    quantity_purchased=D(100 + i % 900),
                    quantity_remaining=D(100 + i % 900),
                    total_cost=D(f"{1 + i % 50}.{i % 100:02d}"),
                    cost_remaining=D(f"{1 + i % 50}.{i % 100:02d}"),
                )
                for i in range(count)
            ),
            batch_size=2000,
        )
    seconds = time.perf_counter() - started
    Lot.objects.all().delete()
    return seconds


SEASON_SCALES = {
    # events, recipients (assignments per event), recipes, ingredients
    "M": (50, 400, 200, 400),
    "L": (100, 1000, 400, 800),
}


def season_file(scale: str) -> dict:
    """A season in our import format: 8 lines a recipe, 5 lots an ingredient,
    20 packages of 3 recipes, every recipient a package at every event."""
    events, recipients, recipes, ingredients = SEASON_SCALES[scale]
    start = datetime.date(2026, 9, 1)
    return {
        "format": "bakery",
        "version": 1,
        "ingredients": [
            {"slug": f"ing-{i}", "name": f"Ingredient {i}", "stock_unit": "g"}
            for i in range(ingredients)
        ],
        "products": [
            {
                "ingredient": f"ing-{i}",
                "brand": "Bench",
                "name": f"Bag {i}",
                "package_quantity": "1000",
                "package_unit": "g",
            }
            for i in range(ingredients)
        ],
        "lots": [
            {
                "ingredient": f"ing-{i}",
                "product_brand": "Bench",
                "product_name": f"Bag {i}",
                "purchased_on": (start + datetime.timedelta(days=k * 7)).isoformat(),
                "quantity": "1000",
                "unit": "g",
                "total_cost": f"{2 + k}.{i % 100:02d}",
            }
            for i in range(ingredients)
            for k in range(5)
        ],
        "recipes": [
            {
                "slug": f"recipe-{r}",
                "name": f"Recipe {r}",
                "yield_quantity": "24",
                "yield_unit": "cookies",
                "lines": [
                    {
                        "ingredient": f"ing-{(r * 8 + k) % ingredients}",
                        "quantity": str(40 + k),
                        "unit": "g",
                    }
                    for k in range(8)
                ],
            }
            for r in range(recipes)
        ],
        "recipients": [{"name": f"Recipient {n}"} for n in range(recipients)],
        "packages": [
            {
                "name": f"Package {p}",
                "items": [
                    {"recipe": f"recipe-{(p * 10 + k * 3) % recipes}", "quantity": "6"}
                    for k in range(3)
                ],
            }
            for p in range(20)
        ],
        "events": [
            {
                "name": f"Event {e}",
                "date": (start + datetime.timedelta(days=90 + e)).isoformat(),
            }
            for e in range(events)
        ],
        "assignments": [
            {
                "event": f"Event {e}",
                "event_date": (start + datetime.timedelta(days=90 + e)).isoformat(),
                "recipient": f"Recipient {n}",
                "package": f"Package {n % 20}",
                "quantity": 1 + n % 2,
            }
            for e in range(events)
            for n in range(recipients)
        ],
    }


def _clear_season():
    from events.models import (
        Assignment,
        Event,
        FrozenPlannedCost,
        Package,
        PackageItem,
        Recipient,
    )
    from pantry.models import (
        Ingredient,
        Lot,
        Product,
        Recipe,
        RecipeLine,
        StockMovement,
    )
    from production.models import Allocation, ConsumptionLine, ProductionRecord

    for model in (
        Allocation,
        ConsumptionLine,
        StockMovement,
        ProductionRecord,
        FrozenPlannedCost,
        Assignment,
        PackageItem,
        Package,
        Event,
        Recipient,
        RecipeLine,
        Recipe,
        Lot,
        Product,
        Ingredient,
    ):
        model.objects.all().delete()


def bulk_load(season: dict) -> None:
    """The same rows written with bare bulk_create, nothing checked: the floor
    an import is measured against."""
    from events.models import Assignment, Event, Package, PackageItem, Recipient
    from pantry.models import Ingredient, Lot, Product, Recipe, RecipeLine

    ingredients = {
        i.slug: i
        for i in Ingredient.objects.bulk_create(
            Ingredient(slug=row["slug"], name=row["name"], stock_unit="g")
            for row in season["ingredients"]
        )
    }
    products = {
        (p.ingredient.slug, p.name): p
        for p in Product.objects.bulk_create(
            Product(
                ingredient=ingredients[row["ingredient"]],
                brand=row["brand"],
                name=row["name"],
                package_quantity=D(row["package_quantity"]),
                package_unit=row["package_unit"],
            )
            for row in season["products"]
        )
    }
    Lot.objects.bulk_create(
        Lot(
            ingredient=ingredients[row["ingredient"]],
            product=products[row["ingredient"], row["product_name"]],
            purchased_on=datetime.date.fromisoformat(row["purchased_on"]),
            quantity_purchased=D(row["quantity"]),
            quantity_remaining=D(row["quantity"]),
            total_cost=D(row["total_cost"]),
            cost_remaining=D(row["total_cost"]),
        )
        for row in season["lots"]
    )
    recipes = {
        r.slug: r
        for r in Recipe.objects.bulk_create(
            Recipe(
                slug=row["slug"],
                name=row["name"],
                yield_quantity=D(row["yield_quantity"]),
                yield_unit=row["yield_unit"],
            )
            for row in season["recipes"]
        )
    }
    RecipeLine.objects.bulk_create(
        RecipeLine(
            recipe=recipes[row["slug"]],
            ingredient=ingredients[line["ingredient"]],
            quantity=D(line["quantity"]),
            unit=line["unit"],
            position=k,
        )
        for row in season["recipes"]
        for k, line in enumerate(row["lines"])
    )
    recipients = {
        r.name: r
        for r in Recipient.objects.bulk_create(
            Recipient(name=row["name"]) for row in season["recipients"]
        )
    }
    packages = {
        p.name: p
        for p in Package.objects.bulk_create(
            Package(name=row["name"]) for row in season["packages"]
        )
    }
    PackageItem.objects.bulk_create(
        PackageItem(
            package=packages[row["name"]],
            recipe=recipes[item["recipe"]],
            quantity=D(item["quantity"]),
        )
        for row in season["packages"]
        for item in row["items"]
    )
    events = {
        e.name: e
        for e in Event.objects.bulk_create(
            Event(name=row["name"], date=datetime.date.fromisoformat(row["date"]))
            for row in season["events"]
        )
    }
    Assignment.objects.bulk_create(
        Assignment(
            event=events[row["event"]],
            recipient=recipients[row["recipient"]],
            package=packages[row["package"]],
            quantity=row["quantity"],
        )
        for row in season["assignments"]
    )


def bench_import_season(scale: str, *, runs: int = 3) -> None:
    """import_files of a season against a bare bulk load of the same rows,
    into an empty database: medians of `runs` runs of each, taken in turns
    so that both see the same machine; the queries of one import."""
    import json

    from production.dataio import import_files

    season = season_file(scale)
    path = Path(tempfile.mkdtemp(prefix="bench-season-")) / f"season-{scale}.json"
    path.write_text(json.dumps(season))
    label = f"season {scale}: {len(season['assignments']):,} assignments"

    imports, bares = [], []
    counter = QueryCounter()
    for run in range(runs):
        _clear_season()
        started = time.perf_counter()
        if run == 0:
            with connection.execute_wrapper(counter):
                import_files([path])
        else:
            import_files([path])
        imports.append(time.perf_counter() - started)
        _clear_season()
        started = time.perf_counter()
        with transaction.atomic():
            bulk_load(season)
        bares.append(time.perf_counter() - started)
    _clear_season()
    imported, bare = statistics.median(imports), statistics.median(bares)
    ROWS.append(
        (
            "import_data",
            label,
            f"{imported * 1000:,.0f}",
            str(counter.count),
            f"{imported / bare:.1f}x a bare bulk load ({bare * 1000:,.0f} ms); "
            f"target <= 3x: {verdict(imported <= 3 * bare)}",
        )
    )


def build_scale(scale: str):
    """The season of `season_file(scale)`, loaded in bulk, made a season in
    progress: events from tomorrow on, a third of each event's recipes with a
    batch recorded, packages a third each pending, assembled and delivered."""
    from django.db.models import F

    from events.models import Assignment, AssignmentStatus, Event
    from events.selectors import get_recipe_needs_by_event
    from production.models import ProductionRecord

    _clear_season()
    with transaction.atomic():
        bulk_load(season_file(scale))
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    events = list(Event.objects.order_by("pk"))
    for index, event in enumerate(events):
        event.date = tomorrow + datetime.timedelta(days=index)
    Event.objects.bulk_update(events, ["date"])
    now = timezone.now()
    by_third = Assignment.objects.annotate(third=F("pk") % 3)
    by_third.filter(third=1).update(status=AssignmentStatus.ASSEMBLED, assembled_at=now)
    by_third.filter(third=2).update(
        status=AssignmentStatus.DELIVERED, assembled_at=now, delivered_at=now
    )
    needs = get_recipe_needs_by_event(events=events)
    ProductionRecord.objects.bulk_create(
        ProductionRecord(
            event=event, recipe=need.recipe, batches=1, actual_cost=D("3.21")
        )
        for event in events
        for need in needs[event.pk][::3]
    )
    return events


def _change_pantry():
    """A write to the pantry, which moves the data version: the estimates
    and planned costs kept for the dashboard are worked out again on its
    next view."""
    from django.db.models import F

    from pantry.models import Ingredient

    Ingredient.objects.filter(pk=Ingredient.objects.values("pk")[:1]).update(
        notes=F("notes")
    )


def _mark_a_package():
    """A package marked delivered, or back to assembled: its event's package
    counts change, the data version does not."""
    from events.models import Assignment, AssignmentStatus

    packed = [AssignmentStatus.ASSEMBLED, AssignmentStatus.DELIVERED]
    package = Assignment.objects.filter(status__in=packed).order_by("pk").first()
    delivered = package.status == AssignmentStatus.ASSEMBLED
    Assignment.objects.filter(pk=package.pk).update(
        status=packed[delivered], delivered_at=timezone.now() if delivered else None
    )


def bench_scales(scales, *, client):
    """The figures of the issue's scales M and L: the dashboard (service and
    page), the progress of one event, recording one batch."""
    from events.models import AssignmentStatus
    from production.services import (
        get_dashboard_summary,
        get_production_progress,
        record_production,
    )

    for scale in scales:
        events = build_scale(scale)
        label = f"{scale}: {len(events)} events x {SEASON_SCALES[scale][1]}"
        assert len(get_dashboard_summary()) == len(events)
        measure(
            "get_dashboard_summary",
            label,
            get_dashboard_summary,
            runs=7,
            target_ms=60 if scale == "M" else 250,
            target_queries=10,
        )
        measure(
            "get_dashboard_summary",
            f"{label}, the pantry just changed",
            get_dashboard_summary,
            runs=7,
            prepare=_change_pantry,
        )
        measure(
            "get_dashboard_summary",
            f"{label}, a package just marked",
            get_dashboard_summary,
            runs=7,
            prepare=_mark_a_package,
        )
        if scale != "M":
            continue
        measure(
            "dashboard page (GET /)",
            label,
            lambda: _ok(client.get("/")),
            runs=7,
            target_ms=150,
        )
        event = events[len(events) // 2]
        measure(
            "get_production_progress",
            f"{label}, 1 event",
            lambda event=event: get_production_progress(event=event),
            runs=7,
            target_ms=20,
        )
        measure(
            "event page (GET /events/<pk>/)",
            f"{label}, 1 event",
            lambda event=event: _ok(client.get(f"/events/{event.pk}/")),
            runs=7,
        )
        assembled = iter(
            event.assignments.filter(status=AssignmentStatus.ASSEMBLED)
            .order_by("pk")
            .values_list("pk", flat=True)[:8]
        )
        measure(
            "a package marked (htmx POST)",
            f"{label}, 1 event",
            lambda assembled=assembled: _ok(
                client.post(
                    f"/assignments/{next(assembled)}/status/",
                    {"status": AssignmentStatus.DELIVERED},
                    headers={"HX-Request": "true"},
                )
            ),
            runs=7,
        )
        recipe = get_production_progress(event=event).recipes[1].recipe

        def record(event=event, recipe=recipe):
            # as the record view calls it: its own transaction, committed
            record_production(event=event, recipe=recipe, batches=1)

        measure("record_production", f"{label}, 1 batch", record, runs=7, target_ms=10)
    _clear_season()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="10,100,1000")
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument(
        "--seasons", default="M,L", help="scales of the season figures: M, L"
    )
    parser.add_argument("--import-season", default="M", help="scale imported: M, L")
    parser.add_argument(
        "--only",
        default="",
        help="dashboard, scales, record, season, import (all if empty)",
    )
    options = parser.parse_args()
    scales = [int(s) for s in options.scales.split(",") if s]

    setup_test_environment(debug=False)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    only = set(filter(None, options.only.split(",")))
    try:
        client = logged_in_client()
        if not only or "dashboard" in only:
            bench_dashboard(scales, client=client)
        if options.seasons and (not only or "scales" in only):
            bench_scales(options.seasons.split(","), client=client)
        if not only or "record" in only:
            bench_record_production()
        if options.import_season and (not only or "season" in only):
            bench_import_season(options.import_season)
        if options.lots and (not only or "import" in only):
            bench_import(options.lots)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(
        f"\nBenchmarks on {connection.vendor}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"{datetime.date.today()}"
    )
    print("median of 5 (M and L: 7) runs after a warm-up; queries of one run\n")
    widths = [26, 38, 10, 8]
    header = ("operation", "scale", "median ms", "queries", "")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)))
    print("-" * 100)
    for row in ROWS:
        print(
            "  ".join(
                str(cell).ljust(w) for cell, w in zip(row, [*widths, 0], strict=False)
            )
        )


if __name__ == "__main__":
    main()
