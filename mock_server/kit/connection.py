"""A connection to a target: one polite session per client, and what the target can do.

Opening it asks the target what it is. ``GET /healthz`` answering ``service: osigu-mock`` makes it the mock
(writes allowed, no throttle); ``GET /__admin/world`` answering 200 gives the control plane, the clock and the
personas. On a served mock with a control plane the kit works in a tenant of its own (``POST /__admin/tenants``),
so a shared CI server's default tenant is left alone; in process the app is the kit's own (the fuzzer still asks
for a tenant, so that what it does to the default one through the control plane leaves its token alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2

from mock_server.kit.session import PoliteSession, Throttle
from mock_server.kit.target import DEMO_CLIENTS, Target, admin_headers

__all__ = ["ADMIN", "CLOCK", "PERSONAS", "WRITES", "Connection"]

# What a check may need beyond the documented API: the mock's control plane, its clock, its personas
# (beneficiaries with a known behaviour), and leave to write.
ADMIN, CLOCK, PERSONAS, WRITES = "admin plane", "mock clock", "personas", "writes"
TENANT_HEADER = "X-Osigu-Mock-Tenant"


class Connection:
    def __init__(
        self,
        target: Target,
        *,
        client: httpx2.Client | None = None,
        on_response: Callable[[httpx2.Response], None] | None = None,
        on_webhook: Callable[[str, bytes], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        own_tenant: bool = False,
    ) -> None:
        self.target = target
        self._want_tenant = own_tenant or target.kind == "url"
        self._client = client
        self._on_response = on_response
        # What the flows' webhook receiver got (event type, raw body), for the same comparison as the answers.
        self.on_webhook = on_webhook or (lambda event_type, body: None)
        self._sleep = sleep
        self._sessions: dict[str, PoliteSession] = {}
        self.credentials = dict(target.credentials)
        self.is_mock = target.kind == "inprocess"
        self.capabilities: set[str] = set()
        self.tenant: str | None = None
        self._raw: PoliteSession | None = None
        # One window of 50 requests a minute for every session of this run (they share the target's budget).
        self._throttle = Throttle(50, clock=time.monotonic, sleep=sleep)

    # -- opening ----------------------------------------------------------------------------------------
    def open(self) -> Connection:
        raw = self._new_session("", "", polite=self.target.polite)
        health = raw.send("GET", "/healthz")
        if self.target.kind != "sandbox" and _json(health).get("service") == "osigu-mock":
            self.is_mock = True
        if self.is_mock and self.target.polite:
            raw.close()
            raw = self._new_session("", "", polite=False)
        self._raw = raw
        if self.is_mock and self._raw.send("GET", "/__admin/world", headers=admin_headers()).status_code == 200:
            self.capabilities |= {ADMIN, CLOCK, PERSONAS}
            if self._want_tenant:
                self._own_tenant()
        if self.is_mock or self.target.allow_writes:
            self.capabilities.add(WRITES)
        return self

    def _own_tenant(self) -> None:
        answer = self.admin("POST", "/__admin/tenants", json={})
        if answer.status_code != 201:
            return
        body = answer.json()
        # A tenant's clients are the demo clients under new names: demo-clinic.<tenant id>, and so on.
        by_demo_name = {c["client_id"].split(".")[0]: c for c in body["clients"]}
        for role, (_, demo_client_id) in DEMO_CLIENTS.items():
            client = by_demo_name.get(demo_client_id)
            if client is not None:
                self.credentials[role] = (client["client_id"], client["client_secret"])
        self.tenant = body["tenant_id"]

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
        if self._raw is not None and self._client is None:
            self._raw.close()

    def __enter__(self) -> Connection:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- using it ---------------------------------------------------------------------------------------
    def drain(self) -> None:
        """Wait until this run's requests have left the throttle's window (none on the mock): before the fuzzer,
        whose own limiter keeps the same 50 a minute, takes over."""
        if not self.is_mock:
            self._throttle.drain()

    def has(self, need: str) -> bool:
        return need in self.capabilities

    def session(self, role: str) -> PoliteSession:
        """The session of the role's client: one per client, so one token per client and run."""
        client_id, secret = self.credentials[role]
        session = self._sessions.get(client_id)
        if session is None:
            session = self._sessions[client_id] = self._new_session(client_id, secret, polite=not self.is_mock)
        return session

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """A call to the mock's control plane, in the kit's tenant."""
        assert self._raw is not None, "open the connection first"
        headers = {
            **admin_headers(),
            **(kwargs.pop("headers", None) or {}),
            **({TENANT_HEADER: self.tenant} if self.tenant else {}),
        }
        return self._raw.send(method, path, headers=headers, **kwargs)

    def public(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """A call without the bearer token (the token endpoint with other credentials, a public route)."""
        assert self._raw is not None, "open the connection first"
        return self._raw.send(method, path, **kwargs)

    def _new_session(self, client_id: str, secret: str, *, polite: bool) -> PoliteSession:
        return PoliteSession(
            self.target.base_url or "http://osigu-mock.inprocess",
            client_id,
            secret,
            polite=polite,
            throttle=self._throttle if polite else None,
            client=self._client,
            on_response=self._on_response,
            sleep=self._sleep,
        )


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
