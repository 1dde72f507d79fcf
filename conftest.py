import pytest
from django.test import Client

from bakery.testing import login_as


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


def pytest_collection_modifyitems(config, items):
    """Runs the browser tests last: once Playwright runs, its event loop stays
    in the main thread for the rest of the session. Under pytest-xdist each
    worker is handed tests in this order, so each runs its browser tests
    last too."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
