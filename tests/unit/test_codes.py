"""Redemption codes without HTTP (the Codes area): one namespace for authorization and prescription codes.

Expected shapes come from README.md (a 9-character authorization ``code``; a 12-digit prescription
``code``, never equal to any authorization or prescription code) and ``contracts/errors.yaml``.
"""

from __future__ import annotations

import re

import pytest

from mock_server.core.errors import ApiError
from mock_server.core.ids import IdGenerator
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.codes import Codes
from mock_server.domain.prescriptions import Prescriptions
from mock_server.domain.tokens import Principal
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings
from tests.support.flows import PDF, schema_body
from tests.support.prescribing import v1_body

CLINIC = Principal("clinic-example", "demo-clinic", frozenset({"arc:read", "arc:write"}), "default")
OFFICE = Principal("doctors-office-example", "demo-doctors-office", frozenset({"ehr:read", "ehr:write"}), "default")
AUTHORIZATION_CODE = re.compile(r"^[A-Z][A-Z0-9]{8}$")
PRESCRIPTION_CODE = re.compile(r"^[0-9]{12}$")
LAB_AND_DRUG = [
    {"product_code": "MED-042", "product_type": "DRUG", "quantity": 30},
    {"product_code": "LAB-HEMO", "product_type": "LABORATORY", "quantity": 1},
]


@pytest.fixture
def sandbox():
    return Sandbox(Settings(frozen_clock=True))


@pytest.fixture
def ledger(sandbox):
    return sandbox.ledger()


@pytest.fixture
def codes(ledger) -> Codes:
    return ledger.area(Codes)


def raised(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def authorizations_of(ledger, products=None) -> list:
    """The authorizations of an approved request for MARIA (sponsor-sandbox, one MEDICAL_INDICATION)."""
    authz = ledger.area(Authorizations)
    request, _ = authz.initiate(CLINIC, schema_body(products=products), strict=False)
    authz.attach_indication(CLINIC.provider_slug, request.id, "MEDICAL_INDICATION", "x.pdf", PDF)
    authz.complete(CLINIC.provider_slug, request.id, {})
    return [authz.authorizations[i] for i in request.authorization_ids]


def prescription_of(ledger):
    return ledger.area(Prescriptions).issue(OFFICE, "v1", v1_body())


# -- what gets registered -------------------------------------------------------------------------
def test_a_fresh_ledger_knows_no_code(codes):
    assert codes.codes == {}


def test_completing_an_authorization_registers_each_authorizations_code(ledger, codes):
    authorizations = authorizations_of(ledger, LAB_AND_DRUG)
    assert len(authorizations) == 2  # README: one authorization per product group
    for authorization in authorizations:
        assert codes.lookup(authorization.code) == ("AUTHORIZATION", authorization.id)


def test_issuing_a_prescription_registers_its_code(ledger, codes):
    prescription = prescription_of(ledger)
    assert codes.lookup(prescription.code) == ("PRESCRIPTION", prescription.id)


def test_authorization_codes_are_a_letter_and_eight_letters_or_digits(ledger):
    for authorization in authorizations_of(ledger, LAB_AND_DRUG) + authorizations_of(ledger):
        assert AUTHORIZATION_CODE.fullmatch(authorization.code), authorization.code


def test_prescription_codes_are_twelve_digits(ledger):
    for _ in range(3):
        code = prescription_of(ledger).code
        assert PRESCRIPTION_CODE.fullmatch(code), code


def test_every_issued_code_is_registered_once(ledger, codes):
    issued = [a.code for a in authorizations_of(ledger, LAB_AND_DRUG) + authorizations_of(ledger)]
    issued += [prescription_of(ledger).code for _ in range(3)]
    assert len(set(issued)) == len(issued) == len(codes.codes)


@pytest.mark.parametrize("kind", ["authorization_code", "prescription_code"])
def test_a_code_already_taken_is_not_issued_again(kind):
    """The same seed draws the same code; once it is taken, the generator draws another."""
    taken = getattr(IdGenerator(seed="s"), kind)()
    ids = IdGenerator(seed="s")
    ids.reserve_code(taken)
    assert getattr(ids, kind)() != taken


# -- lookup ---------------------------------------------------------------------------------------
def test_lookup_ignores_case_and_surrounding_whitespace(ledger, codes):
    [authorization] = authorizations_of(ledger)
    assert codes.lookup(f"  {authorization.code.lower()}\t") == ("AUTHORIZATION", authorization.id)
    prescription = prescription_of(ledger)
    assert codes.lookup(f"\n{prescription.code} ") == ("PRESCRIPTION", prescription.id)


@pytest.mark.parametrize("code", ["", "ZZZZZZZZZ", "000000000000", "not a code"])
def test_an_unknown_code_is_404_code_not_found(codes, code):
    error = raised(lambda: codes.lookup(code))
    assert (error.code, error.status) == ("MOCK-404-code-not-found", 404)


def test_a_code_of_another_tenant_is_unknown(sandbox, ledger):
    [authorization] = authorizations_of(ledger)
    tenant_id, _ = sandbox.create_tenant("job-1")
    error = raised(lambda: sandbox.ledger(tenant_id).area(Codes).lookup(authorization.code))
    assert error.code == "MOCK-404-code-not-found"


# -- snapshot -------------------------------------------------------------------------------------
def test_export_and_restore_round_trip_into_a_fresh_ledger(ledger, codes):
    [authorization] = authorizations_of(ledger)
    prescription = prescription_of(ledger)
    exported = codes.export()
    assert {item["code"]: (item["code_type"], item["id"]) for item in exported["codes"]} == {
        authorization.code: ("AUTHORIZATION", authorization.id),
        prescription.code: ("PRESCRIPTION", prescription.id),
    }
    fresh = Sandbox(Settings(frozen_clock=True)).ledger().area(Codes)
    fresh.restore(exported)
    assert fresh.lookup(authorization.code.lower()) == ("AUTHORIZATION", authorization.id)
    assert fresh.lookup(prescription.code) == ("PRESCRIPTION", prescription.id)
    assert fresh.export() == exported


def test_restore_replaces_what_the_ledger_knew(ledger, codes):
    [authorization] = authorizations_of(ledger)
    codes.restore({"codes": []})
    assert raised(lambda: codes.lookup(authorization.code)).code == "MOCK-404-code-not-found"


def test_a_snapshot_without_codes_leaves_them_as_they_are(ledger, codes):
    prescription = prescription_of(ledger)
    codes.restore({})
    assert codes.lookup(prescription.code) == ("PRESCRIPTION", prescription.id)
