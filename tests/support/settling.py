"""Building blocks for settlement tests: a DRUG authorization of sponsor-sandbox-do redeemed at the Dominican
pharmacy (the sponsor asks an OTP to complete the pre-authorization and the dispensation), and the batch calls."""

from __future__ import annotations

from tests.support.flows import OTP_DO
from tests.support.redeeming import authorize, complete_dispensation, otp_token, start

SETTLEMENTS = "/v3/settlements"
PHARMACY_DO = "demo-pharmacy-do"
DO = "sponsor-sandbox-do"
# fixtures/world/catalogue.json: MED-042 lists at 7 DOP; the otp persona's plan ARS-PLUS
# (fixtures/world/sponsors.yaml) has no copay and a 10 % coinsurance. Written out, not read from the code.
MED_042_DOP = 7.0
ARS_PLUS_COINSURANCE = 0.10


def billed(quantity: int, price: float = MED_042_DOP) -> float:
    """What a batch bills the sponsor for a claim: the claimed amount less the coinsurance."""
    return round(quantity * price * (1 - ARS_PLUS_COINSURANCE), 2)


def drug(quantity: int) -> list[dict]:
    return [{"product_code": "MED-042", "product_type": "DRUG", "quantity": quantity}]


def redeem(client, clinic, pharmacy, quantity: int = 10, *, take: int | None = None, authorization=None) -> dict:
    """The clinic's DRUG authorization for the otp persona (or ``authorization``), dispensed at ``pharmacy``
    (``take`` units of its first line, or all): the completed dispensation, with its ``claim``."""
    authorization = authorization or authorize(client, clinic, OTP_DO, DO, drug(quantity))
    extra = {}
    if take is not None:
        line = authorization["products"][0]
        extra["products"] = [{"id": str(line["id"]), "quantity": take, "price": MED_042_DOP, "taxes": 0}]
    started = start(client, pharmacy, authorization["code"], **extra)
    assert started.status_code == 201, started.text
    token = otp_token(client, pharmacy, OTP_DO, DO)
    done = complete_dispensation(client, pharmacy, started.json(), otp_verification_token=token)
    assert done.status_code == 200, done.text
    return {**done.json(), "authorization": authorization}


def period(client) -> str:
    """The mock clock's month: the period of a claim completed now."""
    return client.get("/__admin/clock").json()["now"][:7]


def start_batch(client, auth, period_: str, sponsor: str = DO):
    return client.post(SETTLEMENTS, json={"sponsor_slug": sponsor, "period": period_}, headers=auth)


def open_batch(client, auth, period_: str) -> dict:
    answer = start_batch(client, auth, period_)
    assert answer.status_code == 200, answer.text
    return answer.json()


def attach(client, auth, batch: dict, *authorization_ids: int):
    return client.post(
        f"{SETTLEMENTS}/{batch['settlement_id']}/authorizations",
        json={"authorization_ids": list(authorization_ids)},
        headers=auth,
    )


def invoice(amount: float, **extra) -> dict:
    return {"invoice_number": "B0100000042", "invoice_date": "2026-11-30T10:00:00Z", "invoice_amount": amount, **extra}


def submit(client, auth, batch: dict, body: dict | None = None):
    body = invoice(batch["total_amount"]) if body is None else body
    return client.post(f"{SETTLEMENTS}/{batch['settlement_id']}/complete", json=body, headers=auth)


def decide(client, batch: dict, outcome: str, **extra):
    return client.post(f"/__admin/settlements/{batch['settlement_id']}/decision", json={"outcome": outcome, **extra})
