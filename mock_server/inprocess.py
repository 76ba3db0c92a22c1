"""The app in process as an HTTP client: what ``osigu-mock contract``'s default target talks to.

It lives at the top (it builds the app), so the kit itself stays free of the app and of Starlette.
"""

from __future__ import annotations

from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.settings import Settings

__all__ = ["inprocess_client"]

BASE_URL = "http://osigu-mock.inprocess"


def inprocess_client(settings: Settings | None = None) -> TestClient:
    """A client of a fresh app (the default seed, the clock following wall time); enter it to run the
    app's lifespan (its timers and webhook dispatcher)."""
    return TestClient(create_app(settings or Settings()), base_url=BASE_URL, raise_server_exceptions=False)
