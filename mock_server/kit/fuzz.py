"""Fuzzing for ``osigu-mock contract --fuzz N``: schemathesis over every operation of the contract, stateless
(N generated examples each, every check on) and stateful (scenarios that follow the OpenAPI links), configured by
the committed ``schemathesis.toml`` (its seed, its accepted statuses per operation, the stateful phase's rules).

The bar is the project's: zero server errors, zero schema violations, zero undocumented statuses. On the mock the
fuzzer works in a tenant of its own, so what it does to the default tenant through the control plane (resets,
clock moves) leaves its token alone. On any other target it skips the mock's own operations, sends only reads
unless writes are allowed, and keeps to 50 requests a minute.
"""

from __future__ import annotations

import base64
import contextlib
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.stateful import run_state_machine_as_test

from mock_server.core.contracts import bundled_openapi, schemathesis_file
from mock_server.kit.connection import ADMIN, WRITES, Connection
from mock_server.kit.target import Target, admin_headers

__all__ = ["fuzz_target"]

# Hypothesis health checks suppressed, each for its reason (tests/contract/test_schemathesis.py has the same list).
QUIET = [
    HealthCheck.too_slow,  # an HTTP call per example is slow by Hypothesis' measure
    HealthCheck.data_too_large,  # nested request bodies draw much data
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,  # schemathesis filters cases it cannot send
]
READS = ("GET", "HEAD")
FAULTS = "POST /__admin/faults"
PLACEHOLDERS = ("OSIGU_CLIENT_ID", "OSIGU_CLIENT_SECRET", "OSIGU_ACCESS_TOKEN")
STATEFUL_SCENARIOS = 30


def fuzz_target(
    target: Target,
    examples: int,
    *,
    app_factory: Callable[[], Any] | None = None,
    jobs: int = 1,
    progress: bool = False,
    stateful: bool = True,
    only: str | None = None,
    connection: Connection | None = None,
) -> dict[str, Any]:
    """Fuzz ``target``; the figures and failures, for the drift report.

    ``app_factory`` makes an HTTP client of a fresh in-process app (a context manager with ``.app``), for the
    in-process target. ``jobs`` processes share the operations (the mock only: the sandbox's rate limit is one
    client's); each has its own app or tenant. ``progress`` prints a line per operation. ``only``: a regular
    expression; only the operations whose label (``METHOD /path``) it matches are fuzzed. ``connection``: an
    open connection to a target that is not the mock, whose token the fuzzer reuses (one token per run); the
    fuzzer then runs in this process.
    """
    jobs = 1 if target.kind == "sandbox" or connection is not None else max(1, jobs)
    if connection is not None:
        connection.drain()  # the flows' requests leave the minute before schemathesis' own 50-a-minute limiter starts
    shards = [(target, examples, app_factory, shard, jobs, progress, only) for shard in range(jobs)]
    if jobs == 1:
        results = [_fuzz_shard(*shards[0], connection=connection)]
    else:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_fuzz_shard, *zip(*shards, strict=True)))
    cases: Counter[str] = Counter()
    failures: list[str] = []
    for shard_cases, shard_failures in results:
        cases.update(shard_cases)
        failures += shard_failures
    links = None
    if stateful:
        with _opened(target, app_factory, connection) as (conn, schema):
            # The stateful scenarios follow the API's links; the control plane stays out of them, since a reset or
            # a snapshot between two linked steps would rightly lose the resource the first one made.
            if conn.has(WRITES):
                links = _stateful(schema.exclude(tag=["admin", "meta"]), _resetter(conn))
    figures = sorted(cases.values())
    summary = (
        f"{sum(figures)} cases over {len(figures)} operations ({examples} asked of each; "
        f"{sum(n >= examples for n in figures)} reached it; Hypothesis ran out of distinct inputs for the rest), "
        f"{len(failures)} failures"
    )
    if links is not None:
        summary += f"; stateful: {links[0]} scenarios, {links[1]} link steps followed"
        failures += links[2]
    return {
        "summary": summary,
        "operations": len(figures),
        "cases": sum(figures),
        "examples_per_operation": examples,
        "failures": failures,
    }


def _fuzz_shard(
    target: Target,
    examples: int,
    app_factory: Callable[[], Any] | None,
    shard: int,
    shards: int,
    progress: bool,
    only: str | None,
    connection: Connection | None = None,
) -> tuple[dict[str, int], list[str]]:
    """Every ``shards``-th operation from the ``shard``-th: (cases per operation, failures)."""
    cases: Counter[str] = Counter()
    failures: list[str] = []
    with _opened(target, app_factory, connection) as (conn, schema):
        writes = conn.has(WRITES)
        operations = [result.ok() for result in schema.get_all_operations()]
        operations = [op for op in operations if only is None or re.search(only, op.label)]
        for operation in operations[shard::shards]:
            if not writes and operation.method.upper() not in READS:
                continue
            cleanup = None
            if operation.label == FAULTS:
                # A fault rule the fuzzer added must not outlive its case: it would fail what is fuzzed next, on
                # purpose. It went to the default tenant (no tenant header, or a generated name that names none).
                cleanup = lambda: conn.public("DELETE", "/__admin/faults", headers=admin_headers())  # noqa: E731
            failure = _fuzz_operation(operation, examples, cases, schema.config.seed, cleanup)
            if failure:
                failures.append(f"{operation.label}: {failure}")
            if progress:
                state = "FAILED" if failure else "ok"
                print(f"  {state:<6} {operation.label}: {cases[operation.label]} examples", flush=True)
    return dict(cases), failures


