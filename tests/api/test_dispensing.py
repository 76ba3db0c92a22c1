"""Dispensing over HTTP: a pharmacy redeems a clinic's authorization or a doctor's prescription by its code
(contracts/openapi.yaml, tag dispensing). Prices come from fixtures/world/catalogue.json, written out in
tests/support/redeeming.py; plan shares from fixtures/world/sponsors.yaml."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import orjson
import pytest

from mock_server.webhooks import verify
from tests.support.clients import error_of
from tests.support.flows import APPROVED_DO, BIOMETRIC_GT, LIMITED, MARIA, OTP_DO, events_of, guide_body, initiate
from tests.support.prescribing import CO_OFFICE, MARIA_CC, issue, v1_body
from tests.support.receiver import Receiver
from tests.support.redeeming import (
    CLAIMS,
    CLINIC,
    DISPENSATIONS,
    MED_042_COP,
    PERSONA_OTP,
    PHARMACY,
    authorize,
    complete_dispensation,
    invoice,
    line,
    otp_token,
    start,
)
from tests.support.state import fingerprint

CATALOGUE = Path(__file__).resolve().parents[2] / "fixtures" / "world" / "catalogue.json"


@pytest.fixture
def pharmacy(client):
    return client.bearer(PHARMACY)


@pytest.fixture
def authorization(client, clinic):
    """MARIA's READY authorization for 30 units of MED-042, issued by the clinic."""
    return authorize(client, clinic)


def started(client, auth, code, **body) -> dict:
    response = start(client, auth, code, **body)
    assert response.status_code == 201, response.text
    return response.json()


def authorization_of(client, clinic, authorization_id) -> dict:
    return client.get(f"/arc/v1/authorizations/{authorization_id}", headers=clinic).json()


def list_price(code: str, currency: str) -> float:
    """A product's list price, read from the fixture itself (not from the mock's code)."""
    raw = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    items = raw["products"] if isinstance(raw, dict) else raw
    product = next(p for p in items if p["product_code"] == code)
    prices = product["prices"]
    return float(
        prices[currency]
        if isinstance(prices, dict)
        else next(p["price"] for p in prices if p["currency_code"] == currency)
    )


# -- start ----------------------------------------------------------------------------------------
def test_a_pharmacy_redeems_a_clinics_authorization_by_its_code(client, clinic, pharmacy, authorization):
    response = start(client, pharmacy, authorization["code"], beneficiary_id=MARIA)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{DISPENSATIONS}/{body['dispensation_id']}"
    assert body["status"] == "STARTED" and body["code_type"] == "AUTHORIZATION"
    assert body["verification_required"] is None
    assert body["authorization_id"] == authorization["id"] and body["provider_slug"] == "pharmacy-example"
    [taken] = body["products"]
    assert taken["id"] == str(authorization["products"][0]["id"])
    assert (taken["product_code"], taken["quantity"], taken["price"], taken["taxes"]) == ("MED-042", 30, 500.0, 0.0)
    assert body["amount"] == 30 * MED_042_COP
    assert client.get(f"{DISPENSATIONS}/{body['dispensation_id']}", headers=pharmacy).json() == body


def test_lines_are_priced_at_the_list_price_with_the_callers_taxes(client, pharmacy, authorization):
    line_id = authorization["products"][0]["id"]
    body = started(client, pharmacy, authorization["code"], products=[line(line_id, 10, price=1.0, taxes=95.0)])
    [taken] = body["products"]
    assert (taken["quantity"], taken["price"], taken["unit_price"], taken["taxes"]) == (10, 500.0, 500.0, 95.0)
    assert body["amount"] == 10 * 500.0 + 95.0


def test_an_unknown_code_is_404(client, pharmacy):
    assert error_of(start(client, pharmacy, "ZZZZZZZZZ")) == (404, "MOCK-404-code-not-found", [])


def test_a_code_issued_to_another_beneficiary_is_422_and_starts_nothing(client, sandbox, pharmacy, authorization):
    before = fingerprint(sandbox)
    answer = start(client, pharmacy, authorization["code"], beneficiary_id=APPROVED_DO)
    assert error_of(answer) == (422, "MOCK-422-code-not-redeemable", ["beneficiary_id"])
    assert fingerprint(sandbox) == before


def test_a_voided_authorization_code_is_422(client, clinic, pharmacy, authorization):
    voided = client.post(f"/arc/v1/authorizations/{authorization['id']}/void", json={}, headers=clinic)
    assert voided.status_code == 200
    assert error_of(start(client, pharmacy, authorization["code"])) == (422, "MOCK-422-code-not-redeemable", [])


