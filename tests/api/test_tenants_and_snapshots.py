from __future__ import annotations

import pytest

from mock_server.core.clock import format_instant, parse_instant
from tests.support.flows import complete, ready_request, schema_body
from tests.support.prescribing import CO_OFFICE, PATIENTS, issue, v1_body, v11_body
from tests.support.state import fingerprint

V1_KEYS = {
    "format",
    "version",
    "seed",
    "tenant_id",
    "exported_at",
    "clock",
    "ids",
    "timers",
    "tokens",
    "registrations",
    "subscriptions",
    "deliveries",
}


def token_for(client, entry):
    response = client.post(
        "/v1/oauth/token", auth=(entry["client_id"], entry["client_secret"]), data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_new_tenant_gets_fresh_clients_for_every_demo_provider(client):
    response = client.post("/__admin/tenants")
    assert response.status_code == 201
    tenant = response.json()
    demo = {c["provider_slug"] for c in client.get("/__admin/world").json()["clients"]}
    assert {c["provider_slug"] for c in tenant["clients"]} == demo
    assert all(c["tenant_id"] == tenant["tenant_id"] for c in tenant["clients"])
    assert not {c["client_id"] for c in tenant["clients"]} & {"demo-clinic", "demo-pharmacy"}
    world = client.get("/__admin/world", headers={"X-Osigu-Mock-Tenant": tenant["tenant_id"]}).json()
    assert {c["client_id"] for c in world["clients"]} == {c["client_id"] for c in tenant["clients"]}
    assert world["personas"] == client.get("/__admin/world").json()["personas"]


def test_a_registration_on_one_tenant_is_invisible_on_another(client):
    tenant = client.post("/__admin/tenants", json={"tenant_id": "ci-job-1"}).json()
    clinic = next(c for c in tenant["clients"] if c["provider_slug"] == "clinic-example")
    theirs, ours = token_for(client, clinic), client.bearer("demo-clinic")
    client.delete("/arc/v1/providers/products/MED-042", headers=theirs)
    assert client.get("/arc/v1/providers/products?query=MED-042", headers=theirs).json()["content"] == []
    assert client.get("/arc/v1/providers/products?query=MED-042", headers=ours).json()["content"]


def test_reset_of_one_tenant_leaves_the_other(client, sandbox):
    tenant = client.post("/__admin/tenants", json={"tenant_id": "ci-job-2"}).json()
    clinic = next(c for c in tenant["clients"] if c["provider_slug"] == "clinic-example")
    theirs, ours = token_for(client, clinic), client.bearer("demo-clinic")
    client.delete("/arc/v1/providers/products/MED-042", headers=theirs)
    client.delete("/arc/v1/providers/products/MED-042", headers=ours)
    client.post("/__admin/reset", headers={"X-Osigu-Mock-Tenant": "ci-job-2"})
    theirs = token_for(client, clinic)  # the reset revoked the tenant's tokens
    assert client.get("/arc/v1/providers/products?query=MED-042", headers=theirs).json()["content"]
    assert client.get("/arc/v1/providers/products?query=MED-042", headers=ours).json()["content"] == []


def test_each_tenant_has_its_own_clock(client):
    client.post("/__admin/tenants", json={"tenant_id": "ci-job-3"})
    default = parse_instant(client.get("/__admin/clock").json()["now"])
    later = format_instant(default + 3 * 365 * 86400)
    client.post("/__admin/clock", json={"now": later}, headers={"X-Osigu-Mock-Tenant": "ci-job-3"})
    assert client.get("/__admin/clock", headers={"X-Osigu-Mock-Tenant": "ci-job-3"}).json()["now"] == later
    assert parse_instant(client.get("/__admin/clock").json()["now"]) == default


def test_a_tenant_id_cannot_be_taken_twice(client):
    assert client.post("/__admin/tenants", json={"tenant_id": "dup"}).status_code == 201
    taken = client.post("/__admin/tenants", json={"tenant_id": "dup"}).json()
    assert (taken["code"], [e["path"] for e in taken["errors"]]) == ("MOCK-409-tenant-exists", ["tenant_id"])
    bad = client.post("/__admin/tenants", json={"tenant_id": "bad id!"})
    assert (bad.status_code, bad.json()["code"]) == (422, "MOCK-422-validation-failed")
    assert [e["path"] for e in bad.json()["errors"]] == ["tenant_id"]


def test_snapshot_round_trip_restores_registrations_tokens_and_clock(client):
    client.post("/__admin/clock", json={"now": "2027-03-01T10:00:00Z"})
    auth = client.bearer("demo-clinic")
    client.delete("/arc/v1/providers/products/MED-042", headers=auth)
    snapshot = client.get("/__admin/snapshot").json()
    client.post("/__admin/reset")
    assert (
        client.get("/arc/v1/providers/products?query=MED-042", headers=client.bearer("demo-pharmacy")).status_code
        == 200
    )
    restored = client.post("/__admin/snapshot", json=snapshot)
    assert restored.status_code == 200 and restored.json()["now"] == "2027-03-01T10:00:00.000Z"
    # the token issued before the export works again, and the removal is back
    assert client.get("/arc/v1/providers/products?query=MED-042", headers=auth).json()["content"] == []
    assert client.get("/__admin/snapshot").json()["registrations"] == snapshot["registrations"]


def test_a_snapshot_exports_again_as_it_was_imported(client):
    snapshot = client.get("/__admin/snapshot").json()
    client.post("/__admin/snapshot", json=snapshot)
    again = client.get("/__admin/snapshot").json()
    assert {k: v for k, v in again.items() if k != "exported_at"} == {
        k: v for k, v in snapshot.items() if k != "exported_at"
    }


def test_a_restore_onto_changed_state_drops_the_change_and_ids_follow_the_restored_ones(client):
    clinic = client.bearer("demo-clinic")
    kept = ready_request(client, clinic, schema_body())
    snapshot = client.get("/__admin/snapshot").json()
    # changed after the export: two more requests (one completed: an authorization and its expiry timer)
    # and a removed registration
    dropped = [ready_request(client, clinic, schema_body())["id"] for _ in range(2)]
    assert client.post(f"/arc/v1/authorization-requests/{dropped[0]}/complete", headers=clinic).status_code == 200
    client.delete("/arc/v1/providers/products/LAB-HEMO", headers=clinic)
    assert client.post("/__admin/snapshot", json=snapshot).status_code == 200
    # the discarded change left nothing pending: the timers are the snapshot's, not a merge of both
    timers = client.get("/__admin/timers?size=100").json()["content"]
    assert sorted(t["id"] for t in timers) == sorted(t["id"] for t in snapshot["timers"])
    assert not [t for t in timers if t["action"] == "authorization.expire"]
    for request_id in dropped:
        gone = client.get(f"/arc/v1/authorization-requests/{request_id}", headers=clinic)
        assert (gone.status_code, gone.json()["code"]) == (404, "MOCK-404-authorization-request-not-found")
    assert client.get("/arc/v1/providers/products?query=LAB-HEMO", headers=clinic).json()["content"]
    # the next request takes the id after the restored one, which the discarded change had used
    following = ready_request(client, clinic, schema_body())
    assert following["id"] == kept["id"] + 1 == dropped[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda s: {**s, "seed": s["seed"] + 1},
        lambda s: {**s, "format": "something-else"},
        lambda s: {
            **s,
            "timers": [{"id": "t", "due": 1, "action": "no.such.action", "payload": {}, "description": ""}],
        },
        lambda s: {k: v for k, v in s.items() if k != "clock"},
    ],
    ids=["other-seed", "other-format", "unknown-timer", "missing-clock"],
)
def test_a_bad_snapshot_is_422_and_changes_nothing(client, sandbox, change):
    client.token()
    before = fingerprint(sandbox)
    snapshot = client.get("/__admin/snapshot").json()
    response = client.post("/__admin/snapshot", json=change(snapshot))
    assert response.status_code == 422
    assert fingerprint(sandbox) == before


