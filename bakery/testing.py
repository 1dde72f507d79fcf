"""Helpers for the tests of every app."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_for(client, url: str) -> int:
    """The queries of one GET of `url`, after a first one has filled the
    session's caches; the page must answer 200."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)
