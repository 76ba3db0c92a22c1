"""A TestClient that checks every response it receives against the contract: its status and schema, and that it
names no field the contract does not (the same field names as OSIGU's, contracts/README.md)."""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.testclient import TestClient

from mock_server.kit import ResponseChecker
from mock_server.kit.drift import Drift

DEMO_SECRETS = {
    "demo-clinic": "demo-clinic-secret",
    "demo-pharmacy": "demo-pharmacy-secret",
    "demo-pharmacy-do": "demo-pharmacy-do-secret",
    "demo-doctors-office": "demo-doctors-office-secret",
    "demo-doctors-office-es": "demo-doctors-office-es-secret",
    "demo-readonly": "demo-readonly-secret",
}


@cache
def checker() -> ResponseChecker:
    return ResponseChecker()


@cache
def drift() -> Drift:
    return Drift()


def unnamed_fields(method: str, path: str, status: int, content_type: str, body: bytes) -> list[str]:
    """The fields of a JSON answer that its contract does not name (the drift walk's ``new-field`` facts)."""
    if not content_type.startswith("application/json") or not body:
        return []
    walker = drift()
    before = {key: entry.seen for key, entry in walker.entries.items() if entry.aspect == "new-field"}
    walker.observe(method, path, status, body)
    found = [e for k, e in walker.entries.items() if e.aspect == "new-field" and e.seen > before.get(k, 0)]
    return [f"{method} {path} {status}: {e.field} is not named by the contract" for e in found]


class ContractViolation(AssertionError):
    pass


class CheckedClient(TestClient):
    """Every response is validated against its documented status and schema; a mismatch fails the test."""

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any):  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        problems = checker().check(
            method,
            response.request.url.path,
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
        )
        problems += unnamed_fields(
            method,
            response.request.url.path,
            response.status_code,
            response.headers.get("content-type", ""),
            response.content,
        )
        if problems:
            raise ContractViolation("\n".join(problems))
        return response

    def token(self, client_id: str = "demo-clinic", secret: str | None = None) -> str:
        response = self.post(
            "/v1/oauth/token",
            auth=(client_id, secret or DEMO_SECRETS[client_id]),
            data={"grant_type": "client_credentials"},
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def bearer(self, client_id: str = "demo-clinic") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(client_id)}"}


def error_of(response) -> tuple[int, str, list[str]]:
    """An error response as (status, code, its errors' paths sorted): the order of errors[] is not in the contract."""
    body = response.json()
    return response.status_code, body["code"], sorted(e["path"] for e in body["errors"])
