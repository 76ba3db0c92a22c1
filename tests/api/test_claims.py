"""Claims over HTTP: filed against an authorization, outpatient-care claims and their monitor on the mock
clock, medical-procedure claims, and GET /arc/v1/claims (contracts/openapi.yaml, tag claims)."""

from __future__ import annotations

import pytest

from mock_server.core import contracts
from tests.support.clients import error_of
from tests.support.flows import APPROVED_DO, APPROVED_GT, INACTIVE, MARIA, advance
from tests.support.redeeming import (
    CLAIMS,
    CLINIC,
    CONS_GEN_COP,
    LAB_HEMO_COP,
    MED_042_COP,
    OUTPATIENT,
    PHARMACY,
    PROCEDURE,
    authorize,
    complete_dispensation,
    start,
)
from tests.support.state import fingerprint

LAB = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 2}]
PROCEDURE_LINE = [{"product_code": "CONS-GEN", "product_type": "MEDICAL_PROCEDURE", "quantity": 1}]
INVOICE = {"document_number": "FAC-0042", "document_date": "2026-11-30T10:00:00Z"}


@pytest.fixture
def pharmacy(client):
    return client.bearer(PHARMACY)


def outpatient_body(beneficiary_id=MARIA, sponsor="sponsor-sandbox", items=LAB, **extra) -> dict:
    return {
        "beneficiary_id": beneficiary_id,
        "sponsor_slug": sponsor,
        "doctor_medical_license_number": "MP-12345",
        "doctor_country_code": "CO",
        "doctor_name": "Dra. Ana Pérez",
        "diagnoses": [{"coding_system": "ICD-10", "code": "R51", "type_enum": "CHIEF_COMPLAINT"}],
        "line_items": items,
        **extra,
    }


def file_outpatient(client, auth, body) -> dict:
    response = client.post(OUTPATIENT, json=body, headers=auth)
    assert response.status_code == 202, response.text
    monitor = response.json()
    assert response.headers["location"] == f"{OUTPATIENT}/monitors/{monitor['monitor_resource']['id']}"
    return monitor


