"""Which server the contract suite checks, chosen by environment variables.

    OSIGU_CONTRACT_TARGET=inprocess   (default) the app in process, no socket
    OSIGU_CONTRACT_TARGET=url         a served mock: OSIGU_CONTRACT_URL (default http://127.0.0.1:8080)
    OSIGU_CONTRACT_TARGET=sandbox     OSIGU_BASE_URL (default https://sandbox.osigu.com), with
                                      OSIGU_CLIENT_ID / OSIGU_CLIENT_SECRET, as `osigu-mock contract
                                      --target sandbox` (mock_server.kit.target); skipped cleanly
                                      without them; the production host is refused

Remote targets are loaded from the file form (contracts/openapi.yaml, refs resolved from disk), so
the suite also proves that form works; they cache one token for 50 minutes as OSIGU advises. A served
mock is checked whole, its control plane included, as a new user running schemathesis against its
/openapi.json would; the fuzzer's token then belongs to a tenant of its own, so what the fuzzer does to
the default tenant (reset, clock moves) leaves it alone. The real sandbox leaves out the mock's own
routes and is held to its 50 requests per minute.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass

import httpx2

from mock_server.core.resources import contracts_dir
from mock_server.kit.target import select_target

TOKEN_LIFETIME = 50 * 60


@dataclass
class Target:
    kind: str
    base_url: str | None
    client_id: str
    client_secret: str
    skip_reason: str | None = None

    @property
    def remote(self) -> bool:
        return self.kind != "inprocess"

    @property
    def excluded_tags(self) -> list[str]:
        if self.kind == "sandbox":
            return ["admin", "meta"]
        return []

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()


def select() -> Target:
    kind = os.environ.get("OSIGU_CONTRACT_TARGET", "inprocess").strip().lower()
    if kind == "inprocess":
        return Target("inprocess", None, "demo-clinic", "demo-clinic-secret")
    if kind == "url":
        return Target(
            "url",
            os.environ.get("OSIGU_CONTRACT_URL", "http://127.0.0.1:8080").rstrip("/"),
            os.environ.get("OSIGU_CLIENT_ID", "demo-clinic"),
            os.environ.get("OSIGU_CLIENT_SECRET", "demo-clinic-secret"),
        )
    if kind == "sandbox":
        sandbox = select_target("sandbox")
        client_id, secret = sandbox.credentials["clinic"]
        return Target("sandbox", sandbox.base_url, client_id, secret, sandbox.skip_reason)
    raise ValueError(f"OSIGU_CONTRACT_TARGET must be inprocess, url or sandbox, not {kind!r}")


def contract_file() -> str:
    return str(contracts_dir() / "openapi.yaml")


class RemoteTokens:
    """One token per run, fetched over HTTP and kept for 50 minutes."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._token: str | None = None
        self._fetched = 0.0

    def get(self) -> str:
        if self._token is None or time.monotonic() - self._fetched > TOKEN_LIFETIME:
            response = httpx2.post(
                f"{self.target.base_url}/v1/oauth/token",
                headers={"Authorization": self._credentials()},
                data={"grant_type": "client_credentials"},
                timeout=30,
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
            self._fetched = time.monotonic()
        return self._token

    def _credentials(self) -> str:
        """The target's client; on a served mock, the same provider's client in a tenant of the suite's own."""
        if self.target.kind != "url":
            return self.target.basic()
        tenant = httpx2.post(f"{self.target.base_url}/__admin/tenants", json={}, timeout=30).raise_for_status()
        client = next(c for c in tenant.json()["clients"] if c["client_id"].startswith(f"{self.target.client_id}."))
        return "Basic " + base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
