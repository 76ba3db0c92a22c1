"""The bearer-token guard every API route goes through, exercised over HTTP.

No scope-protected operation ships before the sponsor world, so this mounts probe routes built with
the same route builder (``api_route``) on the real app's sandbox.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from mock_server.api.http import api_route, render
from mock_server.app import _api_error
from mock_server.core.errors import ApiError
from mock_server.middleware import RequestContextMiddleware
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings
from tests.support.clients import DEMO_SECRETS


async def whoami(request, principal):
    return render({"provider_slug": principal.provider_slug, "client_id": principal.client_id})


@pytest.fixture
def probe():
    settings = Settings(frozen_clock=True)
    sandbox = Sandbox(settings)
    app = Starlette(
        routes=[api_route("/arc/v1/probe", get=whoami, post=whoami), api_route("/webhooks/v1/probe", get=whoami)],
        middleware=[Middleware(RequestContextMiddleware, sandbox=sandbox, settings=settings)],
        exception_handlers={ApiError: _api_error},
    )
    with TestClient(app) as client:
        client.sandbox = sandbox
        yield client


def bearer(probe, client_id, secret=None):
    issued = probe.sandbox.issue_token(client_id, secret or DEMO_SECRETS[client_id], "client_credentials")
    token = issued["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_provider_comes_from_the_token(probe):
    response = probe.get("/arc/v1/probe", headers=bearer(probe, "demo-pharmacy"))
    assert response.status_code == 200 and response.json()["provider_slug"] == "pharmacy-example"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "MOCK-401-missing-token"),
        ({"Authorization": "Bearer"}, "MOCK-401-invalid-token"),
        ({"Authorization": "Basic ZGVtbzp4"}, "MOCK-401-invalid-token"),
        ({"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}, "MOCK-401-invalid-token"),
    ],
)
def test_missing_malformed_or_unknown_token_is_401(probe, headers, code):
    response = probe.get("/arc/v1/probe", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == code
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_expired_token_is_401_after_the_clock_passes_exp(probe):
    headers = bearer(probe, "demo-clinic")
    probe.sandbox.ledger().clock.advance(3600)
    assert probe.get("/arc/v1/probe", headers=headers).status_code == 401


def test_token_without_the_scope_is_403(probe):
    headers = bearer(probe, "demo-readonly")  # ehr:read only
    response = probe.get("/arc/v1/probe", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "MOCK-403-insufficient-scope"


def test_reads_need_read_and_writes_need_write(probe):
    client = probe.sandbox.create_client("default", "clinic-example", "arc:read")
    headers = bearer(probe, client.client_id, client.client_secret)
    assert probe.get("/arc/v1/probe", headers=headers).status_code == 200
    assert probe.post("/arc/v1/probe", headers=headers).status_code == 403


def test_webhook_routes_accept_any_scope(probe):
    assert probe.get("/webhooks/v1/probe", headers=bearer(probe, "demo-readonly")).status_code == 200
