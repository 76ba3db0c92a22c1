from __future__ import annotations

import pytest

from tests.support.redeeming import CLINIC


@pytest.fixture
def clinic(client):
    """The clinic's bearer header (demo-clinic)."""
    return client.bearer(CLINIC)
