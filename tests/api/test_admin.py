from __future__ import annotations

import time

import pytest

from mock_server.app import create_app
from mock_server.core.clock import format_instant, parse_instant
from mock_server.settings import Settings
from tests.support.clients import CheckedClient, error_of

OTP_REQUEST = {"beneficiary_id": 1000007, "sponsor_slug": "sponsor-sandbox-do", "channel": "SMS"}


def test_world_lists_every_demo_client_in_the_pinned_shape(client):
    world = client.get("/__admin/world").json()
    clients = {c["client_id"]: c for c in world["clients"]}
    assert set(clients) == {
        "demo-clinic",
        "demo-pharmacy",
        "demo-pharmacy-do",
        "demo-doctors-office",
        "demo-doctors-office-es",
        "demo-readonly",
    }
    kinds = {c["provider_slug"]: c["provider_kind"] for c in world["clients"]}
    assert kinds["clinic-example"] == "CLINIC" and kinds["pharmacy-example"] == "PHARMACY"
    assert clients["demo-doctors-office-es"]["country_code"] == "ES"
    assert (
        clients["demo-pharmacy-do"]["country_code"] == "DO"
        and clients["demo-pharmacy-do"]["provider_kind"] == "PHARMACY"
    )
    assert clients["demo-readonly"]["scope"] == "ehr:read"
    assert clients["demo-clinic"]["scope"] == "arc:read arc:write dispensing:read dispensing:write ehr:read ehr:write"
    for key in ("sponsors", "personas", "products"):
        assert isinstance(world[key], list)


def test_every_client_in_the_world_can_get_a_token(client):
    for entry in client.get("/__admin/world").json()["clients"]:
        response = client.post(
            "/v1/oauth/token",
            auth=(entry["client_id"], entry["client_secret"]),
            data={"grant_type": "client_credentials"},
        )
        assert response.json()["scope"] == entry["scope"]


def test_clock_can_be_read_set_frozen_and_advanced(client):
    assert client.get("/__admin/clock").json()["frozen"] is True
    response = client.post("/__admin/clock", json={"now": "2027-01-01T00:00:00Z"})
    assert response.json()["now"] == "2027-01-01T00:00:00.000Z"
    advanced = client.post("/__admin/clock/advance", json={"seconds": 90.5}).json()
    assert advanced["now"] == "2027-01-01T00:01:30.500Z"
    thawed = client.post("/__admin/clock", json={"frozen": False}).json()
    assert thawed["frozen"] is False
    assert parse_instant(client.get("/__admin/clock").json()["now"]) >= parse_instant("2027-01-01T00:01:30.500Z")


def test_advance_fires_due_timers_in_order_and_reports_them(client):
    client.token("demo-clinic")
    client.post("/__admin/clock/advance", json={"seconds": 10})
    client.token("demo-pharmacy")
    timers = client.get("/__admin/timers").json()["content"]
    assert [t["payload"]["client_id"] for t in timers] == ["demo-clinic", "demo-pharmacy"]
    fired = client.post("/__admin/clock/advance", json={"seconds": 3600}).json()["fired"]
    assert [t["payload"]["client_id"] for t in fired] == ["demo-clinic", "demo-pharmacy"]
    assert fired[0]["due_at"] < fired[1]["due_at"]
    assert client.get("/__admin/timers").json()["page"]["total_elements"] == 0


def test_advancing_past_expiry_revokes_the_token(client, sandbox):
    token = client.token()
    assert sandbox.authenticate(token)
    client.post("/__admin/clock/advance", json={"seconds": 3600})
    with pytest.raises(Exception, match="MOCK-401"):
        sandbox.authenticate(token)


def test_reset_clears_the_journal_rate_counters_outbox_and_deliveries(client):
    tokens = [client.token() for _ in range(10)]
    client.post("/otp/generate", json=OTP_REQUEST, headers={"Authorization": f"Bearer {tokens[0]}"})
    client.post("/__admin/clock/advance", json={"seconds": 5})
    assert client.get("/__admin/journal").json()["page"]["total_elements"] > 0
    assert client.get("/__admin/outbox").json()["page"]["total_elements"] == 1
    response = client.post("/__admin/reset")
    assert response.status_code == 200 and response.json()["tenant_id"] == "default"
    assert client.get("/__admin/journal").json()["page"]["total_elements"] == 0
    assert client.get("/__admin/outbox").json()["page"]["total_elements"] == 0
    timers = client.get("/__admin/timers").json()["content"]
    assert {t["action"] for t in timers} <= {"oauth.token-expire"}  # the OTP's expiry is gone
    client.token()  # the clinic's token rate window was cleared


