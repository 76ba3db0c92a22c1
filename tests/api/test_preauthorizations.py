"""Pre-authorizations end to end, over HTTP: every persona's path and every error."""

from __future__ import annotations

import base64
import time

import pytest

from mock_server.app import create_app
from mock_server.core.clock import format_instant, parse_instant
from mock_server.domain.registrations import Registrations
from mock_server.settings import Settings
from tests.support.clients import CheckedClient, error_of
from tests.support.flows import (
    ASYNC_MX,
    BIOMETRIC_GT,
    INACTIVE,
    LIMITED,
    MANUAL,
    MARIA,
    OTP_DO,
    PARTIAL,
    PNG,
    REJECTED,
    REQUESTS,
    attach,
    complete,
    events_of,
    guide_body,
    initiate,
    ready_request,
    schema_body,
)

MIXED = [
    {"product_code": "MED-042", "product_type": "DRUG", "quantity": 30},
    {"product_code": "MED-SBX-001", "product_type": "DRUG", "quantity": 10},
    {"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1},
    {"product_code": "CONS-GEN", "product_type": "MEDICAL_PROCEDURE", "quantity": 1},
]


@pytest.fixture
def auth(client):
    return client.bearer("demo-clinic")


def now_of(client) -> float:
    return parse_instant(client.get("/__admin/clock").json()["now"])


# -- initiate ----------------------------------------------------------------------------------------
def test_the_guide_body_is_accepted_with_a_warning(client, auth):
    response = client.post(REQUESTS, json=guide_body(), headers=auth)
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "PENDING_INDICATION" and created["authorizations"] == []
    assert created["products"][0]["product_type"] == "DRUG" and created["diagnoses"][0]["code"] == "R51"
    assert response.headers["location"] == f"{REQUESTS}/{created['id']}"
    warnings = response.headers.get_list("osigu-mock-warning")
    assert any("diagnosis_code" in w for w in warnings) and any("MEDICATION" in w for w in warnings)


def test_the_schema_body_needs_no_leniency(client, auth):
    response = client.post(REQUESTS, json=schema_body(), headers=auth)
    assert response.status_code == 201 and "osigu-mock-warning" not in response.headers
    assert response.json()["doctor_name"] == "Dra. Ana Pérez"


def test_treatments_become_drug_lines(client, auth, sandbox):
    med = sandbox.world.product("MED-042")
    body = schema_body(
        products=[],
        treatments=[
            {
                "drug_form_slug": "tablet",
                "dosage_measurement_unit_slug": "mg",
                "treatment_duration_days": 10,
                "product_ids": [med.product_id],
                "frequencies": [{"hours": 8}],
            }
        ],
    )
    del body["products"]
    created = initiate(client, auth, body)
    assert [(p["product_code"], p["quantity"]) for p in created["products"]] == [("MED-042", 10)]


def test_strict_mode_refuses_the_guide_body():
    with CheckedClient(create_app(Settings(strict=True, frozen_clock=True))) as strict:
        auth = strict.bearer()
        response = strict.post(REQUESTS, json=guide_body(), headers=auth)
        # both of the guide's leniencies are refused: diagnosis_code and the MEDICATION product type
        assert error_of(response) == (422, "MOCK-422-validation-failed", ["diagnosis_code", "products[0].product_type"])
        assert strict.post(REQUESTS, json=schema_body(), headers=auth).status_code == 201


def test_a_product_the_provider_has_not_registered_is_071_104(client, auth, sandbox):
    registered = sandbox.ledger().area(Registrations).by_provider["clinic-example"]
    code = next(c for c in sandbox.world.products if c.startswith("MED-SBX") and c not in registered)
    response = client.post(REQUESTS, json=schema_body(products=[{"product_code": code, "quantity": 1}]), headers=auth)
    assert error_of(response) == (422, "071-104", ["products[0].product_code"])


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"beneficiary_id": 99}, "beneficiary_id"),
        ({"beneficiary_id": 1000008}, "beneficiary_id"),  # a demo-insurer beneficiary
        ({"diagnoses": [{"coding_system": "ICD-10", "code": "ZZ99"}]}, "diagnoses[0].code"),
        ({"products": [{"product_code": "NOPE", "quantity": 1}]}, "products[0].product_code"),
        ({"products": [{"product_code": "MED-042", "quantity": 0}]}, "products[0].quantity"),
        (
            {"products": [{"product_code": "MED-042", "product_type": "LABORATORY", "quantity": 1}]},
            "products[0].product_type",
        ),
        ({"products": []}, "products"),
        ({"diagnoses": []}, "diagnoses"),
        ({"sponsor_slug": "nobody"}, "sponsor_slug"),
        ({"provider_branch_id": 1}, "provider_branch_id"),
    ],
)
def test_bad_requests_are_422_naming_the_field(client, auth, change, path):
    response = client.post(REQUESTS, json={**schema_body(), **change}, headers=auth)
    assert error_of(response) == (422, "MOCK-422-validation-failed", [path]), response.text


