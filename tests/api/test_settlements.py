"""Settlement batches over HTTP (Dominican Republic radicación, contracts/openapi.yaml, tag settlements):
start, the pending list, attach, complete, and the sponsor's decision on the mock clock or from the admin
plane, down to PAID claims and authorizations and the settlement.* events."""

from __future__ import annotations

import pytest

from tests.support.clients import error_of
from tests.support.flows import MARIA, OTP_DO, advance, events_of
from tests.support.redeeming import CLAIMS, CLINIC, LAB_HEMO_DOP, PHARMACY, authorize, complete_dispensation, start
from tests.support.settling import (
    DO,
    MED_042_DOP,
    PHARMACY_DO,
    SETTLEMENTS,
    attach,
    billed,
    decide,
    invoice,
    open_batch,
    period,
    redeem,
    start_batch,
    submit,
)
from tests.support.state import fingerprint


@pytest.fixture
def pharmacy(client):
    return client.bearer(PHARMACY_DO)


@pytest.fixture
def month(client) -> str:
    return period(client)


def claim_of(client, auth, claim_id: int) -> dict:
    return client.get(f"{CLAIMS}/{claim_id}", headers=auth).json()


def authorization_status(client, clinic, authorization_id: int) -> str:
    return client.get(f"/arc/v1/authorizations/{authorization_id}", headers=clinic).json()["status"]