@contextmanager
def _opened(
    target: Target, app_factory: Callable[[], Any] | None, connection: Connection | None = None
) -> Iterator[tuple[Connection, Any]]:
    """A connection to the target (the one given, or a new one in a tenant of its own) and the contract loaded
    for schemathesis, with the run's credentials."""
    with contextlib.ExitStack() as stack:
        http = stack.enter_context(app_factory()) if app_factory is not None else None
        conn = connection or stack.enter_context(Connection(target, client=http, own_tenant=True))
        schema = _load(target, conn, http.app if http is not None else None)
        token = conn.session("clinic")
        token.token()  # before the fuzzer spends this client's token budget (10 a minute) on the token endpoint
        basic = "Basic " + base64.b64encode(":".join(conn.credentials["clinic"]).encode()).decode()

        @schema.auth()
        class Credentials:
            """Basic credentials for the token endpoint, the run's bearer token for everything else."""

            def get(self, case: Any, context: Any) -> str:
                return "supplied"

            def set(self, case: Any, data: Any, context: Any) -> None:
                security = case.operation.definition.raw.get("security", [])
                if any("basicAuth" in requirement for requirement in security):
                    case.headers = {**(case.headers or {}), "Authorization": basic}
                elif any("bearerAuth" in requirement for requirement in security):
                    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token.token()}"}
                elif case.operation.path.startswith("/__admin"):
                    case.headers = {**(case.headers or {}), **admin_headers()}

        yield conn, schema


def _load(target: Target, conn: Connection, app: Any) -> Any:
    # schemathesis.toml reads these for `st run`; the auth provider here supplies the real values, so
    # placeholders are enough to load it, and they are gone again once it is loaded.
    placeholders = [name for name in PLACEHOLDERS if name not in os.environ]
    os.environ.update(dict.fromkeys(placeholders, "supplied-by-the-kit"))
    try:
        config = schemathesis.Config.from_path(str(schemathesis_file()))
    finally:
        for name in placeholders:
            del os.environ[name]
    if app is not None:
        return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    schema = schemathesis.openapi.from_dict(bundled_openapi(include_admin=conn.is_mock), config=config)
    schema.config.update(base_url=target.base_url, rate_limit=None if conn.is_mock else "50/m")
    if not conn.is_mock:
        schema = schema.exclude(tag=["admin", "meta"])
    return schema


def _fuzz_operation(
    operation: Any, examples: int, cases: Counter[str], seed: int | None, cleanup: Callable[[], Any] | None = None
) -> str | None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        suppress_health_check=QUIET,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case: Any) -> None:
        cases[operation.label] += 1
        try:
            case.call_and_validate()
        finally:
            if cleanup is not None:
                cleanup()

    if seed is not None:
        run = _seeded(run, seed)
    try:
        run()
    except (Exception, BaseExceptionGroup) as problem:  # a check failed (schemathesis raises a group of them)
        return " ".join(str(problem).split())[:500]
    return None


def _seeded(test: Callable[[], None], seed: int) -> Callable[[], None]:
    from hypothesis import seed as hypothesis_seed

    return hypothesis_seed(seed)(test)


def _resetter(conn: Connection) -> Callable[[], None] | None:
    """On a mock with a control plane: reset the run's tenant and fetch a new token (a reset forgets tokens)."""
    if not conn.has(ADMIN):
        return None

    def reset() -> None:
        conn.admin("POST", "/__admin/reset")
        conn.session("clinic").forget_token()

    return reset


def _stateful(schema: Any, reset: Callable[[], None] | None = None) -> tuple[int, int, list[str]]:
    """Scenarios over the whole contract's links; (scenarios, link steps followed, failures). With ``reset``, each
    scenario starts from the freshly seeded tenant: the same choices then meet the same answers, which Hypothesis
    needs (it replays choices; a tenant worn by earlier scenarios, a benefit limit used up, answers otherwise and
    Hypothesis reports its own data generation as flaky)."""
    followed = Counter()

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            if reset is not None:
                reset()

        def step(self, input: Any) -> Any:
            output = super().step(input)
            if input.transition is not None and not input.transition.is_inferred and input.is_applied:
                followed[input.transition.id] += 1
            return output

    try:
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=10,
                deadline=None,
                suppress_health_check=QUIET,
                database=None,
                phases=[Phase.generate],  # a failing scenario is reported as found, not shrunk (slow over a whole API)
            ),
        )
    except (Exception, BaseExceptionGroup) as problem:
        return STATEFUL_SCENARIOS, sum(followed.values()), [f"stateful: {' '.join(str(problem).split())[:500]}"]
    return STATEFUL_SCENARIOS, sum(followed.values()), []