def test_a_product_type_the_sponsor_does_not_cover_is_422(client, auth):
    body = schema_body(1000013, "mutua-sandbox-es", products=[{"product_code": "CONS-GEN", "quantity": 1}])
    response = client.post(REQUESTS, json=body, headers=auth)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["products[0].product_type"])
    assert "does not cover" in response.json()["errors"][0]["message"]


def test_inactive_coverage_is_422(client, auth):
    response = client.post(REQUESTS, json=guide_body(INACTIVE), headers=auth)
    assert error_of(response) == (422, "MOCK-422-coverage-inactive", ["beneficiary_id"])


def test_the_sponsors_required_fields_and_authorization_types_are_enforced(client, auth):
    body = schema_body(BIOMETRIC_GT, "demo-insurer")
    response = client.post(REQUESTS, json=body, headers=auth)
    assert error_of(response) == (
        422,
        "MOCK-422-validation-failed",
        ["authorization_type", "professional_license_number", "service_type_code"],
    )
    wrong = {
        **body,
        "professional_license_number": "GT-1",
        "service_type_code": "SPA",
        "authorization_type": "MEDICAL_INDICATION",
    }
    assert error_of(client.post(REQUESTS, json=wrong, headers=auth)) == (
        422,
        "MOCK-422-validation-failed",
        ["authorization_type", "service_type_code"],
    )
    right = {**wrong, "service_type_code": "OUTPATIENT", "authorization_type": "PRESCRIPTION"}
    assert client.post(REQUESTS, json=right, headers=auth).status_code == 201


# -- indications -------------------------------------------------------------------------------------
def test_indications_by_json_and_multipart_keep_metadata_and_sha256(client, auth):
    created = initiate(client, auth, guide_body())
    document = attach(client, auth, created["id"])
    assert document["content_type"] == "application/pdf" and len(document["sha256"]) == 64
    response = client.post(
        f"{REQUESTS}/{created['id']}/indications",
        headers=auth,
        files={"file": ("orden.png", PNG, "image/png")},
        data={"document_type": "LAB_ORDER"},
    )
    assert response.status_code == 201 and response.json()["content_type"] == "image/png"
    assert response.json()["file_name"] == "orden.png"
    request = client.get(f"{REQUESTS}/{created['id']}", headers=auth).json()
    assert [d["document_type"] for d in request["documents"]] == ["MEDICAL_INDICATION", "LAB_ORDER"]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"plain text, not a document", 415, "MOCK-415-unsupported-media-type"),
        (b"%PDF-" + b"x" * (5 * 1024 * 1024), 413, "MOCK-413-payload-too-large"),
    ],
    ids=["not-pdf-png-or-jpeg", "over-5-mib"],
)
def test_indication_format_and_size(client, auth, content, status, code):
    created = initiate(client, auth, guide_body())
    response = client.post(
        f"{REQUESTS}/{created['id']}/indications",
        headers=auth,
        json={"document_type": "MEDICAL_INDICATION", "content_base64": base64.b64encode(content).decode()},
    )
    assert error_of(response) == (status, code, ["content_base64"])


def test_indication_errors(client, auth):
    created = initiate(client, auth, guide_body())
    url = f"{REQUESTS}/{created['id']}/indications"
    not_base64 = client.post(url, json={"document_type": "MEDICAL_INDICATION", "content_base64": "@@@"}, headers=auth)
    assert error_of(not_base64) == (422, "MOCK-422-validation-failed", ["content_base64"])
    selfie = client.post(url, json={"document_type": "SELFIE", "content_base64": "JVBERi0="}, headers=auth)
    assert error_of(selfie) == (422, "MOCK-422-validation-failed", ["document_type"])
    no_file = client.post(url, headers=auth, files={"other": ("x", b"y")}, data={"document_type": "LAB_ORDER"})
    assert error_of(no_file) == (422, "MOCK-422-validation-failed", ["file"])
    unknown = client.post(
        f"{REQUESTS}/999999/indications",
        json={"document_type": "OTHER", "content_base64": "JVBERi0="},
        headers=auth,
    )
    assert error_of(unknown) == (404, "MOCK-404-authorization-request-not-found", [])


