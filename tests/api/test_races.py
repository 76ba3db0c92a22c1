"""Races through a served mock (uvicorn on loopback): many identical requests arrive at once, and the side
effects are counted afterwards (authorizations, codes, expiry timers, events, benefit units, verification
tokens, registrations), not only the answers.

Arriving at once is made exact rather than hoped for: every racer has its own connection, open before the
race; the server's event loop is held still while all the requests are written (``ServedMock.paused``), so
it reads them in one pass and starts every handler before any of them gets past its first ``await``. The
mock answers each operation without awaiting between reading the state and changing it, so one racer acts
and the others see what it did; a check-then-act gap (an ``await`` in between) lets several act, and these
tests see that."""

from __future__ import annotations

import http.client
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.support.clients import checker
from tests.support.flows import LIMITED, MARIA, OTP_DO, REQUESTS, attach, initiate, schema_body
from tests.support.redeeming import CLAIMS, DISPENSATIONS, PHARMACY, authorize, invoice
from tests.support.served import ServedMock

pytestmark = pytest.mark.served

RACERS = 24
LIMIT_REASON = "Límite de beneficio alcanzado: 10 de 10 unidades usadas este mes."


@dataclass
class Answer:
    status_code: int
    body: bytes

    def json(self):
        return json.loads(self.body)


def race(
    mock: ServedMock,
    path: str | Callable[[int], str],
    body: dict,
    headers: dict[str, str],
    racers: int = RACERS,
) -> list[Answer]:
    """``racers`` POSTs of ``body`` (racer ``i`` to ``path(i)`` when ``path`` is a function), all arriving in the
    same pass of the server's event loop; their answers in racer order."""
    paths = [path(i) if callable(path) else path for i in range(racers)]
    payload = json.dumps(body).encode()
    headers = {**headers, "Content-Type": "application/json"}
    connections = [http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10) for _ in range(racers)]
    try:
        for connection in connections:  # open, and accepted by the server, before the race
            connection.request("GET", "/healthz")
            warmed = connection.getresponse()
            warmed.read()
            assert warmed.status == 200
        with mock.paused():
            for connection, target in zip(connections, paths, strict=True):
                connection.request("POST", target, body=payload, headers=headers)
        answers = []
        for connection, target in zip(connections, paths, strict=True):
            response = connection.getresponse()
            answer = Answer(response.status, response.read())
            problems = checker().check(
                "POST", target, answer.status_code, response.getheader("content-type", ""), answer.body
            )
            assert not problems, problems  # every racer's answer is one the contract documents
            answers.append(answer)
    finally:
        for connection in connections:
            connection.close()
    return answers


def statuses(answers: list[Answer]) -> Counter:
    return Counter(a.status_code for a in answers)


def events(mock: ServedMock, event_type: str) -> list:
    return [e for e in mock.app.state.sandbox.ledger().events if e.event_type == event_type]


def usage_by_type(snapshot: dict, beneficiary_id: int) -> dict[str, int]:
    """``benefit_usage`` keys are ``beneficiary|plan|product_type|month``."""
    out: dict[str, int] = {}
    for key, units in snapshot["benefit_usage"].items():
        beneficiary, _plan, product_type, _month = key.split("|")
        if int(beneficiary) == beneficiary_id:
            out[product_type] = out.get(product_type, 0) + units
    return out


def test_racing_completes_of_one_request_grant_one_set_of_authorizations_and_count_the_units_once():
    with ServedMock() as mock, mock.client() as http:
        auth = mock.bearer(http)
        products = [{"product_code": "MED-042", "quantity": 30}, {"product_code": "LAB-HEMO", "quantity": 1}]
        created = initiate(http, auth, schema_body(MARIA, products=products))
        attach(http, auth, created["id"])
        url = f"{REQUESTS}/{created['id']}/complete"

        responses = race(mock, url, {}, auth)

        assert statuses(responses) == {200: RACERS}
        granted = {tuple(a["id"] for a in r.json()["authorizations"]) for r in responses}
        assert len(granted) == 1, f"the racers saw different authorizations: {granted}"
        [ids] = granted
        assert len(ids) == 2  # one per product group
        snapshot = http.get("/__admin/snapshot").json()
        assert sorted(a["id"] for a in snapshot["authorizations"]) == sorted(ids)
        assert sorted(c["id"] for c in snapshot["codes"] if c["code_type"] == "AUTHORIZATION") == sorted(ids)
        expiries = [
            t["payload"]["authorization_id"] for t in snapshot["timers"] if t["action"] == "authorization.expire"
        ]
        assert sorted(expiries) == sorted(ids)
        assert usage_by_type(snapshot, MARIA) == {"DRUG": 30, "LABORATORY": 1}
        created_events = Counter(e.data["authorization_id"] for e in events(mock, "authorization.created"))
        assert created_events == dict.fromkeys(ids, 1)
        assert http.get("/arc/v1/authorizations", headers=auth).json()["page"]["total_elements"] == 2


