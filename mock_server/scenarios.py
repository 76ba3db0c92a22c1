"""``osigu-mock scenario run``: the QA scenario files (Tavern YAML) run by pytest against a mock.

By default the shipped library (``tests/scenarios`` in a checkout, packaged in the wheel), against a mock the
pytest plugin serves on a free loopback port for the run; ``--target URL`` runs them against a mock already
serving there, each scenario on a fresh tenant. A scenario that drives the control plane of a target that has
none is reported mock-only, never passed.

``--target sandbox`` runs them against the real OSIGU sandbox (:func:`mock_server.kit.target.select_target`:
``OSIGU_BASE_URL``, ``OSIGU_CLIENT_ID`` / ``OSIGU_CLIENT_SECRET``, the test beneficiary of ``OSIGU_TEST_*``),
where the behaviour exists there: scenarios marked ``mock_only`` or ``personas`` are reported mock-only. Without
credentials nothing runs and the run is skipped in one line.
"""

from __future__ import annotations

import importlib.util
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from mock_server.core.resources import scenarios_dir
from mock_server.kit.target import select_target

__all__ = ["run_scenarios", "sandbox_skip_reason"]


class _Tally:
    """A pytest plugin object that counts scenarios by outcome, mock-only apart from other skips."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" and report.passed:
            self.counts["passed"] += 1
        elif report.failed:
            self.counts["failed"] += 1
        elif report.skipped:
            reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
            self.counts["mock-only" if "mock-only" in reason else "skipped"] += 1


def run_scenarios(
    paths: Sequence[str | Path] = (), target: str | None = None, quiet: bool = False
) -> tuple[int, Counter[str]]:
    """pytest's exit code, and the scenarios by outcome (passed, failed, mock-only, skipped)."""
    chosen = [str(p) for p in paths] or [str(scenarios_dir())]
    if target == "sandbox":
        os.environ["OSIGU_SCENARIO_TARGET"] = "sandbox"  # read by the scenarios' conftest
    elif target:
        os.environ["OSIGU_MOCK_URL"] = target
    tally = _Tally()
    args = [*chosen, "-p", "no:cacheprovider", "-o", "tavern-strict=json:off", "-rs", "-q" if quiet else "-v"]
    if target == "sandbox" and importlib.util.find_spec("xdist") is not None:
        args += ["-n", "0"]  # one process, one token: the sandbox allows 50 requests a minute per client
    code = pytest.main(args, plugins=[tally])
    return int(code), tally.counts


def sandbox_skip_reason(allow_production: bool = False) -> str | None:
    """Why a run against the real sandbox cannot start (no credentials), or None; refuses the production host."""
    return select_target("sandbox", allow_production=allow_production).skip_reason