def pending(client, auth, batch) -> list[dict]:
    answer = client.get(f"{SETTLEMENTS}/{batch['settlement_id']}/pending-authorizations", headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()["content"]


def submitted(client, clinic, pharmacy, month, *quantities: int) -> tuple[dict, list[dict]]:
    """A SUBMITTED batch holding one redeemed claim per quantity, and the redemptions."""
    redeemed = [redeem(client, clinic, pharmacy, quantity) for quantity in quantities]
    batch = open_batch(client, pharmacy, month)
    batch = attach(client, pharmacy, batch, *(r["authorization_id"] for r in redeemed)).json()
    answer = submit(client, pharmacy, batch, invoice(round(sum(billed(q) for q in quantities), 2)))
    assert answer.status_code == 200, answer.text
    return answer.json(), redeemed


# -- start ------------------------------------------------------------------------------------------
def test_starting_a_batch_answers_200_open_for_the_sponsor_and_period(client, pharmacy, month):
    answer = start_batch(client, pharmacy, month)
    assert answer.status_code == 200
    batch = answer.json()
    assert answer.headers["location"] == f"{SETTLEMENTS}/{batch['settlement_id']}"
    assert batch["status"] == "OPEN" and batch["sponsor_slug"] == DO and batch["period"] == month
    assert batch["paid_amount"] is None and batch["submitted_at"] is None and batch["decided_at"] is None
    assert batch["currency_code"] == "DOP" and batch["authorizations"] == [] and batch["total_amount"] == 0
    read = client.get(f"{SETTLEMENTS}/{batch['settlement_id']}", headers=pharmacy).json()
    assert read == batch


@pytest.mark.parametrize("sponsor", ["sponsor-sandbox", "demo-insurer", "async-sponsor", "mutua-sandbox-es"])
def test_a_sponsor_whose_configuration_disallows_batches_answers_406(client, pharmacy, month, sponsor):
    configuration = client.get(f"/arc/v1/sponsors/{sponsor}/configuration", headers=pharmacy).json()
    assert configuration["settlement_batches_allowed"] is False
    assert error_of(start_batch(client, pharmacy, month, sponsor)) == (406, "MOCK-406-settlement-not-allowed", [])


@pytest.mark.parametrize(
    ("body", "status", "code", "paths"),
    [
        ({"sponsor_slug": "no-such-sponsor", "period": "2026-01"}, 404, "MOCK-404-sponsor-not-found", ["sponsor_slug"]),
        ({"sponsor_slug": DO, "period": "2026-13"}, 422, "MOCK-422-validation-failed", ["period"]),
        ({"sponsor_slug": DO, "period": "2026-1"}, 422, "MOCK-422-validation-failed", ["period"]),
        ({"sponsor_slug": DO, "period": "0000-01"}, 422, "MOCK-422-validation-failed", ["period"]),
        ({"sponsor_slug": DO, "period": "1969-12"}, 422, "MOCK-422-validation-failed", ["period"]),
        ({"sponsor_slug": DO}, 422, "MOCK-422-validation-failed", ["period"]),
        ({"period": "2026-01"}, 422, "MOCK-422-validation-failed", ["sponsor_slug"]),
    ],
)
def test_a_bad_start_is_refused_with_the_field_named(client, pharmacy, body, status, code, paths):
    assert error_of(client.post(SETTLEMENTS, json=body, headers=pharmacy)) == (status, code, paths)


def test_a_period_after_the_current_month_is_refused(client, pharmacy, month):
    year, number = int(month[:4]), int(month[5:])
    following = f"{year + number // 12}-{number % 12 + 1:02d}"
    assert error_of(start_batch(client, pharmacy, following)) == (422, "MOCK-422-validation-failed", ["period"])


# -- the pending list -------------------------------------------------------------------------------
def test_the_pending_list_holds_this_sponsors_completed_claims_of_the_period_in_no_batch(
    client, clinic, pharmacy, month
):
    first = redeem(client, clinic, pharmacy, 10)
    second = redeem(client, clinic, pharmacy, 4)
    # a claim of another sponsor at the same pharmacy, and a DO claim of another pharmacy: not offered
    maria = authorize(client, clinic, MARIA, "sponsor-sandbox")
    started = start(client, pharmacy, maria["code"]).json()
    assert complete_dispensation(client, pharmacy, started).status_code == 200
    redeem(client, clinic, client.bearer(PHARMACY), 3)
    batch = open_batch(client, pharmacy, month)
    offered = pending(client, pharmacy, batch)
    assert [(c["authorization_id"], c["claim_id"]) for c in offered] == [
        (first["authorization_id"], first["claim_id"]),
        (second["authorization_id"], second["claim_id"]),
    ]
    assert [c["total_amount"] for c in offered] == [billed(10), billed(4)]
    assert offered[0]["claimed_amount"] == 10 * MED_042_DOP and offered[0]["dispensation_date"][:7] == month
    assert offered[0]["copayment_amount"] == 0 and offered[0]["coinsurance_amount"] == round(10 * MED_042_DOP * 0.10, 2)
    assert offered[0]["dispensation_id"] == first["dispensation_id"]
    # once attached to a batch, a claim is no longer pending for any batch
    assert attach(client, pharmacy, batch, first["authorization_id"]).status_code == 200
    other = open_batch(client, pharmacy, month)
    assert [c["claim_id"] for c in pending(client, pharmacy, other)] == [second["claim_id"]]


def test_the_pending_list_of_another_period_does_not_offer_this_months_claims(client, clinic, pharmacy, month):
    redeem(client, clinic, pharmacy, 2)
    year, number = int(month[:4]), int(month[5:])
    earlier = f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"
    assert pending(client, pharmacy, open_batch(client, pharmacy, earlier)) == []


def test_the_pending_list_is_paginated(client, clinic, pharmacy, month):
    for _ in range(3):
        redeem(client, clinic, pharmacy, 1)
    batch = open_batch(client, pharmacy, month)
    page = client.get(
        f"{SETTLEMENTS}/{batch['settlement_id']}/pending-authorizations?page=1&size=2", headers=pharmacy
    ).json()
    assert len(page["content"]) == 1 and page["page"]["total_elements"] == 3


# -- attach -----------------------------------------------------------------------------------------
def test_attaching_puts_the_claims_in_the_batch_and_the_total_is_what_the_sponsor_owes(client, clinic, pharmacy, month):
    first, second = redeem(client, clinic, pharmacy, 10), redeem(client, clinic, pharmacy, 3)
    batch = open_batch(client, pharmacy, month)
    answer = attach(client, pharmacy, batch, first["authorization_id"], second["authorization_id"])
    assert answer.status_code == 200
    body = answer.json()
    assert [m["claim_id"] for m in body["authorizations"]] == [first["claim_id"], second["claim_id"]]
    assert body["total_amount"] == pytest.approx(billed(10) + billed(3))
    assert claim_of(client, pharmacy, first["claim_id"])["settlement_id"] == batch["settlement_id"]


def test_attaching_an_authorization_already_in_this_batch_changes_nothing(client, clinic, pharmacy, month):
    redeemed = redeem(client, clinic, pharmacy, 5)
    batch = open_batch(client, pharmacy, month)
    once = attach(client, pharmacy, batch, redeemed["authorization_id"]).json()
    twice = attach(client, pharmacy, batch, redeemed["authorization_id"], redeemed["authorization_id"]).json()
    assert twice["authorizations"] == once["authorizations"] and twice["total_amount"] == billed(5)


def test_attaching_a_claim_that_is_in_another_batch_is_409_and_changes_nothing(
    client, sandbox, clinic, pharmacy, month
):
    redeemed = redeem(client, clinic, pharmacy, 5)
    first, second = open_batch(client, pharmacy, month), open_batch(client, pharmacy, month)
    assert attach(client, pharmacy, first, redeemed["authorization_id"]).status_code == 200
    before = fingerprint(sandbox)
    refused = attach(client, pharmacy, second, redeemed["authorization_id"])
    assert error_of(refused) == (409, "MOCK-409-claim-in-other-settlement", ["authorization_ids[0]"])
    assert fingerprint(sandbox) == before


def test_attaching_a_claim_of_another_sponsor_is_422(client, clinic, pharmacy, month):
    maria = authorize(client, clinic, MARIA, "sponsor-sandbox")
    started = start(client, pharmacy, maria["code"]).json()
    assert complete_dispensation(client, pharmacy, started).status_code == 200
    batch = open_batch(client, pharmacy, month)
    refused = attach(client, pharmacy, batch, maria["id"])
    assert error_of(refused) == (422, "MOCK-422-settlement-mismatch", ["authorization_ids[0]"])


def test_attaching_a_claim_of_another_period_is_422(client, clinic, pharmacy, month):
    redeemed = redeem(client, clinic, pharmacy, 5)
    advance(client, 32 * 86400)  # next month: the claim stays in its own period
    pharmacy = client.bearer(PHARMACY_DO)  # the first token expired on the way
    batch = open_batch(client, pharmacy, period(client))
    refused = attach(client, pharmacy, batch, redeemed["authorization_id"])
    assert error_of(refused) == (422, "MOCK-422-settlement-mismatch", ["authorization_ids[0]"])


def test_attaching_is_all_or_nothing(client, sandbox, clinic, pharmacy, month):
    good = redeem(client, clinic, pharmacy, 5)
    batch = open_batch(client, pharmacy, month)
    before = fingerprint(sandbox)
    refused = attach(client, pharmacy, batch, good["authorization_id"], 987654)
    assert error_of(refused) == (404, "MOCK-404-authorization-not-found", ["authorization_ids[1]"])
    assert fingerprint(sandbox) == before


def test_an_authorization_with_no_claim_of_this_provider_is_404(client, clinic, pharmacy, month):
    elsewhere = redeem(client, clinic, client.bearer(PHARMACY), 5)  # another pharmacy's claim
    batch = open_batch(client, pharmacy, month)
    refused = attach(client, pharmacy, batch, elsewhere["authorization_id"])
    assert error_of(refused) == (404, "MOCK-404-authorization-not-found", ["authorization_ids[0]"])


def test_a_claim_filed_against_an_authorization_is_offered_too(client, clinic, pharmacy, month):
    lab = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}]
    authorization = authorize(client, clinic, OTP_DO, DO, lab)
    line = authorization["products"][0]["id"]
    filed = client.post(
        f"/arc/v1/authorizations/{authorization['id']}/claims",
        json={"products": [{"authorization_product_id": line, "price": LAB_HEMO_DOP, "quantity": 1}]},
        headers=pharmacy,
    )
    assert filed.status_code == 201, filed.text
    batch = open_batch(client, pharmacy, month)
    [offered] = pending(client, pharmacy, batch)
    assert offered["claim_id"] == filed.json()["id"] and offered["dispensation_id"] is None
    assert offered["total_amount"] == billed(1, LAB_HEMO_DOP)


