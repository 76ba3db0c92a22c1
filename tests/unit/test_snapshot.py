"""Snapshots through the areas: each area's keys, a round trip that restores every area, and the
snapshots written before the areas existed (version 1, and version 2 with verification on the
requests and signing secrets as pairs) still restore."""

from __future__ import annotations

import copy

import pytest

from mock_server.domain.authorizations import Authorizations
from mock_server.domain.snapshot import SHARED_KEYS
from mock_server.domain.tokens import Principal
from mock_server.domain.verification import Verification
from mock_server.domain.webhooks import Webhooks
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings
from tests.support.flows import BIOMETRIC_GT, PDF, schema_body

CLINIC = Principal("clinic-example", "demo-clinic", frozenset({"arc:read", "arc:write"}), "default")


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(Settings(frozen_clock=True))


def biometric_request(sandbox):
    """A demo-insurer procedure request: the sponsor asks a biometric match before complete."""
    authz = sandbox.ledger().area(Authorizations)
    body = schema_body(
        BIOMETRIC_GT,
        "demo-insurer",
        products=[{"product_code": "CONS-GEN", "quantity": 1}],
        professional_license_number="GT-7788",
        service_type_code="OUTPATIENT",
        authorization_type="PROCEDURE",
    )
    request, _ = authz.initiate(CLINIC, body, strict=False)
    return request


def test_every_area_exports_its_own_keys_and_none_is_a_shared_key(sandbox):
    seen: dict[str, str] = {}
    for area in sandbox.ledger().areas():
        for key in area.export():
            assert key not in SHARED_KEYS and key not in seen, (key, area.name, seen.get(key))
            seen[key] = area.name
    # the keys of the contract's snapshot schema, each owned by the area named here
    assert {k: seen[k] for k in ("tokens", "registrations", "subscriptions", "codes", "outbox")} == {
        "tokens": "tokens",
        "registrations": "registrations",
        "subscriptions": "webhooks",
        "codes": "codes",
        "outbox": "outbox",
    }
    assert seen["authorization_requests"] == seen["benefit_usage"] == "authorizations"
    assert seen["otps"] == seen["challenges"] == "verification"
    assert seen["patients"] == "patients" and seen["prescriptions"] == "prescriptions"


def test_a_biometric_match_proven_before_the_export_holds_after_the_import(sandbox):
    request = biometric_request(sandbox)
    verification = sandbox.ledger().area(Verification)
    verification.read_biometric(request.id, "FINGERPRINT", "AQ" * 1400)
    snapshot = sandbox.export_snapshot()
    sandbox.reset()
    sandbox.import_snapshot("default", snapshot)
    authz = sandbox.ledger().area(Authorizations)
    authz.attach_indication("clinic-example", request.id, "MEDICAL_INDICATION", "", PDF)
    authz.attach_indication("clinic-example", request.id, "CLINICAL_HISTORY", "", PDF)
    assert authz.complete("clinic-example", request.id, {}).status == "APPROVED"


def _as_written_before_the_areas(snapshot: dict) -> dict:
    """The same state as a version 2 snapshot of the previous layout wrote it."""
    old = copy.deepcopy(snapshot)
    proofs = {p["authorization_request_id"]: p for p in old.pop("verification_proofs")}
    for request in old["authorization_requests"]:
        proof = proofs.get(request["id"], {})
        request["otp_verified"] = proof.get("otp_verified", False)
        request["biometric_result"] = proof.get("biometric_result")
    for subscription in old["subscriptions"]:
        subscription["secrets"] = [[s["secret"], s["retires_at"]] for s in subscription["secrets"]]
    return old


def test_a_version_2_snapshot_of_the_previous_layout_restores_proofs_and_secrets(sandbox):
    request = biometric_request(sandbox)
    ledger = sandbox.ledger()
    ledger.area(Verification).read_biometric(request.id, "FINGERPRINT", "AQ" * 1400)
    subscription = ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:9/x", ["*"])
    old = _as_written_before_the_areas(sandbox.export_snapshot())
    assert isinstance(old["subscriptions"][0]["secrets"][0], list)

    sandbox.reset()
    sandbox.import_snapshot("default", old)
    ledger = sandbox.ledger()
    assert ledger.area(Verification).proof_of(request.id).biometric_result == "MATCH"
    restored = ledger.area(Webhooks).subscriptions[subscription.id]
    assert restored.signing_secret == subscription.signing_secret
    assert restored.active_secrets(ledger.clock.timestamp()) == [subscription.signing_secret]
    # and the next export is in the current layout again
    assert isinstance(sandbox.export_snapshot()["subscriptions"][0]["secrets"][0], dict)


def test_a_snapshot_restores_onto_a_fresh_ledger_whatever_the_ledger_held(sandbox):
    snapshot = sandbox.export_snapshot()
    request = biometric_request(sandbox)
    sandbox.import_snapshot("default", snapshot)
    assert request.id not in sandbox.ledger().area(Authorizations).requests
    # ids continue after the restored ones, not after the discarded request
    assert biometric_request(sandbox).id == request.id
