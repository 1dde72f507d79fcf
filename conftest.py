import os

import pytest
from django.test import Client

from bakery.testing import CHROMIUM, login_as


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def baker(request) -> Client:
    """A client logged in as a Baker; in a test or module marked
    `csrf_checks`, one that enforces CSRF checks as production does."""
    csrf_checks = request.node.get_closest_marker("csrf_checks") is not None
    client = Client(enforce_csrf_checks=csrf_checks)
    login_as(client, "Baker")
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, with none of its calls to the network."""
    # Playwright's sync API keeps an event loop in the main thread from now
    # on; the database calls made there are still synchronous. The browser
    # tests run last (below), so no other test runs with this set.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config, items):
    """Runs the browser tests last: once Playwright runs, its event loop stays
    in the main thread for the rest of the session. Under pytest-xdist each
    worker is handed tests in this order, so each runs its browser tests
    last too."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