def test_attaching_to_a_submitted_batch_is_409(client, clinic, pharmacy, month):
    batch, _ = submitted(client, clinic, pharmacy, month, 2)
    later = redeem(client, clinic, pharmacy, 2)
    refused = attach(client, pharmacy, batch, later["authorization_id"])
    assert error_of(refused) == (409, "MOCK-409-settlement-not-open", [])


# -- complete ---------------------------------------------------------------------------------------
def test_completing_submits_the_batch_with_its_invoice(client, clinic, pharmacy, month):
    batch, _ = submitted(client, clinic, pharmacy, month, 10, 4)
    assert batch["status"] == "SUBMITTED" and batch["submitted_at"] is not None and batch["paid_amount"] is None
    assert batch["invoice_number"] == "B0100000042" and batch["invoice_amount"] == billed(10) + billed(4)
    assert client.get(f"{SETTLEMENTS}/{batch['settlement_id']}", headers=pharmacy).json()["status"] == "SUBMITTED"


def test_a_credit_note_travels_with_the_invoice(client, clinic, pharmacy, month):
    redeemed = redeem(client, clinic, pharmacy, 10)
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), redeemed["authorization_id"]).json()
    body = invoice(batch["total_amount"], credit_note_number="B0400000001", credit_note_amount=5.5)
    done = submit(client, pharmacy, batch, body).json()
    assert done["credit_note_number"] == "B0400000001" and done["credit_note_amount"] == 5.5


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        ({"invoice_amount": "off by a cent"}, ["invoice_amount"]),
        ({"invoice_amount_delta": 0.02}, ["invoice_amount"]),
        ({"invoice_date": "30/11/2026"}, ["invoice_date"]),
        ({"invoice_number": ""}, ["invoice_number"]),
        ({"drop": "invoice_number"}, ["invoice_number"]),
        ({"credit_note_number": "B0400000001"}, ["credit_note_amount"]),
        ({"credit_note_amount": 1.0}, ["credit_note_number"]),
        ({"credit_note_number": "B0400000001", "credit_note_amount": 10_000.0}, ["credit_note_amount"]),
    ],
)
def test_bad_invoice_fields_are_400_naming_each_field(client, sandbox, clinic, pharmacy, month, change, paths):
    redeemed = redeem(client, clinic, pharmacy, 10)
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), redeemed["authorization_id"]).json()
    body = invoice(batch["total_amount"])
    change = dict(change)
    if "drop" in change:
        body.pop(change.pop("drop"))
    if "invoice_amount_delta" in change:
        body["invoice_amount"] = round(body["invoice_amount"] + change.pop("invoice_amount_delta"), 2)
    body.update(change)
    before = fingerprint(sandbox)
    assert error_of(submit(client, pharmacy, batch, body)) == (400, "MOCK-400-invalid-invoice", paths)
    assert fingerprint(sandbox) == before