def monitor_of(client, auth, monitor) -> dict:
    response = client.get(f"{OUTPATIENT}/monitors/{monitor['monitor_resource']['id']}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


# -- against an authorization -----------------------------------------------------------------------
def test_a_pharmacy_files_the_claim_of_a_clinics_authorization_directly(client, clinic, pharmacy):
    authorization = authorize(client, clinic)
    line_id = authorization["products"][0]["id"]
    url = f"/arc/v1/authorizations/{authorization['id']}/claims"
    filed = client.post(
        url,
        json={"products": [{"authorization_product_id": line_id, "price": 480.0, "quantity": 12}]},
        headers=pharmacy,
    )
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    assert filed.headers["location"] == f"{CLAIMS}/{claim['id']}"
    assert (claim["claim_type"], claim["status"], claim["claimed_amount"]) == ("AUTHORIZATION", "COMPLETED", 12 * 480.0)
    assert claim["authorization_id"] == authorization["id"] and claim["dispensation_id"] is None
    after = client.get(f"/arc/v1/authorizations/{authorization['id']}", headers=clinic).json()
    assert after["status"] == "PARTIALLY_CLAIMED" and after["products"][0]["claimed_quantity"] == 12
    too_many = client.post(
        url, json={"products": [{"authorization_product_id": line_id, "price": 1, "quantity": 19}]}, headers=pharmacy
    )
    assert error_of(too_many) == (422, "MOCK-422-validation-failed", ["products[0].quantity"])
    not_a_line = client.post(
        url, json={"products": [{"authorization_product_id": 1, "price": 1, "quantity": 1}]}, headers=pharmacy
    )
    assert error_of(not_a_line) == (422, "MOCK-422-validation-failed", ["products[0].authorization_product_id"])
    unknown = client.post(
        "/arc/v1/authorizations/424242/claims",
        json={"products": [{"authorization_product_id": 1, "price": 1, "quantity": 1}]},
        headers=pharmacy,
    )
    assert error_of(unknown) == (404, "MOCK-404-authorization-not-found", [])


def test_a_claim_cannot_be_filed_while_a_dispensation_holds_the_authorization(client, clinic, pharmacy):
    authorization = authorize(client, clinic)
    assert start(client, pharmacy, authorization["code"]).status_code == 201
    line_id = authorization["products"][0]["id"]
    filed = client.post(
        f"/arc/v1/authorizations/{authorization['id']}/claims",
        json={"products": [{"authorization_product_id": line_id, "price": 1, "quantity": 1}]},
        headers=pharmacy,
    )
    assert error_of(filed) == (409, "MOCK-409-code-locked", [])


# -- outpatient care --------------------------------------------------------------------------------
def test_an_outpatient_claim_monitor_moves_on_the_mock_clock(client, clinic):
    monitor = file_outpatient(client, clinic, outpatient_body())
    assert monitor["monitor_resource"]["status"] == "PENDING" and monitor["outpatient_care_claim_resource"] is None
    advance(client, 4.9)
    assert monitor_of(client, clinic, monitor)["monitor_resource"]["status"] == "PENDING"
    advance(client, 0.1)
    assert monitor_of(client, clinic, monitor)["monitor_resource"]["status"] == "IN_PROGRESS"
    advance(client, 4.9)
    assert monitor_of(client, clinic, monitor)["monitor_resource"]["status"] == "IN_PROGRESS"
    advance(client, 0.1)
    done = monitor_of(client, clinic, monitor)
    resource = done["outpatient_care_claim_resource"]
    assert done["monitor_resource"]["status"] == "COMPLETED"
    assert done["monitor_resource"]["location"] == f"{OUTPATIENT}/{resource['claim_id']}"
    assert (resource["amount"], resource["copayment"], resource["coinsurance"]) == (2 * LAB_HEMO_COP, 0.0, 0.0)
    claim = client.get(f"{OUTPATIENT}/{resource['claim_id']}", headers=clinic).json()
    assert claim["status"] == "READY" and claim["authorization_id"] is None  # sponsor-sandbox takes it without one


def test_an_outpatient_claim_reads_back_the_doctor_diagnoses_and_lines_it_was_filed_with(client, clinic):
    body = outpatient_body(doctor_specialty_name="Medicina general")
    monitor = file_outpatient(client, clinic, body)
    advance(client, 10)
    claim_id = monitor_of(client, clinic, monitor)["outpatient_care_claim_resource"]["claim_id"]
    claim = client.get(f"{OUTPATIENT}/{claim_id}", headers=clinic).json()
    doctor = {k: claim[k] for k in body if k.startswith("doctor_")}
    assert doctor == {k: v for k, v in body.items() if k.startswith("doctor_")}
    assert [(d["coding_system"], d["code"]) for d in claim["diagnoses"]] == [("ICD-10", "R51")]
    lines = [(i["product_code"], i["product_type"], i["quantity"], i["price"]) for i in claim["line_items"]]
    assert lines == [("LAB-HEMO", "LABORATORY", 2, LAB_HEMO_COP)]
    assert (claim["beneficiary_id"], claim["sponsor_slug"], claim["amount"]) == (
        MARIA,
        "sponsor-sandbox",
        2 * LAB_HEMO_COP,
    )


def test_an_outpatient_claim_is_completed_with_its_invoice_and_voided(client, clinic):
    monitor = file_outpatient(client, clinic, outpatient_body())
    advance(client, 10)
    claim_id = monitor_of(client, clinic, monitor)["outpatient_care_claim_resource"]["claim_id"]
    base = f"{OUTPATIENT}/{claim_id}"
    wrong = client.post(f"{base}/complete", json={**INVOICE, "amount": 2 * LAB_HEMO_COP + 0.02}, headers=clinic)
    assert error_of(wrong) == (422, "MOCK-422-amount-mismatch", ["amount"])
    completed = client.post(f"{base}/complete", json={**INVOICE, "amount": 2 * LAB_HEMO_COP}, headers=clinic)
    assert completed.status_code == 200
    assert (completed.json()["status"], completed.json()["document_number"]) == ("COMPLETED", "FAC-0042")
    voided = client.post(f"{base}/void", json={"reason": "duplicada"}, headers=clinic)
    assert voided.status_code == 200 and voided.json()["status"] == "VOIDED"
    assert error_of(client.post(f"{base}/void", json={}, headers=clinic)) == (422, "MOCK-422-claim-not-voidable", [])
    assert error_of(client.get(base, headers=client.bearer(PHARMACY))) == (404, "MOCK-404-claim-not-found", [])


def test_an_outpatient_claim_against_an_authorization_takes_its_units_and_a_void_gives_them_back(client, clinic):
    authorization = authorize(
        client, clinic, products=[{"product_code": "LAB-HEMO", "product_type": "LAB", "quantity": 2}]
    )
    monitor = file_outpatient(client, clinic, outpatient_body(authorization_id=authorization["id"]))
    advance(client, 10)
    claim_id = monitor_of(client, clinic, monitor)["outpatient_care_claim_resource"]["claim_id"]
    claim = client.get(f"{OUTPATIENT}/{claim_id}", headers=clinic).json()
    assert claim["authorization_id"] == authorization["id"]
    assert [f["document_type"] for f in claim["files"]] == ["MEDICAL_INDICATION"]  # inherited from the request
    url = f"/arc/v1/authorizations/{authorization['id']}"
    assert client.get(url, headers=clinic).json()["status"] == "CLAIMED"
    client.post(f"{OUTPATIENT}/{claim_id}/void", json={}, headers=clinic)
    after = client.get(url, headers=clinic).json()
    assert after["status"] == "READY" and after["products"][0]["claimed_quantity"] == 0


@pytest.mark.parametrize(
    ("body", "code", "paths"),
    [
        (outpatient_body(sponsor="no-such-sponsor"), "MOCK-404-sponsor-not-found", ["sponsor_slug"]),
        (outpatient_body(APPROVED_DO), "MOCK-404-beneficiary-not-found", ["beneficiary_id"]),
        (outpatient_body(INACTIVE), "MOCK-422-coverage-inactive", ["beneficiary_id"]),
        (outpatient_body(APPROVED_DO, "sponsor-sandbox-do"), "MOCK-422-authorization-required", ["authorization_id"]),
        (outpatient_body(authorization_id=987654), "MOCK-404-authorization-not-found", ["authorization_id"]),
        (
            outpatient_body(
                APPROVED_GT,
                "demo-insurer",
                authorization_id=None,
                items=[{"product_code": "LAB-HEMO", "product_type": "DRUG", "quantity": 1}],
            ),
            "MOCK-422-validation-failed",
            ["line_items[0].product_type"],
        ),
    ],
    ids=[
        "unknown-sponsor",
        "other-sponsors-beneficiary",
        "inactive-coverage",
        "no-authorization",
        "unknown-authorization",
        "wrong-type",
    ],
)
def test_an_outpatient_claim_with_invalid_business_data_ends_in_error(client, clinic, body, code, paths):
    body = {k: v for k, v in body.items() if v is not None}
    monitor = file_outpatient(client, clinic, body)
    advance(client, 10)
    resource = monitor_of(client, clinic, monitor)["monitor_resource"]
    assert (resource["status"], resource["error_code"]) == ("ERROR", code)
    assert sorted(d["path"] for d in resource["error_details"]) == paths
    documented = contracts.openapi_document()["paths"][OUTPATIENT]["post"]["x-osigu-monitor-errors"]
    assert code in documented
    assert client.get(CLAIMS, headers=clinic).json()["page"]["total_elements"] == 0


def test_an_unregistered_product_is_071_104_when_the_claim_is_filed(client, sandbox, clinic):
    before = fingerprint(sandbox)
    body = outpatient_body(items=[{"product_code": "LAB-SBX-005", "product_type": "LABORATORY", "quantity": 1}])
    answer = client.post(OUTPATIENT, json=body, headers=clinic)  # LAB-SBX-005: not registered by the clinic
    assert error_of(answer) == (422, "071-104", ["line_items[0].product_code"])
    assert fingerprint(sandbox) == before


def test_an_outpatient_claim_needs_the_doctor_and_takes_the_guides_diagnosis_code_with_a_warning(client, clinic):
    body = outpatient_body()
    del body["diagnoses"], body["doctor_name"]
    assert error_of(client.post(OUTPATIENT, json=body, headers=clinic)) == (
        422,
        "MOCK-422-validation-failed",
        ["doctor_name"],
    )
    body = {**outpatient_body(diagnosis_code="R51")}
    del body["diagnoses"]
    answer = client.post(OUTPATIENT, json=body, headers=clinic)
    assert answer.status_code == 202 and "diagnosis_code" in answer.headers["osigu-mock-warning"]


def test_strict_refuses_the_guides_diagnosis_code():
    from mock_server.app import create_app
    from mock_server.settings import Settings
    from tests.support.clients import CheckedClient

    with CheckedClient(create_app(Settings(frozen_clock=True, strict=True))) as strict_client:
        body = outpatient_body(diagnosis_code="R51")
        del body["diagnoses"]
        answer = strict_client.post(OUTPATIENT, json=body, headers=strict_client.bearer(CLINIC))
        assert error_of(answer) == (422, "MOCK-422-validation-failed", ["diagnoses"])


# -- medical procedure ------------------------------------------------------------------------------
def test_a_medical_procedure_claim_follows_its_status_enum(client, clinic):
    authorization = authorize(client, clinic, products=PROCEDURE_LINE)
    filed = client.post(
        PROCEDURE,
        json={"authorization_id": authorization["id"], "additional_notes": "sin complicaciones"},
        headers=clinic,
    )
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    base = f"{PROCEDURE}/{claim['claim_id']}"
    assert filed.headers["location"] == base
    assert (claim["status"], claim["amount"]) == ("IN_PROGRESS", CONS_GEN_COP)
    assert error_of(client.post(f"{base}/complete", json=INVOICE, headers=clinic)) == (
        409,
        "MOCK-409-claim-not-ready",
        [],
    )
    advance(client, 5)
    assert client.get(base, headers=clinic).json()["status"] == "READY"
    assert client.post(f"{base}/complete", json=INVOICE, headers=clinic).json()["status"] == "COMPLETED"
    assert client.post(f"{base}/complete", json=INVOICE, headers=clinic).json()["status"] == "COMPLETED"  # again: same
    assert client.post(f"{base}/void", json={}, headers=clinic).json()["status"] == "VOIDED"
    assert client.get(f"/arc/v1/authorizations/{authorization['id']}", headers=clinic).json()["status"] == "READY"


def test_a_medical_procedure_claim_needs_a_procedure_authorization_with_units_left(client, clinic):
    drug = authorize(client, clinic)
    answer = client.post(PROCEDURE, json={"authorization_id": drug["id"]}, headers=clinic)
    assert error_of(answer) == (422, "MOCK-422-validation-failed", ["authorization_id"])
    procedure = authorize(client, clinic, products=PROCEDURE_LINE)
    assert client.post(PROCEDURE, json={"authorization_id": procedure["id"]}, headers=clinic).status_code == 201
    again = client.post(PROCEDURE, json={"authorization_id": procedure["id"]}, headers=clinic)
    assert error_of(again) == (422, "MOCK-422-code-not-redeemable", [])
    missing = client.post(PROCEDURE, json={"authorization_id": 31337}, headers=clinic)
    assert error_of(missing) == (404, "MOCK-404-authorization-not-found", ["authorization_id"])


# -- the list -----------------------------------------------------------------------------------------
def test_the_claims_list_shows_every_claim_of_this_provider_and_filters_them(client, clinic, pharmacy):
    dispensed = authorize(client, clinic)
    body = start(client, pharmacy, dispensed["code"]).json()
    generated = complete_dispensation(client, pharmacy, body).json()["claim"]
    filed_on = authorize(client, clinic)
    line_id = filed_on["products"][0]["id"]
    filed = client.post(
        f"/arc/v1/authorizations/{filed_on['id']}/claims",
        json={"products": [{"authorization_product_id": line_id, "price": MED_042_COP, "quantity": 3}]},
        headers=pharmacy,
    ).json()
    page = client.get(CLAIMS, headers=pharmacy).json()
    assert [c["id"] for c in page["content"]] == [filed["id"], generated["id"]]  # newest first
    assert page["content"][1]["dispensation_id"] == body["dispensation_id"]
    only = client.get(f"{CLAIMS}?claim_type=AUTHORIZATION", headers=pharmacy).json()["content"]
    assert [c["id"] for c in only] == [filed["id"]]
    by_authorization = client.get(f"{CLAIMS}?authorization_id={dispensed['id']}", headers=pharmacy).json()["content"]
    assert [c["id"] for c in by_authorization] == [generated["id"]]
    assert client.get(CLAIMS, headers=clinic).json()["page"]["total_elements"] == 0
    bad = client.get(f"{CLAIMS}?status=OPEN", headers=pharmacy)
    assert error_of(bad) == (400, "MOCK-400-invalid-parameter", ["status"])


# -- what the second skeptic review found unpinned -----------------------------------------------------
LAB_AUTHORIZATION = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 2}]


