"""Electronic prescriptions over HTTP: patients, the three versions' rules, email, void, events."""

from __future__ import annotations

import json
import time

import pytest

from mock_server.core.clock import format_instant, parse_instant
from mock_server.domain.codes import Codes
from mock_server.webhooks import verify
from tests.support.clients import error_of
from tests.support.flows import events_of
from tests.support.prescribing import (
    ANDREI_NIE,
    CARLOS_CC,
    CO_OFFICE,
    ES_OFFICE,
    LUCIA_DNI,
    MARIA_CC,
    PATIENTS,
    PRESCRIPTIONS,
    consent,
    issue,
    signed,
    v1_body,
    v2_body,
    v11_body,
)
from tests.support.receiver import Receiver
from tests.support.state import fingerprint


@pytest.fixture
def co(client):
    return client.bearer(CO_OFFICE)


@pytest.fixture
def es(client):
    return client.bearer(ES_OFFICE)


# -- patients ----------------------------------------------------------------------------------------
def test_a_seeded_patient_is_found_by_document_number_in_the_page_shape(client, co):
    page = client.get(f"{PATIENTS}?document_number=1000000001", headers=co).json()
    assert page["page"]["total_elements"] == 1
    [maria] = page["content"]
    assert (maria["patient_id"], maria["first_name"], maria["document_type"]) == (MARIA_CC, "MARIA", "CC")
    assert maria["created_at"] == "2026-01-15T12:00:00.000Z"


def test_an_unknown_document_is_an_empty_page(client, co):
    page = client.get(f"{PATIENTS}?document_number=999999", headers=co).json()
    assert page["content"] == [] and page["page"]["total_elements"] == 0


def test_a_created_patient_answers_201_with_patient_id_and_can_be_found(client, co):
    body = {
        "first_name": "ANA",
        "last_name": "PEREZ",
        "document_type": "CC",
        "document_number": "1020304050",
        "date_of_birth": "1990-04-11",
        "email": "ana.perez@example.com",
    }
    response = client.post(PATIENTS, json=body, headers=co)
    assert response.status_code == 201
    created = response.json()
    assert isinstance(created["patient_id"], int) and created["document_number"] == "1020304050"
    [found] = client.get(f"{PATIENTS}?document_number=1020304050", headers=co).json()["content"]
    assert found["patient_id"] == created["patient_id"]


def test_a_created_patients_location_names_the_patient_itself(client, co, es):
    body = {
        "first_name": "ANA",
        "last_name": "PEREZ",
        "document_type": "CC",
        "document_number": "1020304050",
        "date_of_birth": "1990-04-11",
    }
    response = client.post(PATIENTS, json=body, headers=co)
    created = response.json()
    assert response.headers["Location"] == f"/ehr/v1/patients/{created['patient_id']}"
    fetched = client.get(response.headers["Location"], headers=es)  # the registry is not one provider's
    assert fetched.status_code == 200 and fetched.json() == created


def test_an_unknown_patient_id_is_404_patient_not_found(client, co):
    response = client.get(f"{PATIENTS}/1", headers=co)
    assert (response.status_code, response.json()["code"]) == (404, "MOCK-404-patient-not-found")
    malformed = client.get(f"{PATIENTS}/abc", headers=co)
    assert error_of(malformed) == (400, "MOCK-400-invalid-parameter", ["patient_id"])


@pytest.mark.parametrize(
    ("document_type", "number", "ok"),
    [
        ("CC", "12345", False),
        ("CC", "12345678901", False),
        ("CC", "12A456", False),
        ("PA", "123456", True),
        ("DNI", "87654321X", True),
        ("DNI", "12345678A", False),
        ("NIE", "Y1234567X", True),
        ("NIE", "Y1234567A", False),
    ],
)
def test_a_patient_document_is_validated_by_its_type_not_the_providers_country(client, co, document_type, number, ok):
    body = {
        "first_name": "X",
        "last_name": "Y",
        "document_type": document_type,
        "document_number": number,
        "date_of_birth": "1980-01-01",
    }
    response = client.post(PATIENTS, json=body, headers=co)  # a Colombian office may register a DNI
    if ok:
        assert response.status_code == 201, response.text
    else:
        assert error_of(response) == (422, "MOCK-422-validation-failed", ["document_number"])