@pytest.mark.parametrize("content", [b"", b"[]", b'"B01"'])
def test_a_complete_without_an_invoice_object_is_400(client, clinic, pharmacy, month, content):
    redeemed = redeem(client, clinic, pharmacy, 1)
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), redeemed["authorization_id"]).json()
    headers = {**pharmacy, "Content-Type": "application/json"}
    answer = client.post(f"{SETTLEMENTS}/{batch['settlement_id']}/complete", content=content, headers=headers)
    assert error_of(answer) == (400, "MOCK-400-invalid-invoice", ["$"])


def test_every_bad_invoice_field_is_named_at_once(client, clinic, pharmacy, month):
    redeemed = redeem(client, clinic, pharmacy, 10)
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), redeemed["authorization_id"]).json()
    body = invoice(billed(10) + 1, credit_note_number="B0400000001")
    assert error_of(submit(client, pharmacy, batch, body)) == (
        400,
        "MOCK-400-invalid-invoice",
        ["credit_note_amount", "invoice_amount"],
    )


def test_an_invoice_within_a_cent_of_the_total_is_accepted(client, clinic, pharmacy, month):
    redeemed = redeem(client, clinic, pharmacy, 10)
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), redeemed["authorization_id"]).json()
    assert submit(client, pharmacy, batch, invoice(billed(10) + 0.01)).status_code == 200