def test_racing_completes_against_one_benefit_limit_approve_exactly_one():
    """benefit-limit-co's plan allows 10 DRUG units a month; every racer asks for all 10 of them."""
    with ServedMock() as mock, mock.client() as http:
        auth = mock.bearer(http)
        ids = []
        for _ in range(RACERS):
            created = initiate(http, auth, schema_body(LIMITED, products=[{"product_code": "MED-042", "quantity": 10}]))
            attach(http, auth, created["id"])
            ids.append(created["id"])

        responses = race(mock, lambda i: f"{REQUESTS}/{ids[i]}/complete", {}, auth)

        assert statuses(responses) == {200: RACERS}
        outcomes = Counter(r.json()["status"] for r in responses)
        assert outcomes == {"APPROVED": 1, "REJECTED": RACERS - 1}
        for r in responses:
            if r.json()["status"] == "REJECTED":
                assert [p["reason"] for p in r.json()["products"]] == [LIMIT_REASON]
        snapshot = http.get("/__admin/snapshot").json()
        assert usage_by_type(snapshot, LIMITED) == {"DRUG": 10}
        assert len(snapshot["authorizations"]) == 1
        assert len(events(mock, "authorization.created")) == 1
        assert len(events(mock, "authorization.rejected")) == RACERS - 1


def test_racing_validations_of_one_otp_with_the_right_code_yield_exactly_one_token():
    with ServedMock() as mock, mock.client() as http:
        auth = mock.bearer(http)
        body = {"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do", "channel": "SMS"}
        sent = http.post("/otp/generate", json=body, headers=auth)
        assert sent.status_code == 201, sent.text
        check = {"otp_id": sent.json()["otp_id"], "code": "123456"}

        responses = race(mock, "/otp/validate", check, auth)

        assert statuses(responses) == {200: 1, 422: RACERS - 1}
        [winner] = [r.json()["otp_verification_token"] for r in responses if r.status_code == 200]
        assert {r.json()["code"] for r in responses if r.status_code == 422} == {"MOCK-422-otp-invalid"}
        snapshot = http.get("/__admin/snapshot").json()
        assert [t["token"] for t in snapshot["otp_tokens"]] == [winner]
        assert [o["status"] for o in snapshot["otps"]] == ["VALIDATED"]


def test_one_otp_verification_token_raced_by_many_completes_completes_exactly_one():
    """A single-use token, presented by as many requests at once: one completes, the rest are refused."""
    with ServedMock() as mock, mock.client() as http:
        auth = mock.bearer(http)
        sent = http.post(
            "/otp/generate", json={"beneficiary_id": OTP_DO, "sponsor_slug": "sponsor-sandbox-do"}, headers=auth
        ).json()
        validated = http.post("/otp/validate", json={"otp_id": sent["otp_id"], "code": "123456"}, headers=auth)
        token = validated.json()["otp_verification_token"]
        ids = [initiate(http, auth, schema_body(OTP_DO, "sponsor-sandbox-do"))["id"] for _ in range(RACERS)]
        body = {"otp_verification_token": token}

        responses = race(mock, lambda i: f"{REQUESTS}/{ids[i]}/complete", body, auth)

        assert statuses(responses) == {200: 1, 422: RACERS - 1}
        [winner] = [r.json() for r in responses if r.status_code == 200]
        assert winner["status"] == "APPROVED"
        assert {r.json()["code"] for r in responses if r.status_code == 422} == {"MOCK-422-otp-token-invalid"}
        snapshot = http.get("/__admin/snapshot").json()
        assert [(t["token"], t["used"]) for t in snapshot["otp_tokens"]] == [(token, True)]
        assert [a["authorization_request_id"] for a in snapshot["authorizations"]] == [winner["id"]]
        assert [e.data["authorization_request_id"] for e in events(mock, "authorization.created")] == [winner["id"]]
        statuses_of_requests = Counter(r["status"] for r in snapshot["authorization_requests"])
        assert statuses_of_requests == {"APPROVED": 1, "PENDING_INDICATION": RACERS - 1}


