"""The settlement batch lifecycle without HTTP: OPEN -> SUBMITTED -> the sponsor's decision, driven through the
Settlements area's operations and its timer, with what each step does to claims and authorizations."""

from __future__ import annotations

import pytest

from mock_server.domain.authorizations import Authorizations
from mock_server.domain.claims import Claims
from mock_server.domain.settlements import Settlements
from mock_server.domain.tokens import Principal
from tests.support.flows import APPROVED_DO, schema_body
from tests.support.state import code_of

CLINIC = Principal("clinic-example", "demo-clinic", frozenset({"arc:read", "arc:write"}), "default")
PHARMACY_DO = "farmacia-santo-domingo"
DO = "sponsor-sandbox-do"
# fixtures/world: LAB-HEMO lists at 575 DOP; APPROVED_DO's plan ARS-PLUS has no copay and 10 % coinsurance,
# and sponsor-sandbox-do asks no verification for LABORATORY.
LAB_HEMO_DOP, COINSURANCE = 575.0, 0.10


def claimed(ledger, quantity: int = 2):
    """A LABORATORY authorization of sponsor-sandbox-do, claimed in full by the Dominican pharmacy."""
    authz = ledger.area(Authorizations)
    products = [{"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": quantity}]
    request, _ = authz.initiate(CLINIC, schema_body(APPROVED_DO, DO, products), strict=False)
    done = authz.complete(CLINIC.provider_slug, request.id, {})
    authorization = authz.authorizations[done.authorization_ids[0]]
    line = authorization.lines[0].id
    body = {"products": [{"authorization_product_id": line, "price": LAB_HEMO_DOP, "quantity": quantity}]}
    return authorization, ledger.area(Claims).file_for_authorization(PHARMACY_DO, authorization.id, body)


def submitted(ledger, *quantities: int):
    area = ledger.area(Settlements)
    pairs = [claimed(ledger, q) for q in quantities]
    batch = area.start(PHARMACY_DO, DO, ledger.clock.iso()[:7])
    area.attach(PHARMACY_DO, batch.id, [authorization.id for authorization, _ in pairs])
    ledger.clock.advance(30)  # the decision counts from the submission, not from the start
    total = round(sum(q * LAB_HEMO_DOP * (1 - COINSURANCE) for q in quantities), 2)
    area.complete(
        PHARMACY_DO,
        batch.id,
        {"invoice_number": "B01", "invoice_date": "2026-11-30T10:00:00Z", "invoice_amount": total},
    )
    return batch, pairs


def test_a_batch_bills_the_covered_amount_of_each_claim(ledger):
    area = ledger.area(Settlements)
    _, claim = claimed(ledger, 2)
    batch = area.start(PHARMACY_DO, DO, ledger.clock.iso()[:7])
    area.attach(PHARMACY_DO, batch.id, [claim.authorization_id])
    assert area.total(batch) == pytest.approx(2 * LAB_HEMO_DOP * (1 - COINSURANCE))


def test_open_to_submitted_schedules_the_sponsors_decision(ledger):
    batch, _ = submitted(ledger, 1)
    assert batch.status == "SUBMITTED"
    [timer] = [t for t in ledger.clock.pending() if t.action == "settlement.decide"]
    assert timer.due == pytest.approx(batch.submitted_at + 60) and batch.submitted_at == batch.created_at + 30


def test_submitted_to_accepted_on_the_mock_clock_pays_the_claim_and_its_authorization(ledger):
    batch, [(authorization, claim)] = submitted(ledger, 2)
    ledger.clock.advance(59)
    assert batch.status == "SUBMITTED" and claim.status == "COMPLETED"
    ledger.clock.advance(1)
    assert batch.status == "ACCEPTED" and claim.status == "PAID" and authorization.status == "PAID"
    assert [e.event_type for e in ledger.events if e.event_type.startswith("settlement.")] == ["settlement.paid"]


def test_submitted_to_rejected_releases_the_claims_and_the_clock_decides_nothing_more(ledger):
    area = ledger.area(Settlements)
    batch, [(authorization, claim)] = submitted(ledger, 2)
    area.decide(batch.id, "REJECTED")
    assert batch.status == "REJECTED" and claim.status == "COMPLETED" and claim.settlement_id is None
    assert authorization.status == "CLAIMED"
    ledger.clock.advance(3600)
    assert batch.status == "REJECTED"
    assert [e.event_type for e in ledger.events if e.event_type.startswith("settlement.")] == ["settlement.rejected"]


def test_submitted_to_partially_accepted_pays_only_the_claims_not_named(ledger):
    area = ledger.area(Settlements)
    batch, [(_, kept), (_, named)] = submitted(ledger, 1, 3)
    area.decide(batch.id, "PARTIALLY_ACCEPTED", [named.id])
    assert (kept.status, named.status) == ("PAID", "COMPLETED")
    assert batch.paid_claim_ids == [kept.id] and batch.rejected_claim_ids == [named.id]


def test_illegal_steps_are_refused_and_change_nothing(ledger):
    area = ledger.area(Settlements)
    _, claim = claimed(ledger, 1)
    batch = area.start(PHARMACY_DO, DO, ledger.clock.iso()[:7])
    assert code_of(lambda: area.decide(batch.id, "ACCEPTED")) == "MOCK-409-settlement-not-submitted"
    area.attach(PHARMACY_DO, batch.id, [claim.authorization_id])
    wrong = {"invoice_number": "B01", "invoice_date": "2026-11-30T10:00:00Z", "invoice_amount": 1.0}
    assert code_of(lambda: area.complete(PHARMACY_DO, batch.id, wrong)) == "MOCK-400-invalid-invoice"
    assert batch.status == "OPEN" and batch.invoice is None
    assert not [t for t in ledger.clock.pending() if t.action == "settlement.decide"]
    right = {**wrong, "invoice_amount": area.total(batch)}
    area.complete(PHARMACY_DO, batch.id, right)
    assert (
        code_of(lambda: area.attach(PHARMACY_DO, batch.id, [claim.authorization_id])) == "MOCK-409-settlement-not-open"
    )
    area.decide(batch.id, "ACCEPTED")
    assert code_of(lambda: area.decide(batch.id, "REJECTED")) == "MOCK-409-settlement-not-submitted"
    assert batch.status == "ACCEPTED" and claim.status == "PAID"


def test_a_batch_accepts_only_its_sponsor_and_only_sponsors_that_allow_batches(ledger):
    area = ledger.area(Settlements)
    assert code_of(lambda: area.start(PHARMACY_DO, "sponsor-sandbox", "2026-01")) == "MOCK-406-settlement-not-allowed"
    assert code_of(lambda: area.start(PHARMACY_DO, "nobody", "2026-01")) == "MOCK-404-sponsor-not-found"
    assert not area.batches
