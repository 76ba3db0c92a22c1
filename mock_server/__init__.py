"""osigu-mock: a stateful mock of the OSIGU sandbox and a contract-test kit."""

from __future__ import annotations

__all__ = ["__version__", "create_app"]

__version__ = "0.1.0"


def create_app(settings=None):  # pragma: no cover - thin re-export
    from mock_server.app import create_app as _create_app

    return _create_app(settings)
