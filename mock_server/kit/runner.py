"""One ``osigu-mock contract`` run: a target checked, flows and drift, into a :class:`DriftReport`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2

from mock_server.kit.connection import Connection
from mock_server.kit.drift import Drift
from mock_server.kit.flows import FLOWS, Check, Flow, run_flows
from mock_server.kit.report import DriftReport
from mock_server.kit.target import Target

__all__ = ["check_target", "fidelity_figure"]

# The kit's own calls to the mock's control plane and health route set things up; they are not what it checks.
UNCHECKED_PREFIXES = ("/__admin", "/healthz")


def fidelity_figure() -> dict[str, Any]:
    """The fidelity meter's figures (contracts/facts/README.md) for the bundled contract."""
    from mock_server.kit.fidelity import measure

    report = measure()
    return {
        "reproduced": len(report.reproduced),
        "in_scope": report.total,
        "deviations": len(report.deviations),
        "not_built_yet": len(report.not_built),
        "missing": len(report.missing),
        "whole_reproduced": report.whole_reproduced,
        "whole_total": report.whole_total,
        "summary": report.summary().splitlines()[0],
    }


def check_target(
    target: Target,
    *,
    client: httpx2.Client | None = None,
    strict: bool = False,
    flows: tuple[Flow, ...] = FLOWS,
    progress: Callable[[Check], None] | None = None,
    with_fidelity: bool = True,
    fuzz: dict[str, Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DriftReport:
    """Run the documented flows against ``target`` (or replay the guides' examples), comparing every answer
    with the contract. ``client`` is the HTTP client of the in-process app. ``fuzz``: the keyword arguments of
    :func:`mock_server.kit.fuzz.fuzz_target` (``examples`` and the rest) to fuzz as well; on a target that is not
    the mock the fuzzer reuses the flows' connection, so the run asks for one token. ``sleep``: how the run waits
    for the throttle (tests pass one that only records)."""
    drift = Drift()
    described = {
        "kind": target.kind,
        "label": target.label,
        "base_url": target.base_url,
        "is_mock": False,
        "capabilities": [],
    }
    report = DriftReport(described, drift, strict=strict, fidelity=fidelity_figure() if with_fidelity else None)
    if target.skip_reason:
        report.skipped = target.skip_reason
        return report
    if target.kind == "examples":
        from mock_server.kit.examples import replay

        replay(drift)
        return report

    def observe(response: httpx2.Response) -> None:
        path = response.request.url.path
        if not path.startswith(UNCHECKED_PREFIXES):
            drift.observe(
                response.request.method,
                path,
                response.status_code,
                response.content,
                content_type=response.headers.get("content-type", ""),
            )

    def observe_webhook(event_type: str, body: bytes) -> None:
        drift.observe_webhook(event_type, body)

    with Connection(target, client=client, on_response=observe, on_webhook=observe_webhook, sleep=sleep) as conn:
        described.update(is_mock=conn.is_mock, capabilities=sorted(conn.capabilities))
        report.checks = run_flows(conn, flows, progress)
        if fuzz:
            from mock_server.kit.fuzz import fuzz_target

            report.fuzz = fuzz_target(target, connection=None if conn.is_mock else conn, **fuzz)
    return report