def test_an_expired_authorization_code_is_422(client, authorization):
    client.post("/__admin/clock/advance", json={"seconds": 31 * 86400})  # sponsor-sandbox: valid 30 days
    fresh = client.bearer(PHARMACY)  # the earlier token expired with the clock
    assert error_of(start(client, fresh, authorization["code"])) == (422, "MOCK-422-code-not-redeemable", [])


def test_a_fully_claimed_authorization_code_is_422(client, pharmacy, authorization):
    assert complete_dispensation(client, pharmacy, started(client, pharmacy, authorization["code"])).status_code == 200
    answer = start(client, pharmacy, authorization["code"])
    assert error_of(answer) == (422, "MOCK-422-code-not-redeemable", [])
    assert "fully claimed" in answer.json()["message"]


def test_a_second_start_on_a_code_is_409_while_the_first_is_started(client, sandbox, pharmacy, authorization):
    first = started(client, pharmacy, authorization["code"])
    assert error_of(start(client, client.bearer(CLINIC), authorization["code"])) == (409, "MOCK-409-code-locked", [])
    assert len([e for e in events_of(sandbox, "dispensing.started") if e.provider_slug == "pharmacy-example"]) == 1
    client.post(f"{DISPENSATIONS}/{first['dispensation_id']}/cancel", json={}, headers=pharmacy)
    assert start(client, pharmacy, authorization["code"]).status_code == 201  # released


def test_a_partial_quantity_beyond_what_is_left_is_422(client, pharmacy, authorization):
    line_id = authorization["products"][0]["id"]
    answer = start(client, pharmacy, authorization["code"], products=[line(line_id, 31)])
    assert error_of(answer) == (422, "MOCK-422-validation-failed", ["products[0].quantity"])
    # two items on the same line add up
    answer = start(client, pharmacy, authorization["code"], products=[line(line_id, 20), line(line_id, 11)])
    assert error_of(answer) == (422, "MOCK-422-validation-failed", ["products[1].quantity"])


def test_a_line_that_is_not_of_the_code_is_422(client, pharmacy, authorization):
    answer = start(client, pharmacy, authorization["code"], products=[line(999999, 1), line("abc", 1)])
    assert error_of(answer) == (422, "MOCK-422-validation-failed", ["products[0].id", "products[1].id"])


def test_a_substitute_is_priced_at_its_own_list_price_and_needs_a_reason(client, pharmacy, authorization):
    line_id = authorization["products"][0]["id"]
    substitute = "MED-SBX-001"
    missing_reason = start(
        client, pharmacy, authorization["code"], products=[line(line_id, 5, substitute_product_code=substitute)]
    )
    assert error_of(missing_reason) == (422, "MOCK-422-validation-failed", ["products[0].substitution_reason_enum"])
    other = line(line_id, 5, substitute_product_code=substitute, substitution_reason_enum="OTHER")
    assert error_of(start(client, pharmacy, authorization["code"], products=[other])) == (
        422,
        "MOCK-422-validation-failed",
        ["products[0].substitution_other_description"],
    )
    unknown = line(line_id, 5, substitute_product_code="NOPE-1", substitution_reason_enum="OUT_OF_STOCK")
    assert error_of(start(client, pharmacy, authorization["code"], products=[unknown])) == (
        422,
        "MOCK-422-validation-failed",
        ["products[0].substitute_product_code"],
    )
    free_text = line(line_id, 5, substitute_product_code=substitute, substitution_reason="sin existencias")
    with_free_text = started(client, pharmacy, authorization["code"], products=[free_text])  # a reason in words
    client.post(f"{DISPENSATIONS}/{with_free_text['dispensation_id']}/cancel", json={}, headers=pharmacy)
    good = line(line_id, 5, substitute_product_code=substitute, substitution_reason_enum="OUT_OF_STOCK")
    [taken] = started(client, pharmacy, authorization["code"], products=[good])["products"]
    assert taken["product_code"] == "MED-042" and taken["substitute_product_code"] == substitute
    assert taken["price"] == list_price(substitute, "COP") and taken["substitution_reason_enum"] == "OUT_OF_STOCK"


def test_a_currency_other_than_the_sponsors_is_422(client, pharmacy, authorization):
    answer = start(client, pharmacy, authorization["code"], currency_code="USD")
    assert error_of(answer) == (422, "MOCK-422-validation-failed", ["currency_code"])
    assert start(client, pharmacy, authorization["code"], currency_code="COP").status_code == 201