def _processed(client, clinic, body) -> dict:
    monitor = file_outpatient(client, clinic, body)
    advance(client, 10)
    return monitor_of(client, clinic, monitor)["monitor_resource"]


def test_an_outpatient_claim_on_a_voided_authorization_ends_in_error(client, clinic):
    authorization = authorize(client, clinic, products=LAB_AUTHORIZATION)
    assert client.post(f"/arc/v1/authorizations/{authorization['id']}/void", json={}, headers=clinic).status_code == 200
    resource = _processed(client, clinic, outpatient_body(authorization_id=authorization["id"]))
    assert (resource["status"], resource["error_code"]) == ("ERROR", "MOCK-422-code-not-redeemable")


def test_an_outpatient_claim_on_another_beneficiarys_authorization_ends_in_error(client, clinic):
    authorization = authorize(client, clinic, products=LAB_AUTHORIZATION)  # MARIA's
    body = outpatient_body(1000101, authorization_id=authorization["id"])  # another sponsor-sandbox beneficiary
    resource = _processed(client, clinic, body)
    assert (resource["status"], resource["error_code"]) == ("ERROR", "MOCK-422-code-not-redeemable")
    assert [d["path"] for d in resource["error_details"]] == ["authorization_id"]


def test_an_outpatient_claim_of_a_type_the_sponsor_does_not_cover_ends_in_error(client, clinic):
    items = [{"product_code": "IMG-SBX-001", "product_type": "DIAGNOSTIC_TEST", "quantity": 1}]
    resource = _processed(client, clinic, outpatient_body(APPROVED_GT, "demo-insurer", items=items))  # no imaging
    assert (resource["status"], resource["error_code"]) == ("ERROR", "MOCK-422-validation-failed")
    assert [d["path"] for d in resource["error_details"]] == ["line_items[0].product_code"]