# -- complete: the personas --------------------------------------------------------------------------
def test_missing_documents_are_422_and_the_request_waits(client, auth):
    created = initiate(client, auth, guide_body())
    response = complete(client, auth, created["id"])
    assert error_of(response) == (422, "MOCK-422-documents-missing", ["documents"])
    assert client.get(f"{REQUESTS}/{created['id']}", headers=auth).json()["status"] == "PENDING_INDICATION"


def test_approved_persona_gets_one_authorization_per_product_group(client, auth, sandbox):
    created = ready_request(client, auth, schema_body(products=MIXED))
    start = now_of(client)
    response = complete(client, auth, created["id"])
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "APPROVED"
    groups = [(a["product_type"], len(a["products"])) for a in body["authorizations"]]
    assert groups == [("DRUG", 2), ("LABORATORY", 1), ("MEDICAL_PROCEDURE", 1)]
    for authorization in body["authorizations"]:
        assert authorization["status"] == "READY"
        assert len(authorization["code"]) == 9 and authorization["code"][0].isalpha()
        assert parse_instant(authorization["expires_at"]) - start == 30 * 86400
        assert all(
            p["status"] == "APPROVED" and p["authorized_quantity"] == p["quantity"] for p in authorization["products"]
        )
    created_events = events_of(sandbox, "authorization.created")
    assert [e.data["authorization_id"] for e in created_events] == [a["id"] for a in body["authorizations"]]
    assert created_events[0].data["products"][0]["product_code"] == "MED-042"


def test_the_sponsors_rules_split_procedures_one_per_authorization(client, auth):
    products = [{"product_code": "CONS-GEN", "quantity": 1}, {"product_code": "PROC-SBX-001", "quantity": 1}]
    created = ready_request(client, auth, schema_body(products=products))
    authorizations = complete(client, auth, created["id"]).json()["authorizations"]
    assert [len(a["products"]) for a in authorizations] == [1, 1]


def test_rejected_persona_gets_no_authorization_and_a_reason_per_line(client, auth, sandbox):
    created = ready_request(client, auth, schema_body(REJECTED, products=MIXED[:3]))
    body = complete(client, auth, created["id"]).json()
    assert body["status"] == "REJECTED" and body["authorizations"] == []
    assert all(p["status"] == "REJECTED" and p["reason"] for p in body["products"])
    assert body["rejection_reason"]
    rejected = events_of(sandbox, "authorization.rejected")
    assert [e.data["product_type"] for e in rejected] == ["DRUG", "LABORATORY"]
    assert all(e.data["rejection_reason"] for e in rejected)


def test_partial_approval_rejects_all_but_the_first_line_of_each_group(client, auth):
    created = ready_request(client, auth, schema_body(PARTIAL, products=MIXED[:3]))
    body = complete(client, auth, created["id"]).json()
    assert body["status"] == "PARTIALLY_APPROVED"
    drug, lab = body["authorizations"]
    assert [(p["status"], p["authorized_quantity"]) for p in drug["products"]] == [("APPROVED", 30), ("REJECTED", 0)]
    assert drug["products"][1]["reason"] and lab["products"][0]["status"] == "APPROVED"


def test_benefit_limit_rejects_the_line_that_would_exceed_the_month(client, auth):
    two = [{"product_code": "MED-042", "quantity": 6}, {"product_code": "MED-SBX-001", "quantity": 6}]
    first = complete(client, auth, ready_request(client, auth, schema_body(LIMITED, products=two))["id"]).json()
    assert [p["status"] for p in first["products"]] == ["APPROVED", "REJECTED"]
    assert "6 de 10" in first["products"][1]["reason"]
    fits = complete(
        client,
        auth,
        ready_request(client, auth, schema_body(LIMITED, products=[{"product_code": "MED-042", "quantity": 4}]))["id"],
    ).json()
    assert fits["status"] == "APPROVED"
    over = complete(
        client,
        auth,
        ready_request(client, auth, schema_body(LIMITED, products=[{"product_code": "MED-042", "quantity": 1}]))["id"],
    ).json()
    assert over["status"] == "REJECTED"
    client.post("/__admin/clock/advance", json={"seconds": 31 * 86400})
    auth = client.bearer()
    next_month = complete(
        client,
        auth,
        ready_request(client, auth, schema_body(LIMITED, products=[{"product_code": "MED-042", "quantity": 10}]))["id"],
    ).json()
    assert next_month["status"] == "APPROVED"


