"""Building blocks for dispensing and claims tests: an authorization from the clinic, an OTP token, a
dispensation, an invoice."""

from __future__ import annotations

from tests.support.flows import MARIA, OTP_DO, complete, guide_body, initiate, ready_request

DISPENSATIONS = "/dispensing/v1/dispensations"
CLAIMS = "/arc/v1/claims"
OUTPATIENT = "/arc/v1/outpatient-care-claim"
PROCEDURE = "/arc/v1/medical-procedure-claim"
CLINIC, PHARMACY = "demo-clinic", "demo-pharmacy"
PERSONA_OTP = "123456"  # README: every persona's OTP code

# Catalogue list prices (fixtures/world/catalogue.json), written out here rather than read from the code.
MED_042_COP, LAB_HEMO_COP, LAB_HEMO_DOP, CONS_GEN_COP = 500.0, 38000.0, 575.0, 72000.0


def otp_token(client, auth, beneficiary_id: int = OTP_DO, sponsor: str = "sponsor-sandbox-do") -> str:
    sent = client.post(
        "/otp/generate",
        json={"beneficiary_id": beneficiary_id, "sponsor_slug": sponsor, "channel": "SMS"},
        headers=auth,
    )
    assert sent.status_code == 201, sent.text
    validated = client.post("/otp/validate", json={"otp_id": sent.json()["otp_id"], "code": PERSONA_OTP}, headers=auth)
    assert validated.status_code == 200, validated.text
    return validated.json()["otp_verification_token"]


def authorize(client, auth, beneficiary_id: int = MARIA, sponsor: str = "sponsor-sandbox", products=None) -> dict:
    """One READY authorization for the clinic (the first of the request's): the indication where the
    sponsor asks for one, an OTP where it asks for one."""
    body = guide_body(beneficiary_id, sponsor, products)
    if sponsor == "sponsor-sandbox":
        created = ready_request(client, auth, body)
    else:
        created = initiate(client, auth, body)
    answer = complete(client, auth, created["id"])
    if answer.status_code == 422 and answer.json().get("verification_required") == "OTP":
        token = otp_token(client, auth, beneficiary_id, sponsor)
        answer = complete(client, auth, created["id"], {"otp_verification_token": token})
    assert answer.status_code == 200, answer.text
    authorization = answer.json()["authorizations"][0]
    assert authorization["status"] == "READY", authorization
    return authorization


def start(client, auth, code: str, **body):
    return client.post(DISPENSATIONS, json={"code": code, **body}, headers=auth)


def line(line_id, quantity: int, price: float = 0.0, taxes: float = 0.0, **extra) -> dict:
    return {"id": str(line_id), "quantity": quantity, "price": price, "taxes": taxes, **extra}


def invoice(amount: float, **extra) -> dict:
    return {"amount": amount, "document_number": "FAC-0001", "document_date": "2026-11-30T10:00:00Z", **extra}


def complete_dispensation(client, auth, dispensation: dict, **extra):
    return client.post(
        f"{DISPENSATIONS}/{dispensation['dispensation_id']}/complete",
        json=invoice(dispensation["amount"], **extra),
        headers=auth,
    )
