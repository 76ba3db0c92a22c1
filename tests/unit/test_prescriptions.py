"""Prescription redemption rules without HTTP: every item-status transition the dispensing flow uses."""

from __future__ import annotations

import pytest

from mock_server.core.errors import ApiError
from mock_server.domain.codes import Codes
from mock_server.domain.prescriptions import Prescriptions, canonical_hash
from mock_server.domain.prescriptions.issuing import VALIDITY_DAYS
from mock_server.domain.tokens import Principal
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings
from tests.support.prescribing import consent, signed, v1_body, v2_body, v11_body

OFFICE = Principal("doctors-office-example", "demo-doctors-office", frozenset({"ehr:read", "ehr:write"}), "default")
MADRID = Principal("consultorio-madrid", "demo-doctors-office-es", frozenset({"ehr:read", "ehr:write"}), "default")


@pytest.fixture
def ledger():
    return Sandbox(Settings(frozen_clock=True)).ledger()


@pytest.fixture
def rx(ledger) -> Prescriptions:
    return ledger.area(Prescriptions)


def issued(rx, products=("MED-042", "MED-SBX-001")):
    return rx.issue(OFFICE, "v1", v1_body(products=products))


def code_of(call) -> str:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.code


def statuses(prescription) -> list[str]:
    return [item.status for item in prescription.items]


def test_a_new_prescription_has_every_item_dispensable_and_a_prescription_code(ledger, rx):
    prescription = issued(rx)
    assert statuses(prescription) == ["DISPENSABLE", "DISPENSABLE"]
    assert ledger.area(Codes).lookup(prescription.code) == ("PRESCRIPTION", prescription.id)
    rx.check_redeemable(prescription)


def test_a_started_dispensation_locks_its_items(ledger, rx):
    prescription = issued(rx)
    first, second = prescription.items
    rx.lock(prescription, 901, [first.id])
    assert statuses(prescription) == ["LOCKED", "DISPENSABLE"]
    assert first.locked_by == 901


def test_a_second_dispensation_while_one_is_started_is_409_code_locked(ledger, rx):
    prescription = issued(rx)
    rx.lock(prescription, 901, [prescription.items[0].id])
    assert code_of(lambda: rx.lock(prescription, 902, [prescription.items[1].id])) == "MOCK-409-code-locked"
    assert statuses(prescription) == ["LOCKED", "DISPENSABLE"]


def test_a_cancelled_dispensation_gives_the_items_back(ledger, rx):
    prescription = issued(rx)
    rx.lock(prescription, 901, [i.id for i in prescription.items])
    rx.unlock(prescription, 901)
    assert statuses(prescription) == ["DISPENSABLE", "DISPENSABLE"]
    assert all(i.locked_by is None for i in prescription.items)
    rx.check_redeemable(prescription)


def test_a_full_dispensation_makes_items_and_prescription_dispensed(ledger, rx):
    prescription = issued(rx)
    ids = [i.id for i in prescription.items]
    rx.lock(prescription, 901, ids)
    rx.settle(prescription, 901, {ids[0]: (30, None), ids[1]: (30, None)})
    assert statuses(prescription) == ["DISPENSED", "DISPENSED"] and prescription.status == "DISPENSED"
    assert code_of(lambda: rx.check_redeemable(prescription)) == "MOCK-422-code-not-redeemable"
    assert [log.status for log in prescription.dispensation_logs] == ["DISPENSED", "DISPENSED"]


def test_a_partial_dispensation_leaves_the_rest_redeemable(ledger, rx):
    prescription = issued(rx)
    first, second = prescription.items
    rx.lock(prescription, 901, [first.id, second.id])
    rx.settle(prescription, 901, {first.id: (10, None)})
    assert statuses(prescription) == ["PARTIALLY_DISPENSED", "DISPENSABLE"]
    assert prescription.status == "PARTIALLY_DISPENSED"
    rx.lock(prescription, 902, [first.id])
    assert first.status == "LOCKED"
    rx.settle(prescription, 902, {first.id: (20, None)})
    assert first.status == "DISPENSED" and first.dispensed_quantity == 30
    assert prescription.status == "PARTIALLY_DISPENSED"  # the second item is still to dispense


def test_a_substitution_marks_the_item_substituted(ledger, rx):
    prescription = issued(rx)
    first, second = prescription.items
    rx.lock(prescription, 901, [first.id, second.id])
    rx.settle(prescription, 901, {first.id: (30, "MED-SBX-002"), second.id: (5, "MED-SBX-003")})
    assert statuses(prescription) == ["SUBSTITUTED", "PARTIALLY_SUBSTITUTED"]
    assert first.substitute_product_code == "MED-SBX-002"


def test_an_item_already_dispensed_cannot_be_locked_again(ledger, rx):
    prescription = issued(rx)
    first, second = prescription.items
    rx.lock(prescription, 901, [first.id])
    rx.settle(prescription, 901, {first.id: (30, None)})
    assert code_of(lambda: rx.lock(prescription, 902, [first.id])) == "MOCK-422-code-not-redeemable"
    assert code_of(lambda: rx.lock(prescription, 902, [999])) == "MOCK-422-code-not-redeemable"
    assert statuses(prescription) == ["DISPENSED", "DISPENSABLE"]