def test_a_patient_whose_document_exists_is_409(client, co):
    body = {
        "first_name": "MARIA",
        "last_name": "GONZALEZ",
        "document_type": "CC",
        "document_number": "1000000001",
        "date_of_birth": "1985-04-12",
    }
    response = client.post(PATIENTS, json=body, headers=co)
    assert error_of(response) == (409, "MOCK-409-patient-exists", ["document_number"])


def test_a_patient_without_required_fields_is_422_naming_each(client, co):
    response = client.post(PATIENTS, json={"first_name": "X"}, headers=co)
    assert error_of(response) == (
        422,
        "MOCK-422-validation-failed",
        ["date_of_birth", "document_number", "document_type", "last_name"],
    )


# -- v1 ----------------------------------------------------------------------------------------------
def test_a_v1_prescription_is_issued_with_a_12_digit_code_and_dispensable_items(client, co):
    response = client.post(PRESCRIPTIONS["v1"], json=v1_body(), headers=co)
    assert response.status_code == 201
    rx = response.json()
    assert response.headers["Location"] == f"/ehr/v1/prescriptions/{rx['id']}"
    assert rx["version"] == "v1" and rx["status"] == "ISSUED"
    assert len(rx["code"]) == 12 and rx["code"].isdigit()
    assert rx["patient"]["id"] == MARIA_CC and rx["patient"]["identity_document_code"] == "1000000001"
    assert rx["doctor"]["medical_license_number"] == "MP-12345"
    assert [p["status"] for p in rx["products"]] == ["DISPENSABLE"]
    assert rx["diagnoses"][0]["code"] == "R51"
    assert rx["consent"] is None and rx["signed_document_id"] is None


def test_v1_and_v11_do_not_check_the_licence_format(client, co):
    body = v11_body()
    body["doctor"]["medical_license_number"] = "anything goes"
    assert client.post(PRESCRIPTIONS["v1.1"], json=body, headers=co).status_code == 201


def test_a_medication_the_provider_has_not_registered_is_071_104(client, co):
    client.delete("/arc/v1/providers/products/MED-042", headers=co)
    response = client.post(PRESCRIPTIONS["v1"], json=v1_body(), headers=co)
    assert error_of(response) == (422, "071-104", ["medications[0].product_code"])


def test_an_unknown_patient_is_422(client, co):
    response = client.post(PRESCRIPTIONS["v1"], json=v1_body(patient_id=3999999), headers=co)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["patient_id"])


def test_a_prescription_missing_medications_is_422(client, co):
    body = v1_body()
    del body["medications"]
    response = client.post(PRESCRIPTIONS["v1"], json=body, headers=co)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["medications"])


def test_prescription_codes_never_repeat_authorization_or_prescription_codes(client, co, sandbox):
    codes = {issue(client, co, "v1", v1_body())["code"] for _ in range(25)}
    assert len(codes) == 25
    ledger = sandbox.ledger()
    assert all(ledger.area(Codes).codes[c][0] == "PRESCRIPTION" for c in codes)


# -- v1.1 ----------------------------------------------------------------------------------------------
def test_a_v11_prescription_keeps_its_consent(client, co):
    rx = issue(client, co, "v1.1", v11_body())
    assert rx["version"] == "v1.1" and rx["consent"]["method"] == "DIGITAL" and rx["consent"]["accepted"] is True