def test_manual_review_waits_for_the_admin_decision(client, auth, sandbox):
    created = ready_request(client, auth, schema_body(MANUAL))
    body = complete(client, auth, created["id"]).json()
    assert body["status"] == "PENDING_SPONSOR"
    [authorization] = body["authorizations"]
    assert authorization["status"] == "PENDING_REVIEW" and authorization["manual_review_required"]
    assert authorization["products"][0]["status"] == "MANUAL_APPROVAL_REQUIRED"
    assert events_of(sandbox, "authorization.created") == []
    decided = client.post(f"/__admin/authorization-requests/{created['id']}/decision", json={"outcome": "APPROVED"})
    assert decided.status_code == 200 and decided.json()["status"] == "APPROVED"
    approved = decided.json()["authorizations"][0]
    assert approved["status"] == "READY" and approved["manually_approved"]
    assert len(events_of(sandbox, "authorization.created")) == 1
    again = client.post(f"/__admin/authorization-requests/{created['id']}/decision", json={"outcome": "APPROVED"})
    assert error_of(again) == (409, "MOCK-409-nothing-to-decide", [])


def test_manual_review_rejected_voids_the_authorization(client, auth, sandbox):
    created = ready_request(client, auth, schema_body(MANUAL))
    complete(client, auth, created["id"])
    decided = client.post(
        f"/__admin/authorization-requests/{created['id']}/decision",
        json={"outcome": "REJECTED", "reason": "No pertinente"},
    ).json()
    assert decided["status"] == "REJECTED" and decided["authorizations"][0]["status"] == "VOIDED"
    assert events_of(sandbox, "authorization.rejected")[0].data["rejection_reason"] == "No pertinente"


def test_the_asynchronous_sponsor_decides_30_seconds_later(client, auth, sandbox):
    body = schema_body(ASYNC_MX, "async-sponsor", products=[{"product_code": "MED-042", "quantity": 10}])
    created = initiate(client, auth, body)
    first = complete(client, auth, created["id"]).json()
    assert first["status"] == "PENDING_SPONSOR" and first["authorizations"] == []
    assert any(t["action"] == "authorization.sponsor-decision" for t in client.get("/__admin/timers").json()["content"])
    client.post("/__admin/clock/advance", json={"seconds": 29})
    assert client.get(f"{REQUESTS}/{created['id']}", headers=auth).json()["status"] == "PENDING_SPONSOR"
    client.post("/__admin/clock/advance", json={"seconds": 1})
    decided = client.get(f"{REQUESTS}/{created['id']}", headers=client.bearer()).json()
    assert decided["status"] == "APPROVED" and decided["authorizations"][0]["status"] == "READY"
    assert len(events_of(sandbox, "authorization.created")) == 1


def test_the_admin_can_decide_an_asynchronous_request_before_the_sponsor(client, auth, sandbox):
    created = initiate(client, auth, schema_body(ASYNC_MX, "async-sponsor"))
    complete(client, auth, created["id"])
    decided = client.post(f"/__admin/authorization-requests/{created['id']}/decision", json={"outcome": "REJECTED"})
    assert decided.json()["status"] == "REJECTED"
    client.post("/__admin/clock/advance", json={"seconds": 60})
    assert client.get(f"{REQUESTS}/{created['id']}", headers=client.bearer()).json()["status"] == "REJECTED"
    assert events_of(sandbox, "authorization.created") == []


def test_completing_twice_returns_the_same_result_and_creates_nothing(client, auth, sandbox):
    created = ready_request(client, auth, schema_body(products=MIXED[:3]))
    first = complete(client, auth, created["id"]).json()
    second = complete(client, auth, created["id"]).json()
    assert [a["id"] for a in second["authorizations"]] == [a["id"] for a in first["authorizations"]]
    assert len(events_of(sandbox, "authorization.created")) == 2
    assert client.get("/arc/v1/authorizations", headers=auth).json()["page"]["total_elements"] == 2


def test_indications_after_complete_are_409(client, auth):
    created = ready_request(client, auth, guide_body())
    complete(client, auth, created["id"])
    response = client.post(
        f"{REQUESTS}/{created['id']}/indications",
        headers=auth,
        json={"document_type": "OTHER", "content_base64": "JVBERi0="},
    )
    assert error_of(response) == (409, "MOCK-409-request-not-pending", [])


def test_a_forced_next_outcome_applies_once(client, auth):
    forced = client.post(f"/__admin/beneficiaries/{MARIA}/next-outcome", json={"outcome": "REJECTED", "reason": "QA"})
    assert forced.status_code == 200
    assert client.get(f"/__admin/explain?beneficiary_id={MARIA}").json()["next_outcome"] == "REJECTED"
    first = complete(client, auth, ready_request(client, auth, schema_body())["id"]).json()
    assert first["status"] == "REJECTED" and first["products"][0]["reason"] == "QA"
    second = complete(client, auth, ready_request(client, auth, schema_body())["id"]).json()
    assert second["status"] == "APPROVED"
    unknown = client.post("/__admin/beneficiaries/5/next-outcome", json={"outcome": "APPROVED"})
    assert error_of(unknown) == (404, "MOCK-404-beneficiary-not-found", [])