def test_an_empty_batch_cannot_be_submitted(client, pharmacy, month):
    batch = open_batch(client, pharmacy, month)
    assert error_of(submit(client, pharmacy, batch, invoice(0))) == (422, "MOCK-422-settlement-empty", [])


def test_completing_again_with_the_same_invoice_changes_nothing_and_with_another_is_409(
    client, sandbox, clinic, pharmacy, month
):
    batch, _ = submitted(client, clinic, pharmacy, month, 3)
    timers = client.get("/__admin/timers").json()["content"]
    again = submit(client, pharmacy, batch, invoice(batch["total_amount"]))
    assert again.status_code == 200 and again.json() == batch
    assert client.get("/__admin/timers").json()["content"] == timers
    other = submit(client, pharmacy, batch, invoice(batch["total_amount"], invoice_number="B0100000099"))
    assert error_of(other) == (409, "MOCK-409-settlement-not-open", [])


# -- the sponsor's decision -------------------------------------------------------------------------
def test_the_sponsor_accepts_a_submitted_batch_on_the_mock_clock(client, sandbox, clinic, pharmacy, month):
    batch, redeemed = submitted(client, clinic, pharmacy, month, 10)
    advance(client, 59)
    assert client.get(f"{SETTLEMENTS}/{batch['settlement_id']}", headers=pharmacy).json()["status"] == "SUBMITTED"
    advance(client, 1)
    decided = client.get(f"{SETTLEMENTS}/{batch['settlement_id']}", headers=pharmacy).json()
    assert decided["status"] == "ACCEPTED" and decided["paid_amount"] == billed(10)
    assert claim_of(client, pharmacy, redeemed[0]["claim_id"])["status"] == "PAID"
    assert authorization_status(client, clinic, redeemed[0]["authorization_id"]) == "PAID"
    [event] = events_of(sandbox, "settlement.paid")
    assert event.provider_slug == "farmacia-santo-domingo"


def test_accepted_pays_every_claim_and_its_authorization_and_says_so_in_settlement_paid(
    client, sandbox, clinic, pharmacy, month
):
    batch, redeemed = submitted(client, clinic, pharmacy, month, 10, 4)
    advance(client, 20)  # the decision's time is its own, not the submission's
    answer = decide(client, batch, "ACCEPTED")
    assert answer.status_code == 200
    decided = answer.json()
    claim_ids = [r["claim_id"] for r in redeemed]
    assert decided["status"] == "ACCEPTED" and decided["paid_claim_ids"] == claim_ids
    assert decided["rejected_claim_ids"] == [] and decided["decided_at"] is not None
    for r in redeemed:
        claim = claim_of(client, pharmacy, r["claim_id"])
        assert claim["status"] == "PAID" and claim["paid_at"] == decided["decided_at"]
        assert authorization_status(client, clinic, r["authorization_id"]) == "PAID"
    [event] = events_of(sandbox, "settlement.paid")
    assert event.data["settlement_id"] == batch["settlement_id"] and event.data["status"] == "ACCEPTED"
    assert event.data["claim_ids"] == claim_ids and event.data["invoice_number"] == "B0100000042"
    assert event.data["total_amount"] == event.data["paid_amount"] == pytest.approx(billed(10) + billed(4))
    assert event.data["period"] == month and event.data["currency_code"] == "DOP"
    assert event.data["paid_at"] == decided["decided_at"] != batch["submitted_at"]
    # the decision is taken: the clock's decision no longer fires, and no second event comes
    assert not [t for t in client.get("/__admin/timers").json()["content"] if t["action"] == "settlement.decide"]
    advance(client, 120)
    assert len(events_of(sandbox, "settlement.paid")) == 1