def test_reset_keeps_clients_tokens_and_subscriptions_with_their_secrets(client):
    created = client.post("/__admin/clients", json={"provider_slug": "pharmacy-example"}).json()
    auth = client.bearer("demo-clinic")
    subscription = client.post(
        "/webhooks/v1/subscriptions", json={"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}, headers=auth
    ).json()
    assert client.post("/__admin/reset").status_code == 200
    [kept] = client.get("/webhooks/v1/subscriptions", headers=auth).json()["content"]  # the same token works
    assert kept == subscription
    client.token(created["client_id"], created["client_secret"])
    another = client.post(
        "/webhooks/v1/subscriptions", json={"url": "http://127.0.0.1:9/other", "event_types": ["*"]}, headers=auth
    ).json()
    assert another["id"] != subscription["id"]  # ids continue past what the reset kept


def test_reset_of_everything_revokes_tokens_and_deletes_subscriptions_but_keeps_clients(client):
    created = client.post("/__admin/clients", json={"provider_slug": "pharmacy-example"}).json()
    auth = client.bearer("demo-clinic")
    client.post("/webhooks/v1/subscriptions", json={"url": "http://127.0.0.1:9/h", "event_types": ["*"]}, headers=auth)
    assert client.post("/__admin/reset?everything=true").status_code == 200
    refused = client.get("/webhooks/v1/subscriptions", headers=auth)
    assert error_of(refused) == (401, "MOCK-401-invalid-token", [])
    fresh = client.bearer("demo-clinic")
    assert client.get("/webhooks/v1/subscriptions", headers=fresh).json()["content"] == []
    client.token(created["client_id"], created["client_secret"])


def test_reset_with_an_unknown_everything_value_is_400(client):
    response = client.post("/__admin/reset?everything=yes")
    assert error_of(response) == (400, "MOCK-400-invalid-parameter", ["everything"])


def test_reset_puts_the_clock_back_to_wall_time(client):
    wall = time.time()
    client.post("/__admin/clock", json={"now": format_instant(wall + 5 * 365 * 86400)})
    now = parse_instant(client.post("/__admin/reset").json()["now"])
    assert abs(now - wall) < 60


def test_journal_records_requests_newest_first_and_filters(client):
    client.token("demo-clinic")
    client.post("/v1/oauth/token", auth=("demo-clinic", "bad"), data={"grant_type": "client_credentials"})
    client.get("/arc/v1/nothing")
    entries = client.get("/__admin/journal").json()["content"]
    assert [e["status"] for e in entries] == [404, 401, 200]
    assert entries[1]["client_id"] == "demo-clinic" and entries[1]["error_code"] == "MOCK-401-invalid-client"
    assert entries[0]["request_id"]
    assert [e["status"] for e in client.get("/__admin/journal?status=401").json()["content"]] == [401]
    assert len(client.get("/__admin/journal?path=/v1/oauth/*").json()["content"]) == 2
    assert len(client.get("/__admin/journal?path=/v1/oauth/token&client_id=demo-clinic").json()["content"]) == 2
    assert client.get("/__admin/journal?client_id=demo-pharmacy").json()["content"] == []


def test_journal_is_paginated(client):
    for _ in range(5):
        client.get("/arc/v1/nothing")
    page = client.get("/__admin/journal?size=2&page=1").json()
    assert page["page"] == {"size": 2, "total_elements": 5, "total_pages": 3, "number": 1}
    assert {link["rel"] for link in page["links"]} == {"self", "first", "prev", "next", "last"}


def test_journal_is_a_bounded_ring():
    app = create_app(Settings(frozen_clock=True, journal_size=3))
    with CheckedClient(app) as client:
        for _ in range(5):
            client.get("/arc/v1/nothing")
        assert client.get("/__admin/journal").json()["page"]["total_elements"] == 3


def test_new_client_has_the_chosen_scopes(client):
    response = client.post("/__admin/clients", json={"provider_slug": "clinic-example", "scope": "arc:read ehr:read"})
    assert response.status_code == 201
    created = response.json()
    assert created["provider_kind"] == "CLINIC" and created["tenant_id"] == "default"
    token = client.post(
        "/v1/oauth/token",
        auth=(created["client_id"], created["client_secret"]),
        data={"grant_type": "client_credentials"},
    ).json()
    assert token["scope"] == "arc:read ehr:read"


def test_a_taken_client_id_is_409_and_the_first_client_keeps_its_secret(client):
    body = {"provider_slug": "clinic-example", "client_id": "my-ci-client", "client_secret": "shh"}
    assert client.post("/__admin/clients", json=body).status_code == 201
    again = client.post("/__admin/clients", json={**body, "client_secret": "other"})
    assert error_of(again) == (409, "MOCK-409-client-exists", ["client_id"])
    assert client.token("my-ci-client", "shh")


def test_a_demo_client_id_is_taken_too(client):
    response = client.post("/__admin/clients", json={"provider_slug": "clinic-example", "client_id": "demo-clinic"})
    assert error_of(response) == (409, "MOCK-409-client-exists", ["client_id"])


def test_new_client_for_an_unknown_provider_is_422(client):
    response = client.post("/__admin/clients", json={"provider_slug": "nowhere"})
    assert error_of(response) == (422, "MOCK-422-unknown-provider", ["provider_slug"])


def test_unknown_tenant_header_is_404(client):
    response = client.get("/__admin/world", headers={"X-Osigu-Mock-Tenant": "nope"})
    assert error_of(response) == (404, "MOCK-404-tenant-not-found", [])


def test_no_admin_removes_the_control_plane_and_its_contract():
    with CheckedClient(create_app(Settings(admin_enabled=False))) as client:
        assert error_of(client.get("/__admin/world")) == (404, "MOCK-404-route-not-found", [])
        assert error_of(client.post("/__admin/reset")) == (404, "MOCK-404-route-not-found", [])
        paths = client.get("/openapi.json").json()["paths"]
        assert not [p for p in paths if p.startswith("/__admin")]
        assert "/v1/oauth/token" in paths


def test_admin_token_protects_the_control_plane():
    with CheckedClient(create_app(Settings(admin_token="s3cret"))) as client:
        assert error_of(client.get("/__admin/world")) == (401, "MOCK-401-admin-token", [])
        wrong = client.get("/__admin/world", headers={"Authorization": "Bearer wrong"})
        assert error_of(wrong) == (401, "MOCK-401-admin-token", [])
        assert client.get("/__admin/world", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/healthz").status_code == 200
