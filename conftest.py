import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def pytest_collection_modifyitems(config, items):
    """Runs the browser tests last: once Playwright runs, its event loop stays
    in the main thread for the rest of the session."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