@pytest.mark.parametrize(
    ("consent_block", "path"),
    [
        (None, "consent"),
        (consent(accepted=False), "consent.accepted"),
        (consent(method="SMOKE_SIGNALS"), "consent.method"),
        (consent(accepted_at="yesterday"), "consent.accepted_at"),
    ],
    ids=["missing", "not-accepted", "unknown-method", "bad-date"],
)
def test_a_v11_prescription_without_a_valid_consent_is_422(client, co, consent_block, path):
    body = v1_body() if consent_block is None else v1_body(consent=consent_block)
    response = client.post(PRESCRIPTIONS["v1.1"], json=body, headers=co)
    assert error_of(response) == (422, "MOCK-422-validation-failed", [path])


def body_with_consent(version: str, accepted_at: str) -> dict:
    """A v1.1 or v2 body whose consent was given at ``accepted_at`` (a v2 body signed over it)."""
    body = v1_body(consent=consent(accepted_at=accepted_at))
    if version == "v2":
        body = v2_body()
        body["consent"] = consent(accepted_at=accepted_at)
        body = signed({k: v for k, v in body.items() if k != "signature"})
    return body


@pytest.mark.parametrize("version", ["v1.1", "v2"])
def test_consent_dated_after_the_mock_clocks_now_is_422(client, co, es, version):
    now = parse_instant(client.get("/__admin/clock").json()["now"])
    auth = es if version == "v2" else co
    response = client.post(
        PRESCRIPTIONS[version], json=body_with_consent(version, format_instant(now + 60)), headers=auth
    )
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["consent.accepted_at"])
    accepted = body_with_consent(version, format_instant(now - 60))
    assert client.post(PRESCRIPTIONS[version], json=accepted, headers=auth).status_code == 201


@pytest.mark.parametrize("version", ["v1.1", "v2"])
def test_consent_is_judged_against_the_mock_clock_not_the_wall_clock(client, version):
    """A day ahead of the wall on the mock clock, consent given an hour after the wall's now is in the past."""
    client.post("/__admin/clock/advance", json={"seconds": 86400})
    auth = client.bearer(ES_OFFICE if version == "v2" else CO_OFFICE)  # tokens issued on the moved clock
    wall_plus_an_hour = format_instant(time.time() + 3600)
    response = client.post(PRESCRIPTIONS[version], json=body_with_consent(version, wall_plus_an_hour), headers=auth)
    assert response.status_code == 201, response.text


def test_each_version_accepts_a_superset_of_the_previous_one(client, es):
    body = v2_body()
    # the v2 body (consent and signature included) is a valid v1.1 and v1 body too
    for version in ("v1", "v1.1", "v2"):
        assert client.post(PRESCRIPTIONS[version], json=body, headers=es).status_code == 201, version


# -- v2 ----------------------------------------------------------------------------------------------
def test_a_valid_v2_prescription_is_signed_and_registered(client, es):
    rx = issue(client, es, "v2", v2_body())
    assert rx["version"] == "v2"
    assert len(rx["signed_document_id"]) == 36 and rx["signed_document_id"].count("-") == 4
    assert rx["signature"] == v2_body()["signature"]["hash"]
    registration = rx["repository_registration"]
    assert registration["registration_id"].endswith(rx["code"]) and registration["registered_at"]


def test_a_v2_patient_with_a_nie_is_accepted(client, es):
    assert issue(client, es, "v2", v2_body(ANDREI_NIE))["patient"]["identity_document_type"] == "NIE"