# -- OTP ---------------------------------------------------------------------------------------------
def otp_request(client, auth):
    return ready_request(client, auth, schema_body(OTP_DO, "sponsor-sandbox-do"), documents=())


def test_otp_persona_needs_an_otp_then_completes_with_the_token(client, auth, sandbox):
    created = otp_request(client, auth)
    refused = complete(client, auth, created["id"])
    assert error_of(refused) == (422, "MOCK-422-verification-required", [])
    error = refused.json()
    assert error["verification_required"] == "OTP"
    assert error["challenge_url"].endswith(f"/challenges/{error['challenge_id']}")
    sent = client.post(
        "/otp/generate",
        json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do", "channel": "SMS"},
        headers=auth,
    )
    assert sent.status_code == 201 and sent.json()["expires_in"] == 300 and "***" in sent.json()["masked_destination"]
    outbox = client.get("/__admin/outbox?kind=OTP").json()["content"]
    assert outbox[0]["code"] == "123456" and outbox[0]["otp_id"] == sent.json()["otp_id"]
    token = client.post("/otp/validate", json={"otp_id": sent.json()["otp_id"], "code": "123456"}, headers=auth).json()
    done = complete(client, auth, created["id"], {"otp_verification_token": token["otp_verification_token"]})
    assert done.status_code == 200 and done.json()["status"] == "APPROVED"


def test_the_otp_persona_completes_as_a_newcomer_would_with_no_document_asked(client, auth):
    """The flow as documented: initiate, attach the indication, complete (422: OTP), OTP, complete. Only
    sponsor-sandbox requires a document; sponsor-sandbox-do asks for nothing but the OTP."""
    created = ready_request(client, auth, schema_body(OTP_DO, "sponsor-sandbox-do"), documents=("MEDICAL_INDICATION",))
    refused = complete(client, auth, created["id"])
    assert (refused.status_code, refused.json()["code"]) == (422, "MOCK-422-verification-required")
    assert refused.json()["verification_required"] == "OTP" and refused.json()["errors"] == []
    otp = client.post(
        "/otp/generate", json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do"}, headers=auth
    )
    token = client.post("/otp/validate", json={"otp_id": otp.json()["otp_id"], "code": "123456"}, headers=auth).json()
    done = complete(client, auth, created["id"], {"otp_verification_token": token["otp_verification_token"]})
    assert done.status_code == 200 and done.json()["status"] == "APPROVED"


def test_a_sponsor_other_than_sponsor_sandbox_completes_without_any_document(client, auth):
    body = schema_body(1000010, "demo-insurer", professional_license_number="GT-7788", service_type_code="OUTPATIENT")
    created = ready_request(client, auth, {**body, "authorization_type": "PRESCRIPTION"}, documents=())
    assert complete(client, auth, created["id"]).json()["status"] == "APPROVED"
    refused = complete(client, auth, ready_request(client, auth, schema_body(), documents=())["id"])
    assert (refused.status_code, refused.json()["code"]) == (422, "MOCK-422-documents-missing")
    assert [e["path"] for e in refused.json()["errors"]] == ["documents"]


def test_an_otp_token_is_single_use_and_bound_to_beneficiary_and_sponsor(client, auth):
    sent = client.post(
        "/v1/otp/send",
        json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do"},
        headers=client.bearer("demo-pharmacy"),
    ).json()  # another provider may generate it
    token = client.post("/v1/otp/validate", json={"otp_id": sent["otp_id"], "code": "123456"}, headers=auth).json()
    first, second = otp_request(client, auth), otp_request(client, auth)
    assert (
        complete(client, auth, first["id"], {"otp_verification_token": token["otp_verification_token"]}).status_code
        == 200
    )
    reused = complete(client, auth, second["id"], {"otp_verification_token": token["otp_verification_token"]})
    assert error_of(reused) == (422, "MOCK-422-otp-token-invalid", ["otp_verification_token"])
    other = client.post(
        "/otp/generate", json={"beneficiary_id": 1000012, "sponsor_slug": "sponsor-sandbox-do"}, headers=auth
    ).json()
    foreign = client.post("/otp/validate", json={"otp_id": other["otp_id"], "code": "123456"}, headers=auth).json()
    wrong_person = complete(client, auth, second["id"], {"otp_verification_token": foreign["otp_verification_token"]})
    assert error_of(wrong_person) == (422, "MOCK-422-otp-token-invalid", ["otp_verification_token"])