def test_the_claims_list_filters_by_status(client, clinic):
    first = _processed(client, clinic, outpatient_body())
    _processed(client, clinic, outpatient_body())
    claim_id = int(first["location"].rsplit("/", 1)[1])
    client.post(f"{OUTPATIENT}/{claim_id}/void", json={}, headers=clinic)
    voided = client.get(f"{CLAIMS}?status=VOIDED", headers=clinic).json()["content"]
    assert [c["id"] for c in voided] == [claim_id]
    assert len(client.get(f"{CLAIMS}?status=READY", headers=clinic).json()["content"]) == 1


def test_a_procedure_claim_may_take_part_of_the_units(client, clinic):
    procedure = [{"product_code": "CONS-GEN", "product_type": "MEDICAL_PROCEDURE", "quantity": 2}]
    authorization = authorize(client, clinic, products=procedure)
    body = {"authorization_id": authorization["id"], "products": [{"product_code": "CONS-GEN", "quantity": 1}]}
    filed = client.post(PROCEDURE, json=body, headers=clinic)
    assert filed.status_code == 201 and filed.json()["amount"] == CONS_GEN_COP
    after = client.get(f"/arc/v1/authorizations/{authorization['id']}", headers=clinic).json()
    assert after["status"] == "PARTIALLY_CLAIMED"


def test_another_provider_sees_no_claim_monitor_of_the_clinic(client, clinic, pharmacy):
    monitor = file_outpatient(client, clinic, outpatient_body())
    answer = client.get(f"{OUTPATIENT}/monitors/{monitor['monitor_resource']['id']}", headers=pharmacy)
    assert error_of(answer) == (404, "MOCK-404-monitor-not-found", [])
