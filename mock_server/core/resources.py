"""Where the contracts and fixtures live.

In a checkout (and an editable install) they are the top-level ``contracts/`` and ``fixtures/``
folders; a built wheel carries copies under ``mock_server/_data/``. Either way the rest of the code
asks this module, never a hard-coded path.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["contracts_dir", "fixtures_dir", "scenarios_dir"]

_PACKAGE = Path(__file__).resolve().parent.parent


def _locate(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder next to {_PACKAGE}")


@cache
def contracts_dir() -> Path:
    return _locate("contracts")


@cache
def fixtures_dir() -> Path:
    return _locate("fixtures")


@cache
def scenarios_dir() -> Path:
    """The QA scenario library: ``tests/scenarios`` in a checkout, ``mock_server/_data/scenarios`` in a wheel."""
    for candidate in (_PACKAGE / "_data" / "scenarios", _PACKAGE.parent / "tests" / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the scenario library next to {_PACKAGE}")