def test_rejected_pays_nothing_and_the_claims_may_go_into_a_new_batch(client, sandbox, clinic, pharmacy, month):
    batch, redeemed = submitted(client, clinic, pharmacy, month, 10)
    decided = decide(client, batch, "REJECTED", reason="NCF inválido.").json()
    assert decided["status"] == "REJECTED" and decided["rejected_claim_ids"] == [redeemed[0]["claim_id"]]
    assert decided["paid_amount"] == 0 and decided["rejection_reason"] == "NCF inválido."
    claim = claim_of(client, pharmacy, redeemed[0]["claim_id"])
    assert claim["status"] == "COMPLETED" and claim["settlement_id"] is None
    assert authorization_status(client, clinic, redeemed[0]["authorization_id"]) == "CLAIMED"
    [event] = events_of(sandbox, "settlement.rejected")
    assert event.data["rejection_reason"] == "NCF inválido." and event.data["claim_ids"] == [redeemed[0]["claim_id"]]
    assert not events_of(sandbox, "settlement.paid")
    retry = open_batch(client, pharmacy, month)
    assert [c["claim_id"] for c in pending(client, pharmacy, retry)] == [redeemed[0]["claim_id"]]
    assert attach(client, pharmacy, retry, redeemed[0]["authorization_id"]).status_code == 200


def test_a_rejection_without_a_reason_still_gives_one(client, sandbox, clinic, pharmacy, month):
    batch, _ = submitted(client, clinic, pharmacy, month, 1)
    decided = decide(client, batch, "REJECTED").json()
    [event] = events_of(sandbox, "settlement.rejected")
    assert decided["rejection_reason"] and event.data["rejection_reason"] == decided["rejection_reason"]
    assert event.data["rejected_at"] == decided["decided_at"] and decided["paid_claim_ids"] == []


def test_partially_accepted_pays_the_rest_and_releases_the_rejected_claims(client, sandbox, clinic, pharmacy, month):
    batch, redeemed = submitted(client, clinic, pharmacy, month, 10, 4, 2)
    rejected = redeemed[1]["claim_id"]
    decided = decide(client, batch, "PARTIALLY_ACCEPTED", rejected_claim_ids=[rejected]).json()
    assert decided["status"] == "PARTIALLY_ACCEPTED" and decided["rejected_claim_ids"] == [rejected]
    assert decided["paid_claim_ids"] == [redeemed[0]["claim_id"], redeemed[2]["claim_id"]]
    assert decided["paid_amount"] == pytest.approx(billed(10) + billed(2))
    statuses = [claim_of(client, pharmacy, r["claim_id"])["status"] for r in redeemed]
    assert statuses == ["PAID", "COMPLETED", "PAID"]
    assert [authorization_status(client, clinic, r["authorization_id"]) for r in redeemed] == [
        "PAID",
        "CLAIMED",
        "PAID",
    ]
    [event] = events_of(sandbox, "settlement.partially_accepted")
    assert event.data["rejected_claim_ids"] == [rejected] and event.data["decided_at"] == decided["decided_at"]
    assert event.data["rejection_reason"] == decided["rejection_reason"] and decided["rejection_reason"]
    assert event.data["paid_amount"] == pytest.approx(billed(10) + billed(2))
    assert event.data["total_amount"] == pytest.approx(billed(10) + billed(4) + billed(2))


def test_a_partly_dispensed_authorization_is_paid_only_when_every_claim_on_it_is(client, clinic, pharmacy, month):
    authorization = authorize(
        client, clinic, OTP_DO, DO, [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 10}]
    )
    first = redeem(client, clinic, pharmacy, authorization=authorization, take=4)
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), authorization["id"]).json()
    assert submit(client, pharmacy, batch).status_code == 200
    assert decide(client, batch, "ACCEPTED").status_code == 200
    assert claim_of(client, pharmacy, first["claim_id"])["status"] == "PAID"
    assert authorization_status(client, clinic, authorization["id"]) == "PARTIALLY_CLAIMED"
    rest = redeem(client, clinic, pharmacy, authorization=authorization)  # the six units left
    assert authorization_status(client, clinic, authorization["id"]) == "CLAIMED"
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), authorization["id"]).json()
    assert [m["claim_id"] for m in batch["authorizations"]] == [rest["claim_id"]]
    assert submit(client, pharmacy, batch).status_code == 200
    assert decide(client, batch, "ACCEPTED").status_code == 200
    assert authorization_status(client, clinic, authorization["id"]) == "PAID"


