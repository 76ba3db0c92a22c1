from __future__ import annotations

import pytest

from mock_server.sandbox import Sandbox
from mock_server.settings import Settings


@pytest.fixture
def ledger():
    """The default tenant's ledger of a fresh sandbox, on a frozen clock."""
    return Sandbox(Settings(frozen_clock=True)).ledger()