def test_a_v2_hash_over_rfc8785_canonical_json_ignores_key_order_and_whitespace(client, es):
    body = v2_body()
    reordered = {k: body[k] for k in reversed(list(body))}
    reordered["doctor"] = {k: body["doctor"][k] for k in reversed(list(body["doctor"]))}
    raw = json.dumps(reordered, indent=4).encode()
    response = client.post(PRESCRIPTIONS["v2"], content=raw, headers={**es, "Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def test_the_same_v2_body_with_one_byte_changed_is_refused(client, es):
    raw = json.dumps(v2_body()).encode()
    assert b'"quantity": 30' in raw
    tampered = raw.replace(b'"quantity": 30', b'"quantity": 31', 1)
    headers = {**es, "Content-Type": "application/json"}
    response = client.post(PRESCRIPTIONS["v2"], content=tampered, headers=headers)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["signature.hash"])
    assert client.post(PRESCRIPTIONS["v2"], content=raw, headers=headers).status_code == 201


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda b: b.pop("signature"), "signature"),
        (lambda b: b["signature"].update(hash="0" * 64), "signature.hash"),
        (lambda b: b["signature"].update(hash=b["signature"]["hash"].upper()), "signature.hash"),
        (lambda b: b["signature"].update(algorithm="MD5"), "signature.algorithm"),
    ],
    ids=["missing", "wrong", "uppercase-hex", "other-algorithm"],
)
def test_a_v2_prescription_with_a_missing_or_wrong_signature_is_422(client, es, change, path):
    body = v2_body()
    change(body)
    response = client.post(PRESCRIPTIONS["v2"], json=body, headers=es)
    assert error_of(response) == (422, "MOCK-422-validation-failed", [path])


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (lambda: v2_body(country="CO"), "doctor.country_code"),
        (lambda: v2_body(colegiado="28281234"), "doctor.medical_license_number"),
        (lambda: v2_body(colegiado="MP-123456"), "doctor.medical_license_number"),
        (lambda: v2_body(MARIA_CC), "patient_id"),
    ],
    ids=["doctor-outside-spain", "colegiado-8-digits", "colegiado-not-digits", "patient-with-a-cc"],
)
def test_a_v2_prescription_breaking_a_spanish_requirement_is_422(client, es, body, path):
    response = client.post(PRESCRIPTIONS["v2"], json=body(), headers=es)
    assert error_of(response) == (422, "MOCK-422-validation-failed", [path]), response.text


def test_a_v2_prescription_needs_the_consent_too(client, es):
    body = v2_body()
    del body["consent"]
    response = client.post(PRESCRIPTIONS["v2"], json=signed(body), headers=es)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["consent"])


# -- reading, provider isolation ---------------------------------------------------------------------
def test_any_versions_prescription_is_read_at_the_v1_path(client, co, es):
    for auth, version, body in ((co, "v1", v1_body()), (co, "v1.1", v11_body()), (es, "v2", v2_body())):
        rx = issue(client, auth, version, body)
        read = client.get(f"/ehr/v1/prescriptions/{rx['id']}", headers=auth)
        assert read.status_code == 200 and read.json() == rx


def test_another_providers_prescription_is_404(client, co, es):
    rx = issue(client, es, "v2", v2_body())
    response = client.get(f"/ehr/v1/prescriptions/{rx['id']}", headers=co)
    assert error_of(response) == (404, "MOCK-404-prescription-not-found", [])


def test_the_read_only_client_reads_but_cannot_issue(client, co):
    readonly = client.bearer("demo-readonly")
    rx = issue(client, co, "v1", v1_body())
    assert client.get(f"/ehr/v1/prescriptions/{rx['id']}", headers=readonly).status_code == 200
    refused = client.post(PRESCRIPTIONS["v1"], json=v1_body(), headers=readonly)
    assert error_of(refused) == (403, "MOCK-403-insufficient-scope", [])


def test_a_non_numeric_prescription_id_is_400(client, co):
    response = client.get("/ehr/v1/prescriptions/abc", headers=co)
    assert error_of(response) == (400, "MOCK-400-invalid-parameter", ["prescription_id"])


# -- email ---------------------------------------------------------------------------------------------
def test_emailing_a_prescription_puts_it_in_the_outbox_and_emits_email_delivered(client, co, sandbox):
    rx = issue(client, co, "v1.1", v11_body())
    response = client.post(f"/ehr/v1/prescriptions/{rx['id']}/email", headers=co)
    assert response.status_code == 200
    sent = response.json()
    assert sent["status"] == "DELIVERED" and sent["email"] == "maria.gonzalez@example.com"
    [item] = client.get("/__admin/outbox?kind=EMAIL").json()["content"]
    assert item["id"] == sent["outbox_id"] and item["to"] == "maria.gonzalez@example.com"
    assert rx["code"] in item["subject"] and rx["code"] in item["body"]
    [event] = events_of(sandbox, "prescription.email_delivered")
    assert event.data["prescription_code"] == rx["code"]
    assert not events_of(sandbox, "prescription.email_failed")