def test_an_authorization_with_a_rejected_claim_is_not_paid_though_its_other_claim_is(client, clinic, pharmacy, month):
    authorization = authorize(
        client, clinic, OTP_DO, DO, [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 10}]
    )
    first = redeem(client, clinic, pharmacy, authorization=authorization, take=4)
    rest = redeem(client, clinic, pharmacy, authorization=authorization)
    batch = attach(client, pharmacy, open_batch(client, pharmacy, month), authorization["id"]).json()
    assert [m["claim_id"] for m in batch["authorizations"]] == [first["claim_id"], rest["claim_id"]]
    assert submit(client, pharmacy, batch).status_code == 200
    assert decide(client, batch, "PARTIALLY_ACCEPTED", rejected_claim_ids=[rest["claim_id"]]).status_code == 200
    assert claim_of(client, pharmacy, first["claim_id"])["status"] == "PAID"
    assert authorization_status(client, clinic, authorization["id"]) == "CLAIMED"


def test_a_paid_authorization_has_nothing_left_to_settle(client, clinic, pharmacy, month):
    batch, redeemed = submitted(client, clinic, pharmacy, month, 2)
    assert decide(client, batch, "ACCEPTED").status_code == 200
    again = open_batch(client, pharmacy, month)
    assert pending(client, pharmacy, again) == []
    refused = attach(client, pharmacy, again, redeemed[0]["authorization_id"])
    assert error_of(refused) == (422, "MOCK-422-authorization-not-settleable", ["authorization_ids[0]"])


@pytest.mark.parametrize(
    ("outcome", "rejected", "why"),
    [
        ("PARTIALLY_ACCEPTED", [], "no claim named"),
        ("PARTIALLY_ACCEPTED", "all", "every claim named"),
        ("PARTIALLY_ACCEPTED", [987654], "a claim not in the batch"),
        ("ACCEPTED", "first", "rejected claims with ACCEPTED"),
        ("REJECTED", "first", "rejected claims with REJECTED"),
    ],
)
def test_a_decision_that_does_not_fit_the_batch_is_422(
    client, sandbox, clinic, pharmacy, month, outcome, rejected, why
):
    batch, redeemed = submitted(client, clinic, pharmacy, month, 2, 3)
    named = {"all": [r["claim_id"] for r in redeemed], "first": [redeemed[0]["claim_id"]]}
    ids = named[rejected] if isinstance(rejected, str) else rejected
    before = fingerprint(sandbox)
    refused = decide(client, batch, outcome, rejected_claim_ids=ids)
    assert error_of(refused) == (422, "MOCK-422-validation-failed", ["rejected_claim_ids"]), why
    assert fingerprint(sandbox) == before


def test_only_a_submitted_batch_can_be_decided(client, clinic, pharmacy, month):
    batch = open_batch(client, pharmacy, month)
    assert error_of(decide(client, batch, "ACCEPTED")) == (409, "MOCK-409-settlement-not-submitted", [])
    decided, _ = submitted(client, clinic, pharmacy, month, 2)
    assert decide(client, decided, "REJECTED").status_code == 200
    assert error_of(decide(client, decided, "ACCEPTED")) == (409, "MOCK-409-settlement-not-submitted", [])
    assert error_of(decide(client, {"settlement_id": 987654}, "ACCEPTED"))[:2] == (404, "MOCK-404-settlement-not-found")


def _outpatient(client, clinic, authorization) -> str:
    """A DO clinic's outpatient-care claim against ``authorization`` (one LAB-HEMO), READY after 10 s: its path."""
    body = {
        "beneficiary_id": OTP_DO,
        "sponsor_slug": DO,
        "authorization_id": authorization["id"],
        "doctor_medical_license_number": "MP-12345",
        "doctor_country_code": "DO",
        "doctor_name": "Dr. Juan Peña",
        "diagnoses": [{"coding_system": "ICD-10", "code": "R51", "type_enum": "CHIEF_COMPLAINT"}],
        "line_items": [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}],
    }
    monitor = client.post("/arc/v1/outpatient-care-claim", json=body, headers=clinic)
    assert monitor.status_code == 202, monitor.text
    advance(client, 10)
    read = client.get(monitor.headers["location"], headers=clinic).json()
    return f"/arc/v1/outpatient-care-claim/{read['outpatient_care_claim_resource']['claim_id']}"


