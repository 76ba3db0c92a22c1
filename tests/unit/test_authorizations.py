"""The request and authorization state machines, without HTTP: every legal and illegal transition."""

from __future__ import annotations

import pytest

from mock_server.domain.authorizations import Authorizations
from mock_server.domain.registrations import Registrations
from mock_server.domain.tokens import Principal
from tests.support.flows import ASYNC_MX, LIMITED, MANUAL, MARIA, PDF, schema_body
from tests.support.state import code_of

CLINIC = Principal("clinic-example", "demo-clinic", frozenset({"arc:read", "arc:write"}), "default")


@pytest.fixture
def authz(ledger) -> Authorizations:
    return ledger.area(Authorizations)


def ready(authz, beneficiary=MARIA, sponsor="sponsor-sandbox", products=None, documents=("MEDICAL_INDICATION",)):
    request, _ = authz.initiate(CLINIC, schema_body(beneficiary, sponsor, products), strict=False)
    for document_type in documents:
        authz.attach_indication(CLINIC.provider_slug, request.id, document_type, "x.pdf", PDF)
    return request


def completed(authz, **kwargs):
    request = ready(authz, **kwargs)
    return authz.complete(CLINIC.provider_slug, request.id, {})


def test_a_new_request_waits_for_indications(ledger, authz):
    request = ready(authz, documents=())
    assert request.status == "PENDING_INDICATION"
    assert code_of(lambda: authz.complete("clinic-example", request.id, {})) == "MOCK-422-documents-missing"
    assert request.status == "PENDING_INDICATION"


@pytest.mark.parametrize(
    ("beneficiary", "sponsor", "status"),
    [
        (MARIA, "sponsor-sandbox", "APPROVED"),
        (1000002, "sponsor-sandbox", "REJECTED"),
        (1000004, "sponsor-sandbox", "APPROVED"),
        (MANUAL, "sponsor-sandbox", "PENDING_SPONSOR"),
        (ASYNC_MX, "async-sponsor", "PENDING_SPONSOR"),
    ],
    ids=["approved", "rejected", "partial-with-one-line", "manual-review", "asynchronous"],
)
def test_complete_moves_the_request_to_its_sponsors_answer(ledger, authz, beneficiary, sponsor, status):
    documents = () if sponsor == "async-sponsor" else ("MEDICAL_INDICATION",)
    request = completed(authz, beneficiary=beneficiary, sponsor=sponsor, documents=documents)
    assert request.status == status


def test_a_completed_request_neither_completes_again_nor_takes_indications(ledger, authz):
    request = completed(authz)
    before = list(request.authorization_ids)
    assert authz.complete("clinic-example", request.id, {}).authorization_ids == before
    assert code_of(lambda: authz.attach_indication("clinic-example", request.id, "OTHER", "", PDF)) == (
        "MOCK-409-request-not-pending"
    )


def test_the_asynchronous_decision_fires_once(ledger, authz):
    request = completed(authz, beneficiary=ASYNC_MX, sponsor="async-sponsor", documents=())
    ledger.clock.advance(30)
    assert request.status == "APPROVED" and len(request.authorization_ids) == 1
    ledger.clock.advance(3600)
    assert len(request.authorization_ids) == 1


def authorization(authz, status=None):
    request = completed(authz)
    record = authz.authorizations[request.authorization_ids[0]]
    if status:
        record.status = status
    return record


@pytest.mark.parametrize("status", ["READY", "PENDING_REVIEW"])
def test_ready_and_pending_review_authorizations_can_be_voided(ledger, authz, status):
    record = authorization(authz, status)
    authz.void("clinic-example", record.id, None)
    assert record.status == "VOIDED" and record.voided_by == "PROVIDER"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("PARTIALLY_CLAIMED", "MOCK-422-authorization-claimed"),
        ("CLAIMED", "MOCK-422-authorization-claimed"),
        ("PAID", "MOCK-422-authorization-claimed"),
        ("VOIDED", "MOCK-422-authorization-not-voidable"),
    ],
)
def test_claimed_paid_or_voided_authorizations_cannot_be_voided(ledger, authz, status, code):
    record = authorization(authz, status)
    assert code_of(lambda: authz.void("clinic-example", record.id, None)) == code
    assert record.status == status


@pytest.mark.parametrize(
    ("status", "after"), [("READY", "VOIDED"), ("CLAIMED", "CLAIMED"), ("PARTIALLY_CLAIMED", "PARTIALLY_CLAIMED")]
)
def test_expiry_voids_only_what_is_still_redeemable_as_a_whole(ledger, authz, status, after):
    record = authorization(authz, status)
    ledger.clock.advance(30 * 86400)
    assert record.status == after


def test_nothing_to_decide_is_409_and_decisions_follow_manual_review(ledger, authz):
    request = completed(authz)
    assert code_of(lambda: authz.decide(request.id, "APPROVED", None)) == "MOCK-409-nothing-to-decide"
    manual = completed(authz, beneficiary=MANUAL)
    authz.decide(manual.id, "APPROVED", None)
    assert authz.authorizations[manual.authorization_ids[0]].status == "READY"
    assert code_of(lambda: authz.decide(manual.id, "REJECTED", None)) == "MOCK-409-nothing-to-decide"


def test_a_voided_authorization_takes_no_sponsor_update(ledger, authz):
    record = authorization(authz, "VOIDED")
    assert code_of(lambda: authz.sponsor_update(record.id, {})) == "MOCK-422-authorization-not-voidable"


def test_voiding_gives_the_units_back_to_the_benefit_limit(ledger, authz):
    first = completed(authz, beneficiary=LIMITED, products=[{"product_code": "MED-042", "quantity": 10}])
    assert first.status == "APPROVED"
    assert (
        completed(authz, beneficiary=LIMITED, products=[{"product_code": "MED-042", "quantity": 1}]).status
        == "REJECTED"
    )
    authz.void("clinic-example", first.authorization_ids[0], None)
    assert (
        completed(authz, beneficiary=LIMITED, products=[{"product_code": "MED-042", "quantity": 10}]).status
        == "APPROVED"
    )


def test_the_sponsors_line_cap_splits_a_group(ledger, authz):
    codes = [f"MED-SBX-{n:03d}" for n in range(1, 40)]
    registered = [c for c in codes if c in ledger.area(Registrations).by_provider["clinic-example"]][:7]
    products = [{"product_code": c, "quantity": 1} for c in registered]
    body = schema_body(
        1000010,
        "demo-insurer",
        products,
        professional_license_number="GT-1",
        service_type_code="OUTPATIENT",
        authorization_type="PRESCRIPTION",
    )
    request, _ = authz.initiate(CLINIC, body, strict=False)
    authz.attach_indication("clinic-example", request.id, "PRESCRIPTION", "", PDF)
    authz.complete("clinic-example", request.id, {})
    assert [len(authz.authorizations[i].lines) for i in request.authorization_ids] == [5, 2]