def test_an_address_in_the_invalid_tld_fails_but_is_still_an_outbox_item(client, co, sandbox):
    rx = issue(client, co, "v1", v1_body())
    response = client.post(f"/ehr/v1/prescriptions/{rx['id']}/email", json={"email": "x@nowhere.invalid"}, headers=co)
    assert response.status_code == 200 and response.json()["status"] == "FAILED"
    [item] = client.get("/__admin/outbox?kind=EMAIL").json()["content"]
    assert item["to"] == "x@nowhere.invalid"
    [event] = events_of(sandbox, "prescription.email_failed")
    assert event.data["email"] == "x@nowhere.invalid"
    assert not events_of(sandbox, "prescription.email_delivered")


def test_a_malformed_email_address_is_422_and_sends_nothing(client, co):
    rx = issue(client, co, "v1", v1_body())
    response = client.post(f"/ehr/v1/prescriptions/{rx['id']}/email", json={"email": "not-an-address"}, headers=co)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["email"])
    assert client.get("/__admin/outbox?kind=EMAIL").json()["content"] == []


def test_a_voided_prescription_cannot_be_emailed(client, co):
    rx = issue(client, co, "v1", v1_body())
    client.post(f"/ehr/v1/prescriptions/{rx['id']}/void", headers=co)
    response = client.post(f"/ehr/v1/prescriptions/{rx['id']}/email", headers=co)
    assert error_of(response) == (422, "MOCK-422-prescription-voided", [])


# -- void ----------------------------------------------------------------------------------------------
def test_voiding_a_prescription_makes_its_code_unredeemable(client, co):
    rx = issue(client, co, "v1", v1_body())
    response = client.post(f"/ehr/v1/prescriptions/{rx['id']}/void", headers=co)
    assert response.status_code == 200 and response.json()["status"] == "VOIDED"
    explained = client.get(f"/__admin/explain?code={rx['code']}").json()
    assert explained["code_type"] == "PRESCRIPTION" and explained["redeemable"] is False
    again = client.post(f"/ehr/v1/prescriptions/{rx['id']}/void", headers=co)
    assert error_of(again) == (422, "MOCK-422-prescription-not-voidable", [])


def test_an_issued_prescription_code_is_explained_as_redeemable(client, co):
    rx = issue(client, co, "v1", v1_body(products=("MED-042",)))
    explained = client.get(f"/__admin/explain?code={rx['code']}").json()
    assert explained["redeemable"] is True and explained["prescription_id"] == rx["id"]
    assert explained["remaining_quantity"] == 30


def test_a_prescription_expires_after_30_days_on_the_mock_clock(client, co):
    rx = issue(client, co, "v1", v1_body())
    client.post("/__admin/clock/advance", json={"seconds": 30 * 86400 - 1})
    assert client.get(f"/__admin/explain?code={rx['code']}").json()["redeemable"] is True
    client.post("/__admin/clock/advance", json={"seconds": 1})
    co = client.bearer(CO_OFFICE)  # a month later the old token has long expired
    read = client.get(f"/ehr/v1/prescriptions/{rx['id']}", headers=co).json()
    assert read["status"] == "EXPIRED" and [p["status"] for p in read["products"]] == ["EXPIRED"]
    expired = client.post(f"/ehr/v1/prescriptions/{rx['id']}/void", headers=co)
    assert error_of(expired) == (422, "MOCK-422-prescription-not-voidable", [])


