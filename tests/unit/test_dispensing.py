"""The dispensation, claim and monitor lifecycles without HTTP: each transition driven through the areas'
operations and timers, and the money rule."""

from __future__ import annotations

from mock_server.domain import money
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.claims import Claims
from mock_server.domain.dispensing import Dispensing
from mock_server.domain.reference import Plan
from mock_server.domain.tokens import Principal
from tests.support.flows import MARIA, PDF, schema_body
from tests.support.state import code_of

CLINIC = Principal("clinic-example", "demo-clinic", frozenset({"arc:read", "arc:write"}), "default")
PHARMACY = Principal("pharmacy-example", "demo-pharmacy", frozenset({"dispensing:write", "arc:write"}), "default")
INVOICE = {"document_number": "F-1", "document_date": "2026-11-30T10:00:00Z"}


def authorization(ledger, products=None):
    authz = ledger.area(Authorizations)
    request, _ = authz.initiate(CLINIC, schema_body(MARIA, products=products), strict=False)
    authz.attach_indication(CLINIC.provider_slug, request.id, "MEDICAL_INDICATION", "x.pdf", PDF)
    done = authz.complete(CLINIC.provider_slug, request.id, {})
    return authz.authorizations[done.authorization_ids[0]]


def test_started_to_completed_claims_the_units(ledger):
    granted = authorization(ledger)
    dispensing = ledger.area(Dispensing)
    dispensation = dispensing.start(PHARMACY, {"code": granted.code})
    assert dispensation.status == "STARTED" and granted.locked_by == dispensation.dispensation_id
    dispensing.complete(PHARMACY.provider_slug, dispensation.dispensation_id, {"amount": 15000.0, **INVOICE})
    assert dispensation.status == "COMPLETED" and granted.locked_by is None
    assert granted.status == "CLAIMED" and granted.lines[0].claimed_quantity == 30
    assert ledger.area(Claims).claims[dispensation.claim_id].status == "COMPLETED"


def test_started_to_cancelled_by_the_pharmacy_releases_the_code(ledger):
    granted = authorization(ledger)
    dispensing = ledger.area(Dispensing)
    dispensation = dispensing.start(PHARMACY, {"code": granted.code})
    dispensing.cancel(PHARMACY.provider_slug, dispensation.dispensation_id)
    assert (dispensation.status, dispensation.cancel_reason) == ("CANCELLED", "PHARMACY")
    assert granted.locked_by is None and granted.status == "READY"
    assert not [t for t in ledger.clock.pending() if t.action == "dispensation.timeout"]


def test_started_to_cancelled_by_the_timeout_timer(ledger):
    granted = authorization(ledger)
    dispensing = ledger.area(Dispensing)
    dispensation = dispensing.start(PHARMACY, {"code": granted.code})
    ledger.clock.advance(1799)
    assert dispensation.status == "STARTED"
    ledger.clock.advance(1)
    assert (dispensation.status, dispensation.cancel_reason) == ("CANCELLED", "TIMEOUT")
    assert granted.locked_by is None


def test_a_finished_dispensation_takes_no_other_step(ledger):
    granted = authorization(ledger)
    dispensing = ledger.area(Dispensing)
    cancelled = dispensing.start(PHARMACY, {"code": granted.code})
    dispensing.cancel(PHARMACY.provider_slug, cancelled.dispensation_id)

    def refused():
        return dispensing.complete(PHARMACY.provider_slug, cancelled.dispensation_id, {"amount": 15000.0, **INVOICE})

    assert code_of(refused) == "MOCK-422-dispensation-not-started"
    completed = dispensing.start(PHARMACY, {"code": granted.code})
    dispensing.complete(PHARMACY.provider_slug, completed.dispensation_id, {"amount": 15000.0, **INVOICE})
    assert code_of(lambda: dispensing.cancel(PHARMACY.provider_slug, completed.dispensation_id)) == (
        "MOCK-422-dispensation-not-started"
    )
    assert completed.status == "COMPLETED"


def test_a_procedure_claim_goes_in_progress_ready_completed_voided(ledger):
    granted = authorization(ledger, [{"product_code": "CONS-GEN", "product_type": "MEDICAL_PROCEDURE", "quantity": 1}])
    claims = ledger.area(Claims)
    claim = claims.file_procedure(CLINIC, {"authorization_id": granted.id})
    assert claim.status == "IN_PROGRESS" and granted.status == "CLAIMED"
    ledger.clock.advance(5)
    assert claim.status == "READY"
    claims.complete(CLINIC.provider_slug, claim.id, claim.claim_type, INVOICE)
    assert claim.status == "COMPLETED"
    claims.void(CLINIC.provider_slug, claim.id, claim.claim_type, None)
    assert claim.status == "VOIDED" and granted.status == "READY" and granted.lines[0].claimed_quantity == 0


def test_a_ready_claim_may_be_voided_without_completing(ledger):
    granted = authorization(ledger, [{"product_code": "CONS-GEN", "product_type": "MEDICAL_PROCEDURE", "quantity": 1}])
    claims = ledger.area(Claims)
    claim = claims.file_procedure(CLINIC, {"authorization_id": granted.id})
    ledger.clock.advance(5)
    claims.void(CLINIC.provider_slug, claim.id, claim.claim_type, "duplicada")
    assert claim.status == "VOIDED"
    assert code_of(lambda: claims.complete(CLINIC.provider_slug, claim.id, claim.claim_type, INVOICE)) == (
        "MOCK-409-claim-not-ready"
    )


def _outpatient(ledger, **extra):
    body = {
        "beneficiary_id": MARIA,
        "sponsor_slug": "sponsor-sandbox",
        "doctor_medical_license_number": "MP-1",
        "doctor_country_code": "CO",
        "doctor_name": "Dra. Ana",
        "diagnoses": [{"coding_system": "ICD-10", "code": "R51"}],
        "line_items": [{"product_code": "LAB-HEMO", "quantity": 1}],
        **extra,
    }
    monitor, _ = ledger.area(Claims).file_outpatient(CLINIC, body, strict=False)
    return monitor


def test_a_monitor_goes_pending_in_progress_completed(ledger):
    monitor = _outpatient(ledger)
    assert monitor.status == "PENDING"
    ledger.clock.advance(5)
    assert monitor.status == "IN_PROGRESS" and monitor.claim_id is None
    ledger.clock.advance(5)
    assert monitor.status == "COMPLETED" and ledger.area(Claims).claims[monitor.claim_id].status == "READY"


def test_a_monitor_goes_in_progress_to_error_on_bad_business_data(ledger):
    monitor = _outpatient(ledger, sponsor_slug="async-sponsor")  # MARIA is sponsor-sandbox's
    ledger.clock.advance(10)
    assert (monitor.status, monitor.error_code, monitor.claim_id) == ("ERROR", "MOCK-404-beneficiary-not-found", None)


def test_the_plan_shares_of_an_amount():
    """Copay first (never more than the amount), then coinsurance on the rest; no deductible."""
    plan = Plan("P", "P", copay=25.0, coinsurance_pct=20.0, deductible=500.0, annual_maximum=0.0, benefit_limits=())
    assert money.shares(plan, 100.0) == (25.0, 15.0, 0.0)
    assert money.shares(plan, 10.0) == (10.0, 0.0, 0.0)
    assert money.total([(500.0, 3, 95.0), (0.1, 3, 0.0)]) == 1595.3
    assert money.matches_total(100.01, 100.0) and not money.matches_total(100.02, 100.0)