def test_an_expired_prescription_cannot_be_dispensed(ledger, rx):
    prescription = issued(rx)
    ledger.clock.advance(VALIDITY_DAYS * 86400)
    assert statuses(prescription) == ["EXPIRED", "EXPIRED"] and prescription.status == "EXPIRED"
    assert code_of(lambda: rx.check_redeemable(prescription)) == "MOCK-422-code-not-redeemable"


def test_expiry_leaves_dispensed_items_alone(ledger, rx):
    prescription = issued(rx)
    first, _ = prescription.items
    rx.lock(prescription, 901, [first.id])
    rx.settle(prescription, 901, {first.id: (30, None)})
    ledger.clock.advance(VALIDITY_DAYS * 86400)
    assert statuses(prescription) == ["DISPENSED", "EXPIRED"] and prescription.status == "EXPIRED"


def test_a_voided_prescription_cannot_be_dispensed_and_never_expires(ledger, rx):
    prescription = issued(rx)
    rx.void(OFFICE.provider_slug, prescription.id)
    assert code_of(lambda: rx.check_redeemable(prescription)) == "MOCK-422-code-not-redeemable"
    ledger.clock.advance(VALIDITY_DAYS * 86400)
    assert prescription.status == "VOIDED" and statuses(prescription) == ["DISPENSABLE", "DISPENSABLE"]


def test_a_prescription_being_dispensed_cannot_be_voided(ledger, rx):
    prescription = issued(rx)
    rx.lock(prescription, 901, [prescription.items[0].id])
    assert code_of(lambda: rx.void(OFFICE.provider_slug, prescription.id)) == "MOCK-422-prescription-not-voidable"
    assert prescription.status == "ISSUED"


def test_the_v2_hash_is_sha256_of_the_rfc8785_canonical_signed_fields():
    body = v2_body()
    reordered = {key: body[key] for key in reversed(list(body))}
    assert canonical_hash(reordered) == canonical_hash(body) == body["signature"]["hash"]
    changed = {**body, "patient_id": body["patient_id"] + 1}
    assert canonical_hash(changed) != body["signature"]["hash"]
    # fields outside the signed content do not change the hash
    assert canonical_hash({**body, "signature": None, "extra": 1}) == body["signature"]["hash"]


def test_a_v2_prescription_gets_a_signed_document_and_registration(ledger, rx):
    prescription = rx.issue(MADRID, "v2", v2_body())
    assert prescription.signed_document_id and prescription.repository_registration.registration_id


def test_an_unknown_code_is_404_code_not_found(ledger, rx):
    assert code_of(lambda: ledger.area(Codes).lookup("000000000000")) == "MOCK-404-code-not-found"


def problems_of(call) -> list[tuple[str, bool]]:
    """The error's field paths, each with whether it says something (a path without a message helps nobody)."""
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.code == "MOCK-422-validation-failed"
    return [(problem.path, bool(problem.message)) for problem in caught.value.errors]


def test_v1_1_without_a_consent_block_names_consent(rx):
    body = v1_body()
    assert problems_of(lambda: rx.issue(OFFICE, "v1.1", body)) == [("consent", True)]


def test_v1_1_names_each_broken_rule_of_the_consent(rx, ledger):
    future = "2099-01-01T00:00:00Z"  # later than the frozen clock's now
    body = v1_body(consent=consent(accepted=False, method="CARRIER_PIGEON", accepted_at=future))
    assert problems_of(lambda: rx.issue(OFFICE, "v1.1", body)) == [
        ("consent.accepted", True),
        ("consent.method", True),
        ("consent.accepted_at", True),
    ]
    body = v1_body(consent=consent(accepted_at="yesterday"))
    assert problems_of(lambda: rx.issue(OFFICE, "v1.1", body)) == [("consent.accepted_at", True)]
    assert rx.issue(OFFICE, "v1.1", v11_body()).version == "v1.1"  # the same body with a valid consent


def test_v2_names_the_doctor_country_the_colegiado_and_a_missing_signature(rx):
    body = v2_body(colegiado="MP-12345", country="CO")
    del body["signature"]
    assert problems_of(lambda: rx.issue(MADRID, "v2", body)) == [
        ("doctor.country_code", True),
        ("doctor.medical_license_number", True),
        ("signature", True),
    ]


def test_v2_names_a_wrong_algorithm_and_a_hash_of_other_content(rx):
    body = v2_body()
    body["signature"]["algorithm"] = "MD5"
    body["signature"]["hash"] = signed({**body, "patient_id": 1})["signature"]["hash"]
    assert problems_of(lambda: rx.issue(MADRID, "v2", body)) == [
        ("signature.algorithm", True),
        ("signature.hash", True),
    ]
    assert rx.issue(MADRID, "v2", v2_body()).version == "v2"  # and signed over its own content, it is issued
    for field, changed in (("medications", [{**v2_body()["medications"][0], "quantity": 31}]), ("consent", None)):
        body = v2_body()
        body["signature"]["hash"] = signed({**body, field: changed})["signature"]["hash"]
        assert ("signature.hash", True) in problems_of(lambda body=body: rx.issue(MADRID, "v2", body)), field


def test_v2_refuses_a_patient_without_a_dni_or_nie(rx):
    body = v2_body(patient_id=3000001)  # MARIA GONZALEZ: a Colombian CC
    assert problems_of(lambda: rx.issue(MADRID, "v2", body)) == [("patient_id", True)]