def test_three_wrong_codes_lock_the_otp(client, auth):
    sent = client.post(
        "/otp/generate", json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do"}, headers=auth
    ).json()
    errors = [
        error_of(client.post("/otp/validate", json={"otp_id": sent["otp_id"], "code": "000000"}, headers=auth))
        for _ in range(3)
    ]
    assert errors == [
        (422, "MOCK-422-otp-invalid", ["code"]),
        (422, "MOCK-422-otp-invalid", ["code"]),
        (422, "MOCK-422-otp-locked", []),
    ]
    right = client.post("/otp/validate", json={"otp_id": sent["otp_id"], "code": "123456"}, headers=auth)
    assert error_of(right) == (422, "MOCK-422-otp-locked", [])


def test_an_otp_expires_after_300_seconds(client, auth):
    sent = client.post(
        "/otp/generate", json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do"}, headers=auth
    ).json()
    client.post("/__admin/clock/advance", json={"seconds": 300})
    expired = client.post("/otp/validate", json={"otp_id": sent["otp_id"], "code": "123456"}, headers=client.bearer())
    assert error_of(expired) == (422, "MOCK-422-otp-expired", [])


def test_a_generated_beneficiary_gets_a_random_code_in_the_outbox(client, auth, sandbox):
    beneficiary = next(
        b
        for b in sandbox.world.beneficiaries.values()
        if b.sponsor_slug == "sponsor-sandbox-do" and b.beneficiary_id >= 2_000_000
    )
    sent = client.post(
        "/otp/generate",
        json={"beneficiary_id": beneficiary.beneficiary_id, "sponsor_slug": "sponsor-sandbox-do", "channel": "EMAIL"},
        headers=auth,
    ).json()
    [message] = client.get(f"/__admin/outbox?to={beneficiary.email}").json()["content"]
    assert message["kind"] == "OTP" and message["code"] != "123456" and len(message["code"]) == 6
    assert (
        client.post("/otp/validate", json={"otp_id": sent["otp_id"], "code": message["code"]}, headers=auth).status_code
        == 200
    )


def test_otp_errors(client, auth):
    unknown = client.post("/otp/validate", json={"otp_id": "otp_nope", "code": "1"}, headers=auth)
    assert error_of(unknown) == (404, "MOCK-404-otp-not-found", [])
    other_sponsors = client.post(
        "/otp/generate", json={"beneficiary_id": MARIA, "sponsor_slug": "sponsor-sandbox-do"}, headers=auth
    )
    assert error_of(other_sponsors) == (422, "MOCK-422-validation-failed", ["beneficiary_id"])


