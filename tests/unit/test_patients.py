"""The ePrescription patient registry without HTTP (the Patients area).

Expected values come from fixtures/world/patients.yaml, README.md ("E-prescriptions": CC, CE, TI, PA are
6 to 10 digits, DNI and NIE need a valid check letter, a registered document is 409) and the standard
Spanish check-letter rule, computed here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from mock_server.core.clock import parse_instant
from mock_server.core.errors import ApiError
from mock_server.core.resources import fixtures_dir
from mock_server.domain.patients import Patients
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings

SEEDED = yaml.safe_load((fixtures_dir() / "world" / "patients.yaml").read_text("utf-8"))["patients"]
SEEDED_IDS = [p["patient_id"] for p in SEEDED]
LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni(number: int) -> str:
    return f"{number:08d}{LETTERS[number % 23]}"


def nie(prefix: str, digits: str) -> str:
    return f"{prefix}{digits}{LETTERS[int(str('XYZ'.index(prefix)) + digits) % 23]}"


def wrong_letter(document: str) -> str:
    right = document[-1]
    return document[:-1] + LETTERS[(LETTERS.index(right) + 1) % len(LETTERS)]


@pytest.fixture
def sandbox():
    return Sandbox(Settings(frozen_clock=True))


@pytest.fixture
def ledger(sandbox):
    return sandbox.ledger()


@pytest.fixture
def patients(ledger) -> Patients:
    return ledger.area(Patients)


def body(**changes) -> dict:
    return {
        "first_name": "ANA",
        "last_name": "PEREZ",
        "document_type": "CC",
        "document_number": "1020304050",
        "date_of_birth": "1990-04-11",
        "email": "ana.perez@example.com",
        **changes,
    }


def raised(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def paths(error: ApiError) -> list[str]:
    return [e.path for e in error.errors]


def ids(items) -> list[int]:
    return [item["patient_id"] for item in items]


# -- the seeded registry --------------------------------------------------------------------------
def test_a_fresh_ledger_has_exactly_the_seeded_patients(patients):
    assert ids(patients.find(None, None)) == sorted(SEEDED_IDS) == [3000001, 3000002, 3000003, 3000004]


@pytest.mark.parametrize("seeded", SEEDED, ids=[p["document_number"] for p in SEEDED])
def test_each_seeded_patient_is_as_the_fixture_says(patients, seeded):
    patient = patients.get(seeded["patient_id"])
    view = patient.view()
    for key in ("first_name", "last_name", "document_type", "document_number", "date_of_birth", "email", "phone"):
        assert view[key] == seeded[key]
    assert patient.created_at == parse_instant(seeded["created_at"])
    assert patient.manually_created is False


def test_a_new_tenant_starts_with_the_seeded_patients_too(sandbox):
    tenant_id, _ = sandbox.create_tenant("job-1")
    assert ids(sandbox.ledger(tenant_id).area(Patients).find(None, None)) == sorted(SEEDED_IDS)


# -- create ---------------------------------------------------------------------------------------
def test_a_valid_patient_is_created_with_a_new_id_and_the_mock_time(ledger, patients):
    patient = patients.create(body())
    assert patient.patient_id not in SEEDED_IDS
    assert (patient.document_type, patient.document_number) == ("CC", "1020304050")
    assert patient.created_at == ledger.clock.timestamp() and patient.manually_created is True
    assert patients.get(patient.patient_id) is patient


@pytest.mark.parametrize("document_type", ["CC", "CE", "TI", "PA"])
@pytest.mark.parametrize("number", ["123456", "1234567890"], ids=["6-digits", "10-digits"])
def test_colombian_documents_of_6_to_10_digits_are_accepted(patients, document_type, number):
    assert patients.create(body(document_type=document_type, document_number=number)).document_number == number


@pytest.mark.parametrize("number", ["12345", "12345678901", "12345A", "12-3456"])
def test_colombian_documents_of_another_shape_are_422_on_document_number(patients, number):
    error = raised(lambda: patients.create(body(document_number=number)))
    assert (error.code, error.status, paths(error)) == ("MOCK-422-validation-failed", 422, ["document_number"])


@pytest.mark.parametrize(
    ("document_type", "number"),
    [("DNI", dni(87654321)), ("DNI", dni(4)), ("NIE", nie("Y", "7654321")), ("NIE", nie("Z", "0000042"))],
)
def test_spanish_documents_with_the_right_check_letter_are_accepted(patients, document_type, number):
    patient = patients.create(body(document_type=document_type, document_number=number))
    assert (patient.document_type, patient.document_number) == (document_type, number)


@pytest.mark.parametrize(
    ("document_type", "number"),
    [
        ("DNI", wrong_letter(dni(87654321))),
        ("NIE", wrong_letter(nie("Y", "7654321"))),
        ("DNI", "8765432"),
        ("NIE", "A7654321B"),
        ("DNI", nie("X", "7654321")),
    ],
    ids=["dni-wrong-letter", "nie-wrong-letter", "dni-short", "nie-bad-prefix", "nie-as-dni"],
)
def test_spanish_documents_with_a_wrong_check_letter_or_shape_are_422_on_document_number(
    patients, document_type, number
):
    error = raised(lambda: patients.create(body(document_type=document_type, document_number=number)))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["document_number"])


def test_a_document_is_stored_in_canonical_form(patients):
    patient = patients.create(body(document_type=" dni ", document_number=" " + dni(87654321).lower() + " "))
    assert (patient.document_type, patient.document_number) == ("DNI", dni(87654321))


def test_an_unknown_document_type_is_422_on_document_type(patients):
    error = raised(lambda: patients.create(body(document_type="XX")))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["document_type"])


def test_a_date_of_birth_in_the_future_is_422_on_date_of_birth(ledger, patients):
    tomorrow = (ledger.today() + timedelta(days=1)).isoformat()
    error = raised(lambda: patients.create(body(date_of_birth=tomorrow)))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["date_of_birth"])


def test_a_patient_born_today_is_accepted(ledger, patients):
    assert patients.create(body(date_of_birth=ledger.today().isoformat())).date_of_birth == ledger.today().isoformat()


def test_a_date_of_birth_that_is_not_a_date_is_422_on_date_of_birth(patients):
    error = raised(lambda: patients.create(body(date_of_birth="11/04/1990")))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", ["date_of_birth"])


def test_every_problem_is_reported_at_once_and_nothing_is_created(ledger, patients):
    future = (ledger.today() + timedelta(days=400)).isoformat()
    error = raised(lambda: patients.create(body(document_number="12", date_of_birth=future)))
    assert paths(error) == ["document_number", "date_of_birth"]
    assert ids(patients.find(None, None)) == sorted(SEEDED_IDS)


@pytest.mark.parametrize(
    ("document_type", "number"),
    [
        ("CC", "1000000001"),
        ("CC", " 1000 000 001 "),
        ("cc", "1000000002"),
        ("DNI", "12345678z"),
        ("NIE", " x1234567l "),
    ],
    ids=["same", "spaces", "type-case", "dni-letter-case", "nie-case-and-spaces"],
)
def test_a_document_already_registered_is_409_however_it_is_written(patients, document_type, number):
    error = raised(lambda: patients.create(body(document_type=document_type, document_number=number)))
    assert (error.code, error.status) == ("MOCK-409-patient-exists", 409)
    assert ids(patients.find(None, None)) == sorted(SEEDED_IDS)


def test_a_created_patient_cannot_be_created_twice(patients):
    patients.create(body())
    assert raised(lambda: patients.create(body(first_name="OTRA"))).code == "MOCK-409-patient-exists"


# -- find -----------------------------------------------------------------------------------------
def test_find_by_number_gives_the_patient_with_that_document(patients):
    assert ids(patients.find("1000000001", None)) == [3000001]
    assert ids(patients.find(" 12345678z ", None)) == [3000003]
    assert ids(patients.find("X1234567L", None)) == [3000004]


def test_find_by_number_finds_a_created_patient(patients):
    created = patients.create(body())
    assert ids(patients.find("1020304050", None)) == [created.patient_id]


def test_find_by_type_gives_every_patient_of_that_type(patients):
    assert ids(patients.find(None, "CC")) == [3000001, 3000002]
    assert ids(patients.find(None, "dni")) == [3000003]
    assert ids(patients.find(None, "NIE")) == [3000004]
    assert patients.find(None, "CED") == []


def test_find_by_number_and_type_needs_both_to_match(patients):
    assert ids(patients.find("1000000002", "CC")) == [3000002]
    assert patients.find("1000000002", "CE") == []


def test_find_an_unknown_number_gives_nothing(patients):
    assert patients.find("9999999999", None) == []


# -- reset ----------------------------------------------------------------------------------------
def test_a_reset_brings_back_exactly_the_seeded_patients(sandbox, patients):
    created = patients.create(body())
    fresh = sandbox.reset().area(Patients)
    assert ids(fresh.find(None, None)) == sorted(SEEDED_IDS)
    assert fresh.get(created.patient_id) is None
    assert fresh.find("1020304050", None) == []
    assert fresh.create(body()).document_number == "1020304050"  # the document is free again
