"""The pytest plugin (entry point ``pytest11: osigu_mock``): a ready mock for an integrator's own test suite.

Fixtures, each starting every test on a fresh tenant (its own ledger, clock and clients, so tests, and pytest-xdist
workers sharing one server, never see each other's data):

- ``osigu_mock``: the app in process (no socket), one per test session and worker;
- ``osigu_mock_server``: the mock served by uvicorn on a free loopback port, one per test session and worker; or,
  with ``--osigu-mock-url URL`` (or ``OSIGU_MOCK_URL``), a mock already running there, shared by every worker.

Both give a :class:`MockSession`: ``.url``, ``.headers(role)`` (a bearer header for the demo role's client in the
tenant: ``clinic``, ``pharmacy``, ``doctors-office``, ``doctors-office-es``, ``pharmacy-do``), ``.get/.post/...``
with ``role=``, and the control plane's helpers: ``advance``, ``set_clock``, ``decide``, ``decide_challenge``,
``decide_settlement``, ``outbox``, ``deliveries``, ``trigger``, ``reset``. Where the mock's control plane wants a
token (``osigu-mock serve --admin-token``), set ``OSIGU_MOCK_ADMIN_TOKEN`` to it: control-plane calls carry it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from mock_server.kit.target import admin_headers

__all__ = ["MockSession"]

ROLES = {
    "clinic": "demo-clinic",
    "pharmacy": "demo-pharmacy",
    "doctors-office": "demo-doctors-office",
    "doctors-office-es": "demo-doctors-office-es",
    "pharmacy-do": "demo-pharmacy-do",
    "readonly": "demo-readonly",
}
TENANT_HEADER = "X-Osigu-Mock-Tenant"


class MockSession:
    """One test's view of a mock: a fresh tenant, its clients, and the control plane on that tenant."""

    def __init__(self, http: httpx2.Client, url: str) -> None:
        self.http, self.url = http, url
        created = self._ok(http.post("/__admin/tenants", json={}, headers=admin_headers()), 201)
        self.tenant_id: str = created["tenant_id"]
        self.clients = {c["client_id"].split(".")[0]: c for c in created["clients"]}
        self._tokens: dict[str, str] = {}

    # -- the API, as a role ---------------------------------------------------------------------------
    def headers(self, role: str = "clinic") -> dict[str, str]:
        """``Authorization: Bearer`` for the role's client in this test's tenant (one token per role)."""
        if role not in self._tokens:
            client = self.clients[ROLES[role]]
            answer = self.http.post(
                "/v1/oauth/token",
                auth=(client["client_id"], client["client_secret"]),
                data={"grant_type": "client_credentials"},
            )
            self._tokens[role] = self._ok(answer, 200)["access_token"]
        return {"Authorization": f"Bearer {self._tokens[role]}"}

    def request(self, method: str, path: str, *, role: str = "clinic", **kwargs: Any) -> httpx2.Response:
        headers = {**self.headers(role), **(kwargs.pop("headers", None) or {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("DELETE", path, **kwargs)

    # -- the control plane, on this tenant ----------------------------------------------------------
    def admin(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        headers = {**admin_headers(), TENANT_HEADER: self.tenant_id, **(kwargs.pop("headers", None) or {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the tenant's clock forward, firing every timer due, in order, before answering."""
        return self._ok(self.admin("POST", "/__admin/clock/advance", json={"seconds": seconds}), 200)

    def set_clock(self, now: str | None = None, frozen: bool | None = None) -> dict[str, Any]:
        body = {k: v for k, v in {"now": now, "frozen": frozen}.items() if v is not None}
        return self._ok(self.admin("POST", "/__admin/clock", json=body), 200)

    def decide(self, request_id: int, outcome: str, reason: str | None = None) -> dict[str, Any]:
        """A pending sponsor decision or manual review: APPROVED or REJECTED."""
        body = {"outcome": outcome, **({"reason": reason} if reason else {})}
        return self._ok(self.admin("POST", f"/__admin/authorization-requests/{request_id}/decision", json=body), 200)

    def decide_challenge(self, challenge_id: str, outcome: str) -> dict[str, Any]:
        path = f"/__admin/challenges/{challenge_id}/decision"
        return self._ok(self.admin("POST", path, json={"outcome": outcome}), 200)

    def decide_settlement(self, settlement_id: int, outcome: str, **extra: Any) -> dict[str, Any]:
        path = f"/__admin/settlements/{settlement_id}/decision"
        return self._ok(self.admin("POST", path, json={"outcome": outcome, **extra}), 200)

    def outbox(self, kind: str | None = None) -> list[dict[str, Any]]:
        params = {"size": 100, **({"kind": kind} if kind else {})}
        return self._ok(self.admin("GET", "/__admin/outbox", params=params), 200)["content"]

    def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        answer = self.admin("GET", "/__admin/webhooks/deliveries", params={"size": 100, **filters})
        return self._ok(answer, 200)["content"]

    def trigger(self, event_type: str, provider_slug: str = "clinic-example", data: dict | None = None) -> str:
        body = {"event_type": event_type, "provider_slug": provider_slug, **({"data": data} if data else {})}
        return self._ok(self.admin("POST", "/__admin/events", json=body), 201)["event_id"]

    def reset(self) -> None:
        self._ok(self.admin("POST", "/__admin/reset"), 200)

    @staticmethod
    def _ok(answer: httpx2.Response, status: int) -> Any:
        if answer.status_code != status:
            raise AssertionError(
                f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}"
            )
        return answer.json() if answer.content else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mock_only: a scenario that drives the mock's control plane (mock-only where the target has none)"
    )
    config.addinivalue_line(
        "markers", "personas: a scenario that uses the mock's seeded world (mock-only against the real sandbox)"
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("osigu-mock")
    group.addoption(
        "--osigu-mock-url",
        default=None,
        help="osigu_mock_server uses the mock already running at this URL (OSIGU_MOCK_URL) instead of serving one.",
    )


@pytest.fixture(scope="session")
def _osigu_mock_app() -> Iterator[Any]:
    from starlette.testclient import TestClient

    from mock_server.app import create_app
    from mock_server.settings import Settings

    with TestClient(create_app(Settings()), base_url="http://osigu-mock.test") as http:
        yield http


@pytest.fixture
def osigu_mock(_osigu_mock_app: Any) -> MockSession:
    """The mock in process, on a fresh tenant for this test."""
    return MockSession(_osigu_mock_app, str(_osigu_mock_app.base_url))


@pytest.fixture(scope="session")
def _osigu_mock_url(pytestconfig: pytest.Config) -> Iterator[str]:
    url = pytestconfig.getoption("osigu_mock_url") or os.environ.get("OSIGU_MOCK_URL")
    if url:
        yield url.rstrip("/")
        return
    import uvicorn

    from mock_server.app import create_app
    from mock_server.settings import Settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(Settings(port=port)), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the mock did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def osigu_mock_server(_osigu_mock_url: str) -> Iterator[MockSession]:
    """The mock over HTTP on loopback (served for this session, or the one at --osigu-mock-url), on a fresh
    tenant for this test."""
    with httpx2.Client(base_url=_osigu_mock_url, timeout=30) as http:
        yield MockSession(http, _osigu_mock_url)
