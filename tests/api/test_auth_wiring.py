"""The bearer-token guard on the real app's protected routes: every token error code, its status and its
``WWW-Authenticate`` challenge (RFC 6750), and the scope table (contracts/README.md, "Auth")."""

from __future__ import annotations

import base64

import pytest

from tests.support.clients import DEMO_SECRETS

# One protected route per scope it needs (no /dispensing route is served yet).
ROUTES = [
    ("GET", "/v1/sponsors", "arc:read"),
    ("POST", "/arc/v1/authorization-requests", "arc:write"),
    ("GET", "/ehr/v1/patients", "ehr:read"),
    ("POST", "/ehr/v1/patients", "ehr:write"),
    ("GET", "/webhooks/v1/subscriptions", "*"),
]
INVALID = 'Bearer error="invalid_token", error_description="Malformed or unknown access token"'
MISSING = 'Bearer error="invalid_token", error_description="No access token was sent"'
EXPIRED = 'Bearer error="invalid_token", error_description="The access token expired"'


def refusal(response) -> tuple[int, str, list[str], str]:
    body = response.json()
    return response.status_code, body["code"], [e["path"] for e in body["errors"]], response.headers["www-authenticate"]


def call(client, method: str, path: str, headers: dict | None = None):
    return client.request(method, path, headers=headers or {}, json={} if method == "POST" else None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path", "scope"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_no_token_is_401_missing_token_with_its_challenge(client, method, path, scope):
    assert refusal(call(client, method, path)) == (401, "MOCK-401-missing-token", [], MISSING)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Token abc",
        "Basic " + base64.b64encode(b"demo-clinic:demo-clinic-secret").decode(),
        "Bearer not-a-token",
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJjbGllbnRfaWQiOiJkZW1vLWNsaW5pYyJ9.c2lnbmF0dXJl",
    ],
    ids=["no-value", "other-scheme", "basic-credentials", "not-a-jwt", "forged-jwt"],
)
@pytest.mark.parametrize(("method", "path", "scope"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_a_malformed_or_unknown_token_is_401_invalid_token_with_its_challenge(
    client, method, path, scope, authorization
):
    response = call(client, method, path, {"Authorization": authorization})
    assert refusal(response) == (401, "MOCK-401-invalid-token", [], INVALID)


@pytest.mark.parametrize(("method", "path", "scope"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_a_token_past_its_exp_on_the_mock_clock_is_401_token_expired(client, method, path, scope):
    token = client.token("demo-clinic")
    client.post("/__admin/clock/advance", json={"seconds": 3599})
    assert call(client, method, path, bearer(token)).status_code != 401
    client.post("/__admin/clock/advance", json={"seconds": 1})  # exp: the tenant forgets the token now
    assert refusal(call(client, method, path, bearer(token))) == (401, "MOCK-401-token-expired", [], EXPIRED)
    client.post("/__admin/clock/advance", json={"seconds": 86400})  # and still a day later
    assert refusal(call(client, method, path, bearer(token)))[1] == "MOCK-401-token-expired"


def test_a_revoked_token_is_401_invalid_token(client):
    token = client.token("demo-clinic")
    client.post("/__admin/reset?everything=true")
    assert refusal(call(client, "GET", "/v1/sponsors", bearer(token))) == (401, "MOCK-401-invalid-token", [], INVALID)


@pytest.mark.parametrize(
    ("method", "path", "scope"), [r for r in ROUTES if not r[2].startswith("ehr")], ids=lambda v: str(v)
)
def test_a_token_without_the_scope_is_403_with_an_insufficient_scope_challenge(client, method, path, scope):
    readonly = bearer(client.token("demo-readonly"))  # ehr:read only
    response = call(client, method, path, readonly)
    if scope == "*":  # webhooks accept a token of any scope
        assert response.status_code == 200
        return
    status, code, paths, challenge = refusal(response)
    assert (status, code, paths) == (403, "MOCK-403-insufficient-scope", [])
    assert challenge == f'Bearer error="insufficient_scope", scope="{scope}"'
    assert scope in response.json()["message"] and "ehr:read" in response.json()["message"]


def test_reads_need_the_read_scope_and_writes_the_write_scope(client):
    created = client.post(
        "/__admin/clients", json={"provider_slug": "doctors-office-example", "scope": "ehr:write"}
    ).json()
    writer = bearer(client.token(created["client_id"], created["client_secret"]))
    read = call(client, "GET", "/ehr/v1/patients", writer)
    assert refusal(read)[:2] == (403, "MOCK-403-insufficient-scope") and 'scope="ehr:read"' in refusal(read)[3]
    assert call(client, "POST", "/ehr/v1/patients", writer).status_code == 422  # past the guard: the body


def test_the_provider_comes_from_the_token_not_from_the_request(client):
    for client_id in ("demo-clinic", "demo-pharmacy"):
        headers = {**bearer(client.token(client_id)), "X-Provider-Slug": "someone-else"}
        client.post(
            "/webhooks/v1/subscriptions",
            json={"url": f"http://127.0.0.1:9/{client_id}", "event_types": ["*"]},
            headers=headers,
        )
    clinic = client.get("/webhooks/v1/subscriptions", headers=bearer(client.token("demo-clinic"))).json()
    assert [s["url"] for s in clinic["content"]] == ["http://127.0.0.1:9/demo-clinic"]
    journal = client.get("/__admin/journal?path=/webhooks/v1/subscriptions").json()["content"]
    assert {(e["client_id"], e["provider_slug"]) for e in journal} >= {
        ("demo-clinic", "clinic-example"),
        ("demo-pharmacy", "pharmacy-example"),
    }


def test_the_demo_secrets_the_tests_use_are_the_worlds(client):
    world = {c["client_id"]: c["client_secret"] for c in client.get("/__admin/world").json()["clients"]}
    assert {k: world[k] for k in DEMO_SECRETS} == DEMO_SECRETS