def test_snapshot_round_trip_restores_prescriptions_patients_authorizations_and_the_outbox(client):
    clinic, office = client.bearer("demo-clinic"), client.bearer(CO_OFFICE)
    created = ready_request(client, clinic, schema_body())
    [authorization] = complete(client, clinic, created["id"]).json()["authorizations"]
    patient = client.post(
        PATIENTS,
        json={
            "first_name": "ANA",
            "last_name": "PEREZ",
            "document_type": "CC",
            "document_number": "55667788",
            "date_of_birth": "1990-04-11",
            "email": "ana@example.com",
        },
        headers=office,
    ).json()
    rx = issue(client, office, "v1.1", v11_body(patient["patient_id"]))
    client.post(f"/ehr/v1/prescriptions/{rx['id']}/email", headers=office)
    snapshot = client.get("/__admin/snapshot").json()
    assert snapshot["version"] == 2
    client.post("/__admin/reset")
    assert client.get(f"/__admin/explain?code={rx['code']}").status_code == 404

    assert client.post("/__admin/snapshot", json=snapshot).status_code == 200
    assert client.get(f"/ehr/v1/prescriptions/{rx['id']}", headers=office).json() == rx
    assert (
        client.get(f"/arc/v1/authorizations/{authorization['id']}", headers=clinic).json()["code"]
        == (authorization["code"])
    )
    assert client.get(f"{PATIENTS}?document_number=55667788", headers=office).json()["content"] == [patient]
    assert client.get(f"/__admin/explain?code={rx['code']}").json()["code_type"] == "PRESCRIPTION"
    [email] = client.get("/__admin/outbox?kind=EMAIL").json()["content"]
    assert email["to"] == "ana@example.com"
    # the prescription's expiry timer came back with it, and new records continue the sequences
    assert any(t["action"] == "prescription.expire" for t in client.get("/__admin/timers").json()["content"])
    assert issue(client, office, "v1", v1_body())["id"] == rx["id"] + 1


