"""Snapshots through the areas: each area's keys, a round trip that restores every area, and a
snapshot written before the areas existed (version 2 with verification on the requests and signing
secrets as pairs) still restores."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mock_server.core.errors import ApiError
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.patients import Patients
from mock_server.domain.registrations import Registrations
from mock_server.domain.snapshot import SHARED_KEYS
from mock_server.domain.tokens import Principal
from mock_server.domain.verification import Verification
from mock_server.domain.webhooks import Webhooks
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings
from tests.support.flows import BIOMETRIC_GT, MARIA, OTP_DO, PDF, schema_body

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


# A version 2 snapshot written by the mock before its state was split into areas (commit 4e4a07a):
# a biometric request proven by a matching reading, an OTP request proven by an admin-decided
# challenge, and a subscription whose secret was rotated with a 3600 s overlap.
PREVIOUS_LAYOUT = Path(__file__).resolve().parents[1] / "support" / "snapshot-v2-previous-layout.json"


def test_a_version_2_snapshot_of_the_previous_layout_restores_proofs_and_rotating_secrets(sandbox):
    golden = json.loads(PREVIOUS_LAYOUT.read_text(encoding="utf-8"))
    assert "verification_proofs" not in golden["snapshot"]
    assert isinstance(golden["snapshot"]["subscriptions"][0]["secrets"][0], list)
    ledger = sandbox.import_snapshot("default", golden["snapshot"])
    verification = ledger.area(Verification)
    assert verification.proof_of(golden["bio"]).biometric_result == "MATCH"
    assert verification.proof_of(golden["otp"]).otp_verified is True
    [subscription] = ledger.area(Webhooks).subscriptions.values()
    now = ledger.clock.timestamp()
    assert subscription.active_secrets(now) == [golden["new"], golden["old"]]
    assert subscription.active_secrets(now + 3601) == [golden["new"]]
    # and the next export is in the current layout
    exported = sandbox.export_snapshot()
    assert isinstance(exported["subscriptions"][0]["secrets"][0], dict) and exported["verification_proofs"]


PATIENT = {
    "first_name": "ANA",
    "last_name": "PEREZ",
    "document_type": "CC",
    "document_number": "1020304050",
    "date_of_birth": "1990-04-11",
    "email": "ana@example.com",
}


def busy(sandbox: Sandbox):
    """Something in every area that has state: a completed request, a forced outcome, an OTP, a removed
    registration, a new patient, a subscription."""
    ledger = sandbox.ledger()
    authz = ledger.area(Authorizations)
    request, _ = authz.initiate(CLINIC, schema_body(), strict=False)
    authz.attach_indication("clinic-example", request.id, "MEDICAL_INDICATION", "", PDF)
    authz.complete("clinic-example", request.id, {})
    authz.force_next_outcome(MARIA, "REJECTED", "forced")
    ledger.area(Verification).generate(OTP_DO, "sponsor-sandbox-do", "SMS")
    ledger.area(Registrations).remove("clinic-example", "MED-042")
    ledger.area(Patients).create(dict(PATIENT))
    ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:9/x", ["*"])
    return request


def test_export_reset_import_export_gives_back_every_area(sandbox):
    busy(sandbox)
    before = sandbox.export_snapshot()
    for key in ("benefit_usage", "next_outcomes", "otps", "outbox", "codes", "subscriptions", "authorizations"):
        assert before[key], key
    sandbox.reset()
    sandbox.import_snapshot("default", copy.deepcopy(before))
    after = sandbox.export_snapshot()
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before


def test_an_areas_indexes_are_rebuilt_after_an_import(sandbox):
    busy(sandbox)
    snapshot = sandbox.export_snapshot()
    sandbox.reset()
    ledger = sandbox.import_snapshot("default", snapshot)
    with pytest.raises(ApiError) as caught:
        ledger.area(Patients).create(dict(PATIENT))
    assert caught.value.code == "MOCK-409-patient-exists"


def test_ids_continue_after_the_restored_ones_whatever_the_ledger_held(sandbox):
    first = busy(sandbox)
    snapshot = sandbox.export_snapshot()
    lab = schema_body(products=[{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}])
    discarded, _ = sandbox.ledger().area(Authorizations).initiate(CLINIC, lab, strict=False)
    sandbox.import_snapshot("default", snapshot)
    assert discarded.id not in sandbox.ledger().area(Authorizations).requests
    again, _ = sandbox.ledger().area(Authorizations).initiate(CLINIC, lab, strict=False)
    assert again.id == discarded.id != first.id
