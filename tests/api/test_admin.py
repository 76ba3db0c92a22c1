from __future__ import annotations

import pytest

from mock_server.app import create_app
from mock_server.core.clock import parse_instant
from mock_server.settings import Settings
from tests.support.clients import CheckedClient


def test_world_lists_every_demo_client_in_the_pinned_shape(client):
    world = client.get("/__admin/world").json()
    clients = {c["client_id"]: c for c in world["clients"]}
    assert set(clients) == {
        "demo-clinic",
        "demo-pharmacy",
        "demo-doctors-office",
        "demo-doctors-office-es",
        "demo-readonly",
    }
    kinds = {c["provider_slug"]: c["provider_kind"] for c in world["clients"]}
    assert kinds["clinic-example"] == "CLINIC" and kinds["pharmacy-example"] == "PHARMACY"
    assert clients["demo-doctors-office-es"]["country_code"] == "ES"
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


def test_reset_clears_tokens_journal_and_rate_counters_but_keeps_clients(client, sandbox):
    created = client.post("/__admin/clients", json={"provider_slug": "pharmacy-example"}).json()
    for _ in range(10):
        client.token()
    client.post("/__admin/clock/advance", json={"seconds": 5})
    assert client.get("/__admin/journal").json()["page"]["total_elements"] == 10
    token = client.token("demo-pharmacy")
    response = client.post("/__admin/reset")
    assert response.status_code == 200 and response.json()["tenant_id"] == "default"
    assert client.get("/__admin/journal").json()["page"]["total_elements"] == 0
    assert client.get("/__admin/timers").json()["page"]["total_elements"] == 0
    with pytest.raises(Exception, match="MOCK-401"):
        sandbox.authenticate(token)
    client.token()  # the rate window of the clinic was cleared
    client.token(created["client_id"], created["client_secret"])


def test_reset_puts_the_clock_back_to_wall_time(client):
    client.post("/__admin/clock", json={"now": "2030-01-01T00:00:00Z"})
    now = client.post("/__admin/reset").json()["now"]
    assert now < "2030"


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


def test_new_client_with_chosen_credentials_and_a_taken_id(client):
    body = {"provider_slug": "clinic-example", "client_id": "my-ci-client", "client_secret": "shh"}
    assert client.post("/__admin/clients", json=body).status_code == 201
    assert client.post("/__admin/clients", json=body).status_code == 422
    assert client.token("my-ci-client", "shh")


def test_new_client_for_an_unknown_provider_is_422(client):
    response = client.post("/__admin/clients", json={"provider_slug": "nowhere"})
    assert response.status_code == 422 and response.json()["code"] == "MOCK-422-unknown-provider"


def test_unknown_tenant_header_is_404(client):
    response = client.get("/__admin/world", headers={"X-Osigu-Mock-Tenant": "nope"})
    assert response.status_code == 404 and response.json()["code"] == "MOCK-404-tenant-not-found"


def test_no_admin_removes_the_control_plane_and_its_contract():
    with CheckedClient(create_app(Settings(admin_enabled=False))) as client:
        assert client.get("/__admin/world").status_code == 404
        assert client.post("/__admin/reset").status_code == 404
        paths = client.get("/openapi.json").json()["paths"]
        assert not [p for p in paths if p.startswith("/__admin")]
        assert "/v1/oauth/token" in paths


def test_admin_token_protects_the_control_plane():
    with CheckedClient(create_app(Settings(admin_token="s3cret"))) as client:
        assert client.get("/__admin/world").status_code == 401
        assert (
            client.get("/__admin/world", headers={"Authorization": "Bearer wrong"}).json()["code"]
            == "MOCK-401-admin-token"
        )
        assert client.get("/__admin/world", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/healthz").status_code == 200