def test_a_version_1_snapshot_still_restores_and_keeps_the_seeded_patients(client):
    office = client.bearer(CO_OFFICE)
    snapshot = client.get("/__admin/snapshot").json()
    legacy = {k: v for k, v in snapshot.items() if k in V1_KEYS} | {"version": 1}
    assert client.post("/__admin/snapshot", json=legacy).status_code == 200
    assert client.get(f"{PATIENTS}?document_number=1000000001", headers=office).json()["content"]


def test_dispensations_claims_and_monitors_travel_in_a_snapshot_with_their_timers(client):
    """A STARTED dispensation and a PENDING claim monitor, exported and imported onto a reset tenant: both
    are back, and their timers still fire (the monitor completes at 10 s, the dispensation times out at 30 min)."""
    from tests.support.redeeming import DISPENSATIONS, OUTPATIENT, authorize

    clinic, pharmacy = client.bearer("demo-clinic"), client.bearer("demo-pharmacy")
    code = authorize(client, clinic)["code"]
    started = client.post(DISPENSATIONS, json={"code": code}, headers=pharmacy).json()
    body = {
        "beneficiary_id": 1000001,
        "sponsor_slug": "sponsor-sandbox",
        "doctor_medical_license_number": "MP-12345",
        "doctor_country_code": "CO",
        "doctor_name": "Dra. Ana Pérez",
        "diagnoses": [{"coding_system": "ICD-10", "code": "R51"}],
        "line_items": [{"product_code": "LAB-HEMO", "quantity": 1}],
    }
    monitor = client.post(OUTPATIENT, json=body, headers=clinic).json()["monitor_resource"]["id"]
    snapshot = client.get("/__admin/snapshot").json()
    client.post("/__admin/reset")
    assert client.get(f"{DISPENSATIONS}/{started['dispensation_id']}", headers=pharmacy).status_code == 404
    assert client.post("/__admin/snapshot", json=snapshot).status_code == 200
    assert client.get(f"{DISPENSATIONS}/{started['dispensation_id']}", headers=pharmacy).json()["status"] == "STARTED"
    assert client.post(DISPENSATIONS, json={"code": code}, headers=pharmacy).status_code == 409  # still held
    client.post("/__admin/clock/advance", json={"seconds": 10})
    done = client.get(f"{OUTPATIENT}/monitors/{monitor}", headers=clinic).json()
    assert done["monitor_resource"]["status"] == "COMPLETED"
    client.post("/__admin/clock/advance", json={"seconds": 30 * 60})
    fresh = client.bearer("demo-pharmacy")
    assert client.get(f"{DISPENSATIONS}/{started['dispensation_id']}", headers=fresh).json()["status"] == "CANCELLED"


def test_settlement_batches_travel_in_a_snapshot_with_their_claims_and_the_sponsors_decision(client, sandbox):
    """A SUBMITTED batch and an OPEN one, exported and imported onto a reset tenant: both are back with their
    claims (still in their batches: attaching one elsewhere is 409), and the sponsor's decision still comes on
    the mock clock."""
    from tests.support.settling import PHARMACY_DO, attach, open_batch, period, redeem, submit

    clinic, pharmacy = client.bearer("demo-clinic"), client.bearer(PHARMACY_DO)
    first, second = redeem(client, clinic, pharmacy, 4), redeem(client, clinic, pharmacy, 6)
    month = period(client)
    submitted = attach(client, pharmacy, open_batch(client, pharmacy, month), first["authorization_id"]).json()
    assert submit(client, pharmacy, submitted).status_code == 200
    still_open = attach(client, pharmacy, open_batch(client, pharmacy, month), second["authorization_id"]).json()
    views = {
        b["settlement_id"]: client.get(f"/v3/settlements/{b['settlement_id']}", headers=pharmacy).json()
        for b in (submitted, still_open)
    }
    snapshot = client.get("/__admin/snapshot").json()
    client.post("/__admin/reset")
    assert client.get(f"/v3/settlements/{submitted['settlement_id']}", headers=pharmacy).status_code == 404
    assert client.post("/__admin/snapshot", json=snapshot).status_code == 200
    for settlement_id, view in views.items():
        assert client.get(f"/v3/settlements/{settlement_id}", headers=pharmacy).json() == view
    elsewhere = open_batch(client, pharmacy, month)
    assert attach(client, pharmacy, elsewhere, second["authorization_id"]).status_code == 409
    client.post("/__admin/clock/advance", json={"seconds": 60})
    decided = client.get(f"/v3/settlements/{submitted['settlement_id']}", headers=pharmacy).json()
    assert decided["status"] == "ACCEPTED"
    assert [e.data["settlement_id"] for e in sandbox.ledger().events if e.event_type == "settlement.paid"] == [
        submitted["settlement_id"]
    ]