def _complete_claim(client, clinic, path: str) -> None:
    body = {"document_number": "B0100000050", "document_date": "2026-11-30T10:00:00Z"}
    assert client.post(f"{path}/complete", json=body, headers=clinic).status_code == 200


def test_voided_and_unfinished_claims_are_not_settled_and_a_voided_one_does_not_hold_back_payment(client, month):
    clinic = client.bearer(CLINIC)
    lab = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}]
    authorization = authorize(client, clinic, OTP_DO, DO, lab)
    voided = _outpatient(client, clinic, authorization)
    _complete_claim(client, clinic, voided)
    assert client.post(f"{voided}/void", json={}, headers=clinic).status_code == 200  # units back
    batch = open_batch(client, clinic, month)
    assert pending(client, clinic, batch) == []
    refused = attach(client, clinic, batch, authorization["id"])
    assert error_of(refused) == (422, "MOCK-422-authorization-not-settleable", ["authorization_ids[0]"])
    kept = _outpatient(client, clinic, authorization)  # READY, not yet completed: nothing to settle either
    refused = attach(client, clinic, batch, authorization["id"])
    assert error_of(refused) == (422, "MOCK-422-authorization-not-settleable", ["authorization_ids[0]"])
    _complete_claim(client, clinic, kept)
    batch = attach(client, clinic, batch, authorization["id"]).json()
    assert submit(client, clinic, batch, invoice(billed(1, LAB_HEMO_DOP))).status_code == 200
    assert decide(client, batch, "ACCEPTED").status_code == 200
    assert authorization_status(client, clinic, authorization["id"]) == "PAID"


def test_a_claims_period_is_the_month_it_was_completed_in(client, month):
    clinic = client.bearer(CLINIC)
    lab = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}]
    authorization = authorize(client, clinic, OTP_DO, DO, lab)
    path = _outpatient(client, clinic, authorization)  # filed this month
    advance(client, 32 * 86400)
    clinic = client.bearer(CLINIC)
    _complete_claim(client, clinic, path)  # completed the next month
    following = period(client)
    assert following != month
    assert [c["claim_id"] for c in pending(client, clinic, open_batch(client, clinic, following))] == [
        int(path.rsplit("/", 1)[1])
    ]
    refused = attach(client, clinic, open_batch(client, clinic, month), authorization["id"])
    assert error_of(refused) == (422, "MOCK-422-settlement-mismatch", ["authorization_ids[0]"])


def test_a_claim_in_a_batch_cannot_be_voided(client, clinic, month):
    """A DO clinic's outpatient-care claim against an authorization, completed, in an OPEN batch."""
    authorization = authorize(
        client, clinic, OTP_DO, DO, [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1}]
    )
    base = _outpatient(client, clinic, authorization)
    _complete_claim(client, clinic, base)
    assert attach(client, clinic, open_batch(client, clinic, month), authorization["id"]).status_code == 200
    refused = client.post(f"{base}/void", json={}, headers=clinic)
    assert error_of(refused) == (409, "MOCK-409-claim-in-settlement", [])
    assert client.get(base, headers=clinic).json()["status"] == "COMPLETED"


# -- isolation --------------------------------------------------------------------------------------
def test_another_providers_batch_is_404_on_every_operation(client, clinic, pharmacy, month):
    redeemed = redeem(client, clinic, pharmacy, 2)
    batch = open_batch(client, pharmacy, month)
    other = client.bearer(PHARMACY)
    base = f"{SETTLEMENTS}/{batch['settlement_id']}"
    calls = [
        client.get(base, headers=other),
        client.get(f"{base}/pending-authorizations", headers=other),
        client.post(
            f"{base}/authorizations", json={"authorization_ids": [redeemed["authorization_id"]]}, headers=other
        ),
        client.post(f"{base}/complete", json=invoice(0), headers=other),
    ]
    assert [error_of(answer)[:2] for answer in calls] == [(404, "MOCK-404-settlement-not-found")] * 4