def test_an_otp_code_in_external_verifications_also_completes(client, auth):
    created = otp_request(client, auth)
    client.post("/otp/generate", json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do"}, headers=auth)
    done = complete(client, auth, created["id"], {"external_verifications": [{"type": "OTP", "value": "123456"}]})
    assert done.status_code == 200 and done.json()["status"] == "APPROVED"


# -- biometrics --------------------------------------------------------------------------------------
def biometric_request(client, auth):
    body = schema_body(
        BIOMETRIC_GT,
        "demo-insurer",
        products=[{"product_code": "CONS-GEN", "quantity": 1}],
        professional_license_number="GT-7788",
        service_type_code="OUTPATIENT",
        authorization_type="PROCEDURE",
    )
    return ready_request(client, auth, body, documents=("MEDICAL_INDICATION", "CLINICAL_HISTORY"))


def reading(marker: bytes = b"") -> str:
    return base64.b64encode(marker + b"\x01" * 2048).decode()


def test_biometric_persona_is_challenged_and_a_matching_reading_completes(client, auth):
    created = biometric_request(client, auth)
    refused = complete(client, auth, created["id"]).json()
    assert refused["verification_required"] == "BIOMETRIC"
    page = client.get(refused["challenge_url"].replace("http://testserver", ""))
    assert page.status_code == 200 and "Match" in page.text and refused["challenge_id"] in page.text
    url = f"{REQUESTS}/{created['id']}/biometrics"
    low = client.post(
        url, json={"type": "FINGERPRINT", "reading_base64": base64.b64encode(b"x" * 100).decode()}, headers=auth
    )
    assert error_of(low) == (422, "MOCK-422-biometric-low-quality", ["reading_base64"])
    miss = client.post(url, json={"type": "FINGERPRINT", "reading_base64": reading(b"NO_MATCH")}, headers=auth)
    assert miss.status_code == 201 and miss.json()["result"] == "NO_MATCH"
    again = complete(client, auth, created["id"]).json()
    assert again["verification_required"] == "BIOMETRIC" and "did not match" in again["message"]
    hit = client.post(url, json={"type": "FACE", "reading_base64": reading()}, headers=auth)
    assert hit.json()["result"] == "MATCH"
    done = complete(client, auth, created["id"])
    assert done.status_code == 200 and done.json()["status"] == "APPROVED"


def test_a_challenge_can_be_decided_by_the_admin_plane(client, auth):
    created = biometric_request(client, auth)
    challenge_id = complete(client, auth, created["id"]).json()["challenge_id"]
    decided = client.post(f"/__admin/challenges/{challenge_id}/decision", json={"outcome": "MATCH"})
    assert decided.status_code == 200 and decided.json()["status"] == "MATCH"
    again = client.post(f"/__admin/challenges/{challenge_id}/decision", json={"outcome": "MATCH"})
    assert error_of(again) == (409, "MOCK-409-challenge-decided", [])
    assert complete(client, auth, created["id"]).json()["status"] == "APPROVED"


def test_the_challenge_page_decides_by_hand(client, auth):
    created = biometric_request(client, auth)
    challenge_id = complete(client, auth, created["id"]).json()["challenge_id"]
    page = client.post(f"/challenges/{challenge_id}", data={"outcome": "MATCH"})
    assert page.status_code == 200 and "MATCH" in page.text
    assert complete(client, auth, created["id"]).json()["status"] == "APPROVED"
    assert error_of(client.get("/challenges/nope")) == (404, "MOCK-404-challenge-not-found", [])


def test_an_otp_challenge_decided_by_hand_counts_as_the_otp(client, auth):
    created = otp_request(client, auth)
    challenge_id = complete(client, auth, created["id"]).json()["challenge_id"]
    client.post(f"/__admin/challenges/{challenge_id}/decision", json={"outcome": "MATCH"})
    assert complete(client, auth, created["id"]).json()["status"] == "APPROVED"


# -- authorizations ----------------------------------------------------------------------------------
def approved_authorizations(client, auth, products=None):
    created = ready_request(client, auth, schema_body(products=products or MIXED[:3]))
    return complete(client, auth, created["id"]).json()["authorizations"]


def test_list_filter_and_get_authorizations(client, auth):
    drug, lab = approved_authorizations(client, auth)
    page = client.get("/arc/v1/authorizations", headers=auth).json()
    assert [a["id"] for a in page["content"]] == [lab["id"], drug["id"]]
    assert page["content"][0]["beneficiary"]["name"] == "MARIA GONZALEZ"
    assert [
        a["id"]
        for a in client.get(f"/arc/v1/authorizations?status=READY&beneficiary_id={MARIA}", headers=auth).json()[
            "content"
        ]
    ] == [lab["id"], drug["id"]]
    assert client.get("/arc/v1/authorizations?sponsor_slug=demo-insurer", headers=auth).json()["content"] == []
    assert client.get("/arc/v1/authorizations?status=CLAIMED", headers=auth).json()["content"] == []
    one = client.get(f"/arc/v1/authorizations/{drug['id']}", headers=auth).json()
    assert one["code"] == drug["code"] and one["products"][0]["product_code"] == "MED-042"
    unknown_status = client.get("/arc/v1/authorizations?status=WHATEVER", headers=auth)
    assert error_of(unknown_status) == (400, "MOCK-400-invalid-parameter", ["status"])


def test_other_providers_see_nothing(client, auth):
    drug, _ = approved_authorizations(client, auth)
    pharmacy = client.bearer("demo-pharmacy")
    authorization = client.get(f"/arc/v1/authorizations/{drug['id']}", headers=pharmacy)
    assert error_of(authorization) == (404, "MOCK-404-authorization-not-found", [])
    request = client.get(f"{REQUESTS}/{drug['authorization_request_id']}", headers=pharmacy)
    assert error_of(request) == (404, "MOCK-404-authorization-request-not-found", [])
    assert client.get("/arc/v1/authorizations", headers=pharmacy).json()["content"] == []
    void = client.post(f"/arc/v1/authorizations/{drug['id']}/void", headers=pharmacy)
    assert error_of(void) == (404, "MOCK-404-authorization-not-found", [])


def test_void_an_authorization(client, auth, sandbox):
    drug, _ = approved_authorizations(client, auth)
    voided = client.post(
        f"/arc/v1/authorizations/{drug['id']}/void", json={"reason": "Error de digitación"}, headers=auth
    )
    assert (
        voided.status_code == 200 and voided.json()["status"] == "VOIDED" and voided.json()["voided_by"] == "PROVIDER"
    )
    [event] = events_of(sandbox, "authorization.voided")
    assert event.data["voided_by"] == "PROVIDER" and event.data["reason"] == "Error de digitación"
    again = client.post(f"/arc/v1/authorizations/{drug['id']}/void", headers=auth)
    assert error_of(again) == (422, "MOCK-422-authorization-not-voidable", [])


def test_authorizations_expire_on_the_clock(client, auth, sandbox):
    drug, _ = approved_authorizations(client, auth)
    client.post("/__admin/clock/advance", json={"seconds": 30 * 86400 - 1})
    assert client.get(f"/arc/v1/authorizations/{drug['id']}", headers=client.bearer()).json()["status"] == "READY"
    client.post("/__admin/clock/advance", json={"seconds": 1})
    expired = client.get(f"/arc/v1/authorizations/{drug['id']}", headers=client.bearer()).json()
    assert expired["status"] == "VOIDED" and expired["voided_by"] == "EXPIRY"
    assert {e.data["voided_by"] for e in events_of(sandbox, "authorization.voided")} == {"EXPIRY"}


def test_a_sponsor_update_changes_lines_and_emits_authorization_updated(client, auth, sandbox):
    drug, _ = approved_authorizations(client, auth)
    line = drug["products"][1]
    later = format_instant(parse_instant(drug["expires_at"]) + 90 * 86400)
    response = client.post(
        f"/__admin/authorizations/{drug['id']}/sponsor-update",
        json={
            "products": [{"authorization_product_id": line["id"], "new_quantity": 5}],
            "payment_type": "REIMBURSEMENT",
            "expires_at": later,
        },
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["products"][1]["authorized_quantity"] == 5 and updated["payment_type"] == "REIMBURSEMENT"
    assert updated["expires_at"] == later
    [event] = events_of(sandbox, "authorization.updated")
    assert event.data["changes"] == [{"authorization_product_id": line["id"], "new_quantity": 5}]
    bad = client.post(
        f"/__admin/authorizations/{drug['id']}/sponsor-update", json={"products": [{"authorization_product_id": 1}]}
    )
    assert error_of(bad) == (422, "MOCK-422-validation-failed", ["products[0].authorization_product_id"])


def test_explain_a_code(client, auth):
    drug, _ = approved_authorizations(client, auth)
    explained = client.get(f"/__admin/explain?code={drug['code']}").json()
    assert explained["code_type"] == "AUTHORIZATION" and explained["redeemable"] is True
    assert explained["remaining_quantity"] == 40 and explained["dispensing"]["verification_required"] is None


def test_created_authorizations_reach_the_providers_webhooks(client, auth):
    from tests.support.receiver import Receiver

    with Receiver() as receiver:
        client.post(
            "/webhooks/v1/subscriptions", json={"url": receiver.url, "event_types": ["authorization.*"]}, headers=auth
        )
        approved_authorizations(client, auth, products=[{"product_code": "MED-042", "quantity": 3}])
        client.post("/__admin/clock/advance", json={"seconds": 0})
        [received] = receiver.wait_for(1)
        assert b'"authorization.created"' in received.body


def test_request_timestamps_follow_the_mock_clock(client, auth):
    moved = format_instant(round(time.time()) + 40 * 86400 + 0.25)  # forty days from now, whatever the year
    client.post("/__admin/clock", json={"now": moved})
    created = initiate(client, client.bearer(), guide_body())
    assert created["created_at"] == moved


@pytest.mark.parametrize(
    ("beneficiary", "sponsor", "product", "documents", "extra"),
    [
        (
            1000010,
            "demo-insurer",
            "MED-042",
            ("PRESCRIPTION",),
            {
                "professional_license_number": "GT-1",
                "service_type_code": "OUTPATIENT",
                "authorization_type": "PRESCRIPTION",
            },
        ),
        (1000011, "async-sponsor", "MED-042", (), {}),
        (1000012, "sponsor-sandbox-do", "LAB-HEMO", ("LAB_ORDER",), {}),
        (1000013, "mutua-sandbox-es", "MED-042", (), {}),
    ],
    ids=["approved-gt", "approved-mx", "approved-do", "approved-es"],
)
def test_the_approved_persona_of_every_sponsor_is_approved(
    client, auth, beneficiary, sponsor, product, documents, extra
):
    body = schema_body(beneficiary, sponsor, products=[{"product_code": product, "quantity": 2}], **extra)
    created = ready_request(client, auth, body, documents=documents)
    result = complete(client, auth, created["id"]).json()
    if result["status"] == "PENDING_SPONSOR":  # the asynchronous sponsor decides on the clock
        client.post("/__admin/clock/advance", json={"seconds": 30})
        result = client.get(f"{REQUESTS}/{created['id']}", headers=client.bearer()).json()
    assert result["status"] == "APPROVED" and result["authorizations"][0]["status"] == "READY"