def test_racing_registrations_of_one_product_code_register_it_once():
    with ServedMock() as mock, mock.client() as http:
        auth = mock.bearer(http)
        code = "MED-042"  # registered by every demo provider: removed first, so it is free to register
        assert http.delete(f"/arc/v1/providers/products/{code}", headers=auth).status_code == 204
        body = {"product_code": code}

        responses = race(mock, "/arc/v1/providers/products", body, auth)

        assert statuses(responses) == {201: 1, 409: RACERS - 1}
        [registered] = [r.json() for r in responses if r.status_code == 201]
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"MOCK-409-product-already-registered"}
        after = http.get(f"/arc/v1/providers/products?query={code}", headers=auth).json()["content"]
        assert [(p["product_code"], p["registered_at"]) for p in after] == [(code, registered["registered_at"])]


# -- dispensing and claims: 50 racers each --------------------------------------------------------
REDEEMERS = 50


def by_provider(mock: ServedMock, event_type: str) -> Counter:
    return Counter(e.provider_slug for e in events(mock, event_type))


def test_fifty_racing_starts_on_one_code_start_exactly_one_dispensation():
    with ServedMock() as mock, mock.client() as http:
        granted = authorize(http, mock.bearer(http))
        pharmacy = mock.bearer(http, PHARMACY)

        responses = race(mock, DISPENSATIONS, {"code": granted["code"]}, pharmacy, racers=REDEEMERS)

        assert statuses(responses) == {201: 1, 409: REDEEMERS - 1}
        assert {r.json()["code"] for r in responses if r.status_code == 409} == {"MOCK-409-code-locked"}
        snapshot = http.get("/__admin/snapshot").json()
        assert len(snapshot["dispensations"]) == 1
        assert len([t for t in snapshot["timers"] if t["action"] == "dispensation.timeout"]) == 1
        assert by_provider(mock, "dispensing.started") == {"clinic-example": 1, "pharmacy-example": 1}
        [authorization] = snapshot["authorizations"]
        assert authorization["locked_by"] == snapshot["dispensations"][0]["dispensation_id"]


def test_fifty_racing_completes_of_one_dispensation_generate_exactly_one_claim():
    with ServedMock() as mock, mock.client() as http:
        granted = authorize(http, mock.bearer(http))
        pharmacy = mock.bearer(http, PHARMACY)
        started = http.post(DISPENSATIONS, json={"code": granted["code"]}, headers=pharmacy).json()
        url = f"{DISPENSATIONS}/{started['dispensation_id']}/complete"

        responses = race(mock, url, invoice(started["amount"]), pharmacy, racers=REDEEMERS)

        assert statuses(responses) == {200: REDEEMERS}
        assert len({r.json()["claim_id"] for r in responses}) == 1
        snapshot = http.get("/__admin/snapshot").json()
        assert len(snapshot["claims"]) == 1
        [authorization] = snapshot["authorizations"]
        assert [line["claimed_quantity"] for line in authorization["lines"]] == [30]
        assert by_provider(mock, "dispensing.completed") == {"clinic-example": 1, "pharmacy-example": 1}
        assert http.get(CLAIMS, headers=pharmacy).json()["page"]["total_elements"] == 1


def test_racing_claims_never_claim_an_authorization_beyond_its_authorized_quantity():
    """30 units authorized; 50 racers each claim 10 of them directly: exactly three win."""
    with ServedMock() as mock, mock.client() as http:
        granted = authorize(http, mock.bearer(http))
        pharmacy = mock.bearer(http, PHARMACY)
        line_id = granted["products"][0]["id"]
        body = {"products": [{"authorization_product_id": line_id, "price": 500.0, "quantity": 10}]}

        responses = race(mock, f"/arc/v1/authorizations/{granted['id']}/claims", body, pharmacy, racers=REDEEMERS)

        assert statuses(responses) == {201: 3, 422: REDEEMERS - 3}
        snapshot = http.get("/__admin/snapshot").json()
        assert len(snapshot["claims"]) == 3
        [authorization] = snapshot["authorizations"]
        assert [line["claimed_quantity"] for line in authorization["lines"]] == [30]
        assert authorization["status"] == "CLAIMED"


