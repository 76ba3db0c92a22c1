from __future__ import annotations

import pytest

from mock_server.app import create_app
from mock_server.settings import Settings
from tests.support.clients import CheckedClient


@pytest.fixture
def settings() -> Settings:
    """Frozen clock: tests move time only when they say so."""
    return Settings(frozen_clock=True)


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture
def sandbox(app):
    return app.state.sandbox


@pytest.fixture
def client(app):
    with CheckedClient(app) as test_client:
        yield test_client