# -- events --------------------------------------------------------------------------------------------
def test_prescription_issued_carries_the_version(client, co, es, sandbox):
    issue(client, co, "v1", v1_body())
    issue(client, co, "v1.1", v11_body(CARLOS_CC))
    issue(client, es, "v2", v2_body(LUCIA_DNI))
    assert [e.data["version"] for e in events_of(sandbox, "prescription.issued")] == ["v1", "v1.1", "v2"]


def test_prescription_events_reach_the_doctors_office_webhook_signed(client, co):
    with Receiver() as receiver:
        created = client.post(
            "/webhooks/v1/subscriptions", json={"url": receiver.url, "event_types": ["prescription.*"]}, headers=co
        ).json()
        rx = issue(client, co, "v1.1", v11_body())
        client.post(f"/ehr/v1/prescriptions/{rx['id']}/email", headers=co)
        client.post(f"/ehr/v1/prescriptions/{rx['id']}/email", json={"email": "a@b.invalid"}, headers=co)
        client.post("/__admin/clock/advance", json={"seconds": 0})
        received = receiver.wait_for(3)
    bodies = [json.loads(r.body) for r in received]
    assert sorted(b["event_type"] for b in bodies) == [
        "prescription.email_delivered",
        "prescription.email_failed",
        "prescription.issued",
    ]
    assert all(b["data"]["prescription_code"] == rx["code"] for b in bodies)
    for r in received:
        assert verify(r.body, r.headers["x-osigu-signature"], created["signing_secret"], tolerance=None)


def test_a_rejected_prescription_changes_nothing(client, co, sandbox):
    before = fingerprint(sandbox)
    without_consent = client.post(PRESCRIPTIONS["v1.1"], json=v1_body(), headers=co)
    assert error_of(without_consent) == (422, "MOCK-422-validation-failed", ["consent"])
    assert fingerprint(sandbox) == before


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b'{"patient_id": 3000001,', "application/json", 400, "MOCK-400-malformed-json"),
        (b"patient_id=3000001", "application/x-www-form-urlencoded", 415, "MOCK-415-unsupported-media-type"),
        (b'[{"patient_id": 3000001}]', "application/json", 422, "MOCK-422-validation-failed"),
        (b'{"patient_id": "3000001", "doctor": 7}', "application/json", 422, "MOCK-422-validation-failed"),
    ],
    ids=["malformed-json", "form-body", "array-body", "wrong-types"],
)
@pytest.mark.parametrize("path", [*PRESCRIPTIONS.values(), PATIENTS])
def test_bad_input_to_a_creating_ehr_operation_is_an_osigu_error_and_changes_nothing(
    client, co, sandbox, path, content, content_type, status, code
):
    before = fingerprint(sandbox)
    response = client.post(path, content=content, headers={**co, "Content-Type": content_type})
    assert response.status_code == status and response.json()["code"] == code
    assert fingerprint(sandbox) == before


def test_a_v2_body_with_an_integer_beyond_i_json_range_is_422_not_500(client, es):
    body = v2_body()
    body["patient_id"] = 2**63 - 1  # a valid int64, but RFC 8785 cannot canonicalise it
    response = client.post(PRESCRIPTIONS["v2"], json=body, headers=es)
    # 2**63 - 1 is no patient either: patient_id is named beside signature.hash
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["patient_id", "signature.hash"])


def test_a_prescription_reads_back_the_doctor_and_medications_it_was_issued_with(client, co):
    body = v1_body(products=("MED-042", "MED-SBX-001"))
    body["doctor"] = {**body["doctor"], "specialty_name": "Medicina interna"}
    created = issue(client, co, "v1", body)
    read = client.get(f"{PRESCRIPTIONS['v1']}/{created['id']}", headers=co).json()
    assert read["doctor"] == body["doctor"]
    sent = [(m["product_code"], m["quantity"], m["posology"]) for m in body["medications"]]
    assert [(p["product_code"], p["quantity"], p["posology"]) for p in read["products"]] == sent
    assert len({p["id"] for p in read["products"]}) == 2  # each item its own id