def test_fifty_racing_starts_on_one_prescription_code_start_exactly_one_dispensation():
    from tests.support.prescribing import CO_OFFICE, MARIA_CC, issue, v1_body

    with ServedMock() as mock, mock.client() as http:
        prescription = issue(http, mock.bearer(http, CO_OFFICE), "v1", v1_body(MARIA_CC))
        pharmacy = mock.bearer(http, PHARMACY)

        responses = race(mock, DISPENSATIONS, {"code": prescription["code"]}, pharmacy, racers=REDEEMERS)

        assert statuses(responses) == {201: 1, 409: REDEEMERS - 1}
        snapshot = http.get("/__admin/snapshot").json()
        assert len(snapshot["dispensations"]) == 1
        [stored] = snapshot["prescriptions"]
        holder = snapshot["dispensations"][0]["dispensation_id"]
        assert [item["locked_by"] for item in stored["items"]] == [holder]
        assert by_provider(mock, "dispensing.started") == {"doctors-office-example": 1, "pharmacy-example": 1}


# -- settlement batches -----------------------------------------------------------------------------
def _redeemed_batches(http, mock, count: int) -> tuple[dict, dict[str, str], list[dict]]:
    """One DO claim redeemed at the Dominican pharmacy, and ``count`` OPEN batches of its sponsor and period."""
    from tests.support.settling import PHARMACY_DO, open_batch, period, redeem

    pharmacy = mock.bearer(http, PHARMACY_DO)
    redeemed = redeem(http, mock.bearer(http), pharmacy, 5)
    month = period(http)
    return redeemed, pharmacy, [open_batch(http, pharmacy, month) for _ in range(count)]


def test_fifty_racing_attachments_of_one_authorization_to_fifty_batches_put_it_in_exactly_one():
    with ServedMock() as mock, mock.client() as http:
        redeemed, pharmacy, batches = _redeemed_batches(http, mock, REDEEMERS)

        responses = race(
            mock,
            lambda i: f"/v3/settlements/{batches[i]['settlement_id']}/authorizations",
            {"authorization_ids": [redeemed["authorization_id"]]},
            pharmacy,
            racers=REDEEMERS,
        )

        assert statuses(responses) == {200: 1, 409: REDEEMERS - 1}
        snapshot = http.get("/__admin/snapshot").json()
        holding = [b for b in snapshot["settlements"] if b["claim_ids"]]
        assert [b["claim_ids"] for b in holding] == [[redeemed["claim_id"]]]
        [claim] = snapshot["claims"]
        assert claim["settlement_id"] == holding[0]["id"]


def test_fifty_racing_completes_of_one_batch_submit_it_once():
    from tests.support.settling import attach, invoice

    with ServedMock() as mock, mock.client() as http:
        redeemed, pharmacy, [batch] = _redeemed_batches(http, mock, 1)
        batch = attach(http, pharmacy, batch, redeemed["authorization_id"]).json()
        url = f"/v3/settlements/{batch['settlement_id']}/complete"

        responses = race(mock, url, invoice(batch["total_amount"]), pharmacy, racers=REDEEMERS)

        assert statuses(responses) == {200: REDEEMERS}
        assert {r.json()["submitted_at"] for r in responses} == {responses[0].json()["submitted_at"]}
        timers = http.get("/__admin/snapshot").json()["timers"]
        assert len([t for t in timers if t["action"] == "settlement.decide"]) == 1


def test_fifty_racing_decisions_on_one_batch_pay_it_once():
    from tests.support.settling import attach, submit

    with ServedMock() as mock, mock.client() as http:
        redeemed, pharmacy, [batch] = _redeemed_batches(http, mock, 1)
        batch = attach(http, pharmacy, batch, redeemed["authorization_id"]).json()
        assert submit(http, pharmacy, batch).status_code == 200
        url = f"/__admin/settlements/{batch['settlement_id']}/decision"

        responses = race(mock, url, {"outcome": "ACCEPTED"}, {}, racers=REDEEMERS)

        assert statuses(responses) == {200: 1, 409: REDEEMERS - 1}
        assert len(events(mock, "settlement.paid")) == 1
        [claim] = http.get("/__admin/snapshot").json()["claims"]
        assert claim["status"] == "PAID"