# -- update, cancel, timeout ------------------------------------------------------------------------
def test_update_replaces_the_lines_while_started(client, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    line_id = authorization["products"][0]["id"]
    url = f"{DISPENSATIONS}/{body['dispensation_id']}"
    updated = client.put(url, json={"products": [line(line_id, 7, taxes=10.0)]}, headers=pharmacy)
    assert updated.status_code == 200
    assert [(p["quantity"], p["taxes"]) for p in updated.json()["products"]] == [(7, 10.0)]
    assert updated.json()["amount"] == 7 * MED_042_COP + 10.0
    assert complete_dispensation(client, pharmacy, updated.json()).status_code == 200
    again = client.put(url, json={"products": [line(line_id, 1)]}, headers=pharmacy)
    assert error_of(again) == (422, "MOCK-422-dispensation-not-started", [])


def test_cancel_releases_the_code_and_emits_dispensing_cancelled(client, sandbox, clinic, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    cancelled = client.post(f"{DISPENSATIONS}/{body['dispensation_id']}/cancel", json={}, headers=pharmacy)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["cancel_reason"] == "PHARMACY"
    [to_clinic] = [e for e in events_of(sandbox, "dispensing.cancelled") if e.provider_slug == "clinic-example"]
    assert to_clinic.data["reason"] == "PHARMACY" and to_clinic.data["dispensation_id"] == body["dispensation_id"]
    assert authorization_of(client, clinic, authorization["id"])["status"] == "READY"
    completing = complete_dispensation(client, pharmacy, body)
    assert error_of(completing) == (422, "MOCK-422-dispensation-not-started", [])
    assert start(client, pharmacy, authorization["code"]).status_code == 201


def test_a_started_dispensation_times_out_after_30_minutes_of_mock_clock(client, sandbox, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    url = f"{DISPENSATIONS}/{body['dispensation_id']}"
    client.post("/__admin/clock/advance", json={"seconds": 30 * 60 - 1})
    assert client.get(url, headers=pharmacy).json()["status"] == "STARTED"
    assert error_of(start(client, pharmacy, authorization["code"]))[1] == "MOCK-409-code-locked"
    client.post("/__admin/clock/advance", json={"seconds": 1})
    timed_out = client.get(url, headers=pharmacy).json()
    assert (timed_out["status"], timed_out["cancel_reason"]) == ("CANCELLED", "TIMEOUT")
    assert [e.data["reason"] for e in events_of(sandbox, "dispensing.cancelled")] == ["TIMEOUT", "TIMEOUT"]
    assert start(client, pharmacy, authorization["code"]).status_code == 201


# -- complete -------------------------------------------------------------------------------------
def test_complete_generates_the_claim_and_claims_the_authorization(client, clinic, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    completed = complete_dispensation(client, pharmacy, body, provider_transaction_id="POS-77")
    assert completed.status_code == 200
    result = completed.json()
    assert result["status"] == "COMPLETED"
    claim = result["claim"]
    assert claim["id"] == result["claim_id"] and claim["claim_type"] == "DISPENSATION"
    assert claim["status"] == "COMPLETED" and claim["claimed_amount"] == 30 * MED_042_COP
    assert (claim["authorization_id"], claim["dispensation_id"]) == (authorization["id"], body["dispensation_id"])
    assert (claim["document_number"], claim["provider_transaction_id"]) == ("FAC-0001", "POS-77")
    assert (claim["copayment_amount"], claim["coinsurance_amount"]) == (0.0, 0.0)  # GOLD-100: no copay, 0 %
    after = authorization_of(client, clinic, authorization["id"])
    assert after["status"] == "CLAIMED"
    assert [(p["claimed_quantity"], p["status"]) for p in after["products"]] == [(30, "CLAIMED")]
    listed = client.get(CLAIMS, headers=pharmacy).json()["content"]
    assert [c["id"] for c in listed] == [claim["id"]]
    assert client.get(f"{CLAIMS}/{claim['id']}", headers=pharmacy).json() == claim
    assert error_of(client.get(f"{CLAIMS}/{claim['id']}", headers=clinic)) == (404, "MOCK-404-claim-not-found", [])


def test_the_plan_sets_the_copayment_and_coinsurance_of_a_generated_claim(client, clinic, pharmacy):
    """approved-do's plan ARS-PLUS: no copay, 10 % coinsurance (fixtures/world/sponsors.yaml)."""
    products = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 2}]
    authorization = authorize(client, clinic, APPROVED_DO, "sponsor-sandbox-do", products)
    body = started(client, pharmacy, authorization["code"])
    assert body["currency_code"] == "DOP" and body["products"][0]["price"] == list_price("LAB-HEMO", "DOP")
    claim = complete_dispensation(client, pharmacy, body).json()["claim"]
    amount = 2 * list_price("LAB-HEMO", "DOP")
    assert claim["claimed_amount"] == amount and claim["currency"] == "DOP"
    assert claim["copayment_amount"] == 0.0 and claim["coinsurance_amount"] == round(amount * 0.10, 2)
    assert claim["covered_amount"] == round(amount - amount * 0.10, 2)


def test_partial_dispensing_leaves_the_rest_for_a_later_dispensation(client, clinic, pharmacy, authorization):
    line_id = authorization["products"][0]["id"]
    first = started(client, pharmacy, authorization["code"], products=[line(line_id, 10)])
    assert complete_dispensation(client, pharmacy, first).status_code == 200
    after = authorization_of(client, clinic, authorization["id"])
    assert after["status"] == "PARTIALLY_CLAIMED" and after["products"][0]["claimed_quantity"] == 10
    second = started(client, pharmacy, authorization["code"])
    assert [p["quantity"] for p in second["products"]] == [20]
    assert complete_dispensation(client, pharmacy, second).status_code == 200
    assert authorization_of(client, clinic, authorization["id"])["status"] == "CLAIMED"
    claims = client.get(CLAIMS, headers=pharmacy).json()["content"]
    assert sorted(c["claimed_amount"] for c in claims) == [10 * MED_042_COP, 20 * MED_042_COP]


def test_an_amount_off_by_more_than_a_cent_is_422_and_within_a_cent_completes(client, sandbox, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    url = f"{DISPENSATIONS}/{body['dispensation_id']}/complete"
    before = fingerprint(sandbox)
    off = client.post(url, json=invoice(body["amount"] + 0.02), headers=pharmacy)
    assert error_of(off) == (422, "MOCK-422-amount-mismatch", ["amount"])
    assert fingerprint(sandbox) == before
    assert client.post(url, json=invoice(body["amount"] - 0.01), headers=pharmacy).status_code == 200


def test_complete_needs_the_invoice_fields(client, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    url = f"{DISPENSATIONS}/{body['dispensation_id']}/complete"
    answer = client.post(url, json={"amount": body["amount"], "document_date": "yesterday"}, headers=pharmacy)
    assert error_of(answer) == (422, "MOCK-422-validation-failed", ["document_date", "document_number"])


def test_completing_twice_answers_the_same_and_generates_one_claim(client, sandbox, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    first = complete_dispensation(client, pharmacy, body)
    second = complete_dispensation(client, pharmacy, body, document_number="FAC-9999")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert client.get(CLAIMS, headers=pharmacy).json()["page"]["total_elements"] == 1
    assert len(events_of(sandbox, "dispensing.completed")) == 2  # one for the clinic, one for the pharmacy


def test_a_claimed_authorization_cannot_be_voided_nor_one_a_dispensation_holds(client, clinic, pharmacy, authorization):
    void = f"/arc/v1/authorizations/{authorization['id']}/void"
    body = started(client, pharmacy, authorization["code"], products=[line(authorization["products"][0]["id"], 5)])
    assert error_of(client.post(void, json={}, headers=clinic)) == (409, "MOCK-409-code-locked", [])
    assert complete_dispensation(client, pharmacy, body).status_code == 200
    assert error_of(client.post(void, json={}, headers=clinic)) == (422, "MOCK-422-authorization-claimed", [])


def test_another_provider_sees_no_dispensation_of_the_pharmacy(client, clinic, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    base = f"{DISPENSATIONS}/{body['dispensation_id']}"
    not_found = (404, "MOCK-404-dispensation-not-found", [])
    assert error_of(client.get(base, headers=clinic)) == not_found
    assert error_of(client.get(f"{base}/verification-status", headers=clinic)) == not_found
    assert error_of(client.post(f"{base}/complete", json=invoice(body["amount"]), headers=clinic)) == not_found
    assert error_of(client.post(f"{base}/cancel", json={}, headers=clinic)) == not_found
    assert client.get(base, headers=pharmacy).json()["status"] == "STARTED"


# -- events ---------------------------------------------------------------------------------------
def test_dispensing_events_reach_the_issuer_and_the_pharmacy_with_the_documented_fields(
    client, sandbox, clinic, pharmacy, authorization
):
    body = started(client, pharmacy, authorization["code"])
    complete_dispensation(client, pharmacy, body)
    for event_type in ("dispensing.started", "dispensing.completed"):
        found = events_of(sandbox, event_type)
        assert sorted(e.provider_slug for e in found) == ["clinic-example", "pharmacy-example"]
        data = found[0].data
        assert (data["dispensation_id"], data["code"], data["code_type"]) == (
            body["dispensation_id"],
            authorization["code"],
            "AUTHORIZATION",
        )
        assert (data["beneficiary_id"], data["sponsor_slug"]) == (MARIA, "sponsor-sandbox")
        assert data["pharmacy"] == {"provider_slug": "pharmacy-example", "branch_id": body["provider_branch_id"]}
    [completed] = [e for e in events_of(sandbox, "dispensing.completed") if e.provider_slug == "clinic-example"]
    assert completed.data["authorization_id"] == authorization["id"] and completed.data["prescription_id"] is None
    assert completed.data["products"] == [{"product_code": "MED-042", "quantity": 30, "unit_price": MED_042_COP}]
    assert completed.data["total_amount"] == 30 * MED_042_COP


def test_dispensing_events_are_delivered_signed_to_the_issuers_subscription(client, clinic, pharmacy, authorization):
    with Receiver() as receiver:
        created = client.post(
            "/webhooks/v1/subscriptions", json={"url": receiver.url, "event_types": ["dispensing.*"]}, headers=clinic
        )
        secret = created.json()["signing_secret"]
        body = started(client, pharmacy, authorization["code"])
        complete_dispensation(client, pharmacy, body)
        client.post("/__admin/clock/advance", json={"seconds": 0})
        received = receiver.wait_for(2)
        kinds = []
        for delivery in received:
            verify(delivery.body, delivery.headers["x-osigu-signature"], secret)
            envelope = orjson.loads(delivery.body)
            assert envelope["provider"]["provider_slug"] == "clinic-example"
            kinds.append(envelope["event_type"])
        assert sorted(kinds) == ["dispensing.completed", "dispensing.started"]


# -- verification ---------------------------------------------------------------------------------
@pytest.fixture
def otp_authorization(client, clinic):
    """The otp persona's DRUG authorization on sponsor-sandbox-do, whose rule asks an OTP to dispense DRUG."""
    return authorize(client, clinic, OTP_DO, "sponsor-sandbox-do")


def test_an_otp_sponsor_asks_an_otp_at_start_and_complete_needs_it(client, pharmacy, otp_authorization):
    body = started(client, pharmacy, otp_authorization["code"])
    assert body["verification_required"] == "OTP"
    status_url = f"{DISPENSATIONS}/{body['dispensation_id']}/verification-status"
    assert client.get(status_url, headers=pharmacy).json()["status"] == "PENDING"
    refused = complete_dispensation(client, pharmacy, body)
    assert error_of(refused) == (422, "MOCK-422-verification-required", [])
    assert refused.json()["verification_required"] == "OTP" and "/challenges/" in refused.json()["challenge_url"]
    token = otp_token(client, pharmacy, OTP_DO, "sponsor-sandbox-do")
    assert complete_dispensation(client, pharmacy, body, otp_verification_token=token).status_code == 200
    assert client.get(status_url, headers=pharmacy).json()["status"] == "VERIFIED"


def test_an_otp_token_is_single_use_across_operations(client, clinic, pharmacy):
    products = [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 2}]
    first = authorize(client, clinic, OTP_DO, "sponsor-sandbox-do", products)
    second = authorize(client, clinic, OTP_DO, "sponsor-sandbox-do", products)
    token = otp_token(client, pharmacy, OTP_DO, "sponsor-sandbox-do")
    one = started(client, pharmacy, first["code"])
    assert complete_dispensation(client, pharmacy, one, otp_verification_token=token).status_code == 200
    two = started(client, pharmacy, second["code"])
    reused = complete_dispensation(client, pharmacy, two, otp_verification_token=token)
    assert error_of(reused) == (422, "MOCK-422-otp-token-invalid", ["otp_verification_token"])


def test_the_otp_code_itself_completes_as_an_external_verification_and_is_used_up(client, pharmacy, otp_authorization):
    body = started(client, pharmacy, otp_authorization["code"])
    sent = client.post(
        "/otp/generate",
        json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do", "channel": "SMS"},
        headers=pharmacy,
    ).json()
    wrong = complete_dispensation(client, pharmacy, body, external_verifications=[{"type": "OTP", "value": "000000"}])
    assert error_of(wrong)[1] == "MOCK-422-verification-required"
    right = complete_dispensation(
        client, pharmacy, body, external_verifications=[{"type": "OTP", "value": PERSONA_OTP}]
    )
    assert right.status_code == 200
    validate = client.post("/otp/validate", json={"otp_id": sent["otp_id"], "code": PERSONA_OTP}, headers=pharmacy)
    assert error_of(validate)[1] == "MOCK-422-otp-invalid"  # the code was used up by the dispensation


def _procedure_authorization(client, clinic) -> dict:
    """The biometric persona's MEDICAL_PROCEDURE authorization on demo-insurer (biometric to complete and to
    dispense procedures)."""
    body = guide_body(
        BIOMETRIC_GT, "demo-insurer", [{"product_code": "CONS-GEN", "product_type": "PROCEDURE", "quantity": 1}]
    )
    body.update(
        {
            "professional_license_number": "COL-4455",
            "service_type_code": "OUTPATIENT",
            "authorization_type": "PROCEDURE",
        }
    )
    created = initiate(client, clinic, body)
    reading = {"type": "FINGERPRINT", "reading_base64": base64.b64encode(b"R" * 2048).decode()}
    read = client.post(f"/arc/v1/authorization-requests/{created['id']}/biometrics", json=reading, headers=clinic)
    assert read.status_code == 201, read.text
    done = client.post(f"/arc/v1/authorization-requests/{created['id']}/complete", json={}, headers=clinic)
    assert done.status_code == 200, done.text
    return done.json()["authorizations"][0]


def test_a_biometric_sponsor_asks_a_match_to_dispense_a_procedure(client, clinic, pharmacy):
    authorization = _procedure_authorization(client, clinic)
    body = started(client, pharmacy, authorization["code"])
    assert body["verification_required"] == "BIOMETRIC" and body["currency_code"] == "GTQ"
    refused = complete_dispensation(client, pharmacy, body)
    assert error_of(refused)[1] == "MOCK-422-verification-required"
    assert refused.json()["verification_required"] == "BIOMETRIC"
    challenge_id = refused.json()["challenge_id"]
    status = client.get(f"{DISPENSATIONS}/{body['dispensation_id']}/verification-status", headers=pharmacy).json()
    assert (status["status"], status["challenge_id"]) == ("PENDING", challenge_id)
    no = client.post(f"/__admin/challenges/{challenge_id}/decision", json={"outcome": "NO_MATCH"})
    assert no.status_code == 200 and no.json()["dispensation_id"] == body["dispensation_id"]
    assert error_of(complete_dispensation(client, pharmacy, body))[1] == "MOCK-422-verification-required"
    reading = base64.b64encode(b"R" * 2048).decode()
    matched = complete_dispensation(
        client, pharmacy, body, external_verifications=[{"type": "BIOMETRIC", "value": reading}]
    )
    assert matched.status_code == 200 and matched.json()["claim"]["claim_type"] == "DISPENSATION"


# -- prescriptions --------------------------------------------------------------------------------
@pytest.fixture
def prescription(client):
    return issue(client, client.bearer(CO_OFFICE), "v1", v1_body(MARIA_CC))


def test_a_pharmacy_dispenses_a_prescription_and_no_claim_is_generated(client, sandbox, pharmacy, prescription):
    body = started(client, pharmacy, prescription["code"], beneficiary_id=MARIA)
    assert body["code_type"] == "PRESCRIPTION" and body["prescription_id"] == prescription["id"]
    assert body["beneficiary_id"] == MARIA  # the patient's document is MARIA's
    assert body["currency_code"] == "COP" and body["products"][0]["price"] == MED_042_COP  # the pharmacy's country
    completed = complete_dispensation(client, pharmacy, body)
    assert completed.status_code == 200 and completed.json()["claim_id"] is None
    after = client.get(f"/ehr/v1/prescriptions/{prescription['id']}", headers=client.bearer(CO_OFFICE)).json()
    assert after["status"] == "DISPENSED"
    assert client.get(CLAIMS, headers=pharmacy).json()["page"]["total_elements"] == 0
    [done] = [e for e in events_of(sandbox, "dispensing.completed") if e.provider_slug == "doctors-office-example"]
    assert done.data["prescription_id"] == prescription["id"] and done.data["authorization_id"] is None


def test_a_prescription_is_dispensed_in_part_and_with_a_substitute(client, pharmacy, prescription):
    body = started(client, pharmacy, prescription["code"])
    item = body["products"][0]["id"]
    client.post(f"{DISPENSATIONS}/{body['dispensation_id']}/cancel", json={}, headers=pharmacy)
    part = started(client, pharmacy, prescription["code"], products=[line(item, 10)])
    assert complete_dispensation(client, pharmacy, part).status_code == 200
    office = client.bearer(CO_OFFICE)
    after = client.get(f"/ehr/v1/prescriptions/{prescription['id']}", headers=office).json()
    assert after["status"] == "PARTIALLY_DISPENSED"
    substitute = line(item, 20, substitute_product_code="MED-SBX-001", substitution_reason_enum="ACTIVE_INGREDIENT")
    rest = started(client, pharmacy, prescription["code"], products=[substitute])
    assert complete_dispensation(client, pharmacy, rest).status_code == 200
    after = client.get(f"/ehr/v1/prescriptions/{prescription['id']}", headers=office).json()
    assert after["status"] == "DISPENSED"
    statuses = [log["status"] for log in after["prescription_item_dispensation_logs"]]
    assert statuses == ["PARTIALLY_DISPENSED", "SUBSTITUTED"]


def test_a_prescription_for_another_beneficiary_or_voided_is_422(client, pharmacy, prescription):
    assert error_of(start(client, pharmacy, prescription["code"], beneficiary_id=APPROVED_DO)) == (
        422,
        "MOCK-422-code-not-redeemable",
        ["beneficiary_id"],
    )
    office = client.bearer(CO_OFFICE)
    assert client.post(f"/ehr/v1/prescriptions/{prescription['id']}/void", json={}, headers=office).status_code == 200
    assert error_of(start(client, pharmacy, prescription["code"])) == (422, "MOCK-422-code-not-redeemable", [])


def test_a_second_start_on_a_prescription_is_409(client, pharmacy, prescription):
    started(client, pharmacy, prescription["code"])
    assert error_of(start(client, pharmacy, prescription["code"])) == (409, "MOCK-409-code-locked", [])


def test_explain_says_whether_a_code_is_redeemable_now_and_why_not(client, pharmacy, authorization):
    def explained():
        return client.get(f"/__admin/explain?code={authorization['code']}").json()

    assert (explained()["redeemable"], explained()["not_redeemable_because"]) == (True, None)
    body = started(client, pharmacy, authorization["code"])
    assert explained()["redeemable"] is False and "being dispensed" in explained()["not_redeemable_because"]
    complete_dispensation(client, pharmacy, body)
    assert explained()["redeemable"] is False and "fully claimed" in explained()["not_redeemable_because"]
    assert explained()["remaining_quantity"] == 0


# -- what the second skeptic review found unpinned -----------------------------------------------------
def test_cancelling_twice_answers_the_same_and_emits_once(client, sandbox, pharmacy, authorization):
    body = started(client, pharmacy, authorization["code"])
    url = f"{DISPENSATIONS}/{body['dispensation_id']}/cancel"
    first, second = (client.post(url, json={}, headers=pharmacy) for _ in range(2))
    assert first.status_code == second.status_code == 200 and second.json() == first.json()
    assert len(events_of(sandbox, "dispensing.cancelled")) == 2  # one to the clinic, one to the pharmacy


def test_an_update_restarts_the_30_minutes(client, authorization):
    pharmacy = client.bearer(PHARMACY)
    body = started(client, pharmacy, authorization["code"])
    url = f"{DISPENSATIONS}/{body['dispensation_id']}"
    client.post("/__admin/clock/advance", json={"seconds": 20 * 60})
    update = {"products": [line(authorization["products"][0]["id"], 5)]}
    assert client.put(url, json=update, headers=client.bearer(PHARMACY)).status_code == 200
    client.post("/__admin/clock/advance", json={"seconds": 20 * 60})
    assert client.get(url, headers=client.bearer(PHARMACY)).json()["status"] == "STARTED"  # 20 min after the change
    client.post("/__admin/clock/advance", json={"seconds": 10 * 60})
    assert client.get(url, headers=client.bearer(PHARMACY)).json()["cancel_reason"] == "TIMEOUT"


def test_completing_after_the_authorization_expired_is_422_and_claims_nothing(client, authorization):
    client.post("/__admin/clock/advance", json={"seconds": 30 * 86400 - 600})  # sponsor-sandbox: valid 30 days
    body = started(client, client.bearer(PHARMACY), authorization["code"])
    client.post("/__admin/clock/advance", json={"seconds": 600})
    pharmacy = client.bearer(PHARMACY)
    assert error_of(complete_dispensation(client, pharmacy, body))[:2] == (422, "MOCK-422-code-not-redeemable")
    assert client.get(CLAIMS, headers=pharmacy).json()["page"]["total_elements"] == 0


def test_the_generated_claim_carries_the_lines_taxes(client, pharmacy, authorization):
    body = started(
        client, pharmacy, authorization["code"], products=[line(authorization["products"][0]["id"], 7, taxes=10.0)]
    )
    url = f"{DISPENSATIONS}/{body['dispensation_id']}/complete"
    claim = client.post(url, json=invoice(7 * MED_042_COP + 10.0), headers=pharmacy).json()["claim"]
    assert claim["claimed_amount"] == 3510.0 and claim["products"][0]["taxes"] == 10.0


def test_a_copay_plan_sets_the_copayment_coinsurance_and_covered_amount(client, clinic, pharmacy):
    """benefit-limit-co is on BASIC-10: a copay of 9,000 COP, then 30 % (fixtures/world/sponsors.yaml)."""
    products = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}]
    claim = complete_dispensation(
        client, pharmacy, started(client, pharmacy, authorize(client, clinic, LIMITED, products=products)["code"])
    ).json()["claim"]
    assert (
        claim["claimed_amount"],
        claim["copayment_amount"],
        claim["coinsurance_amount"],
        claim["covered_amount"],
    ) == (
        38000.0,
        9000.0,
        8700.0,
        20300.0,
    )


def test_an_otp_code_given_at_start_counts_at_complete(client, pharmacy, otp_authorization):
    sent = client.post(
        "/otp/generate",
        json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do", "channel": "SMS"},
        headers=pharmacy,
    )
    assert sent.status_code == 201
    verification = [{"type": "OTP", "value": PERSONA_OTP}]
    body = started(client, pharmacy, otp_authorization["code"], external_verifications=verification)
    assert complete_dispensation(client, pharmacy, body).status_code == 200


def test_a_challenge_decided_no_match_is_failed_and_one_decided_match_completes(client, clinic, pharmacy):
    body = started(client, pharmacy, _procedure_authorization(client, clinic)["code"])
    status_url = f"{DISPENSATIONS}/{body['dispensation_id']}/verification-status"
    challenge = complete_dispensation(client, pharmacy, body).json()["challenge_id"]
    client.post(f"/__admin/challenges/{challenge}/decision", json={"outcome": "NO_MATCH"})
    assert client.get(status_url, headers=pharmacy).json()["status"] == "FAILED"
    challenge = complete_dispensation(client, pharmacy, body).json()["challenge_id"]  # a new challenge
    client.post(f"/__admin/challenges/{challenge}/decision", json={"outcome": "MATCH"})
    assert complete_dispensation(client, pharmacy, body).status_code == 200
    assert client.get(status_url, headers=pharmacy).json()["status"] == "VERIFIED"


def test_a_prescription_quantity_beyond_what_is_left_is_422(client, pharmacy, prescription):
    body = started(client, pharmacy, prescription["code"])
    item = body["products"][0]["id"]
    client.post(f"{DISPENSATIONS}/{body['dispensation_id']}/cancel", json={}, headers=pharmacy)
    answer = start(client, pharmacy, prescription["code"], products=[line(item, 31)])  # 30 prescribed
    assert error_of(answer) == (422, "MOCK-422-validation-failed", ["products[0].quantity"])


def test_a_prescription_is_priced_in_the_currency_of_the_dispensing_providers_country(client, prescription):
    madrid = client.bearer("demo-doctors-office-es")
    body = started(client, madrid, prescription["code"])
    assert body["currency_code"] == "EUR" and body["products"][0]["price"] == list_price("MED-042", "EUR")


def test_an_update_of_a_prescriptions_dispensation_replaces_its_items_and_keeps_the_hold(
    client, pharmacy, prescription
):
    body = started(client, pharmacy, prescription["code"])
    item = body["products"][0]["id"]
    url = f"{DISPENSATIONS}/{body['dispensation_id']}"
    too_many = client.put(url, json={"products": [line(item, 31)]}, headers=pharmacy)  # 30 prescribed
    assert error_of(too_many) == (422, "MOCK-422-validation-failed", ["products[0].quantity"])
    assert [p["quantity"] for p in client.get(url, headers=pharmacy).json()["products"]] == [30]
    assert error_of(start(client, pharmacy, prescription["code"])) == (409, "MOCK-409-code-locked", [])
    updated = client.put(url, json={"products": [line(item, 10)]}, headers=pharmacy)
    assert updated.status_code == 200 and [p["quantity"] for p in updated.json()["products"]] == [10]
    assert error_of(start(client, pharmacy, prescription["code"])) == (409, "MOCK-409-code-locked", [])
    assert complete_dispensation(client, pharmacy, updated.json()).status_code == 200
    office = client.bearer(CO_OFFICE)
    assert client.get(f"/ehr/v1/prescriptions/{prescription['id']}", headers=office).json()["status"] == (
        "PARTIALLY_DISPENSED"
    )
