"""Known-answer vectors for the v2 prescription signature (contracts/openapi.yaml, createPrescriptionV2):
``signature.hash`` is the lowercase hex SHA-256 of the RFC 8785 canonical JSON of
``{patient_id, doctor, diagnoses, medications, consent}`` as sent.

The canonical JSON of each vector is written out by hand below (keys sorted by UTF-16 code units, no
whitespace, numbers in their shortest form, strings minimally escaped and otherwise raw UTF-8), so the
expected hash never comes from the code under test: a field dropped from the signed set, a key order or an
escape done differently changes the mock's hash and these tests fail.
"""

from __future__ import annotations

import copy
import hashlib

import pytest

from mock_server.domain.prescriptions import canonical_hash
from tests.support.prescribing import ANDREI_NIE, ES_OFFICE, LUCIA_DNI, PRESCRIPTIONS

# -- vector 1: the plain v2 body; "í" in the doctor's name, "/" left unescaped ---------------------------------
PLAIN = {
    # insertion order is the order a client would write, not the canonical one
    "patient_id": LUCIA_DNI,
    "doctor": {"name": "Dr. Luis Martín", "medical_license_number": "282812345", "country_code": "ES"},
    "diagnoses": [{"diagnosis_code": "R51"}],
    "medications": [{"product_code": "MED-042", "quantity": 30, "posology": "1c/8h", "duration_days": 10}],
    "consent": {"accepted": True, "accepted_at": "2026-11-20T09:30:00Z", "method": "DIGITAL"},
}
PLAIN_CANONICAL = (
    '{"consent":{"accepted":true,"accepted_at":"2026-11-20T09:30:00Z","method":"DIGITAL"},'
    '"diagnoses":[{"diagnosis_code":"R51"}],'
    '"doctor":{"country_code":"ES","medical_license_number":"282812345","name":"Dr. Luis Martín"},'
    '"medications":[{"duration_days":10,"posology":"1c/8h","product_code":"MED-042","quantity":30}],'
    '"patient_id":3000003}'
)
PLAIN_SHA256 = "ab0e500ff39a01e00a0b61c6761418af76c766113b3593fd10eb3c5eb6dc5526"

# -- vector 2: a NIE patient, an optional doctor field, two lines of each list (their order kept, not sorted);
# '"' and a newline escaped, "ñ", "á", "½" and "í" raw ----------------------------------------------------------
ESCAPED = {
    "medications": [
        {
            "quantity": 20,
            "product_code": "MED-SBX-001",
            "duration_days": 7,
            "posology": '1 comprimido "con comida"\ncada 8 h',
        },
        {"posology": "½ sobre/día", "duration_days": 3, "quantity": 1, "product_code": "MED-042"},
    ],
    "consent": {"method": "VERBAL", "accepted_at": "2026-11-20T10:15:00Z", "accepted": True},
    "patient_id": ANDREI_NIE,
    "diagnoses": [{"diagnosis_code": "R50"}, {"diagnosis_code": "J06"}],
    "doctor": {
        "specialty_name": "Medicina Familiar y Comunitaria",
        "name": "Dra. Begoña Muñoz Ibáñez",
        "country_code": "ES",
        "medical_license_number": "280934567",
    },
}
ESCAPED_CANONICAL = (
    r'{"consent":{"accepted":true,"accepted_at":"2026-11-20T10:15:00Z","method":"VERBAL"},'
    r'"diagnoses":[{"diagnosis_code":"R50"},{"diagnosis_code":"J06"}],'
    r'"doctor":{"country_code":"ES","medical_license_number":"280934567","name":"Dra. Begoña Muñoz Ibáñez",'
    r'"specialty_name":"Medicina Familiar y Comunitaria"},'
    r'"medications":[{"duration_days":7,"posology":"1 comprimido \"con comida\"\ncada 8 h",'
    r'"product_code":"MED-SBX-001","quantity":20},'
    r'{"duration_days":3,"posology":"½ sobre/día","product_code":"MED-042","quantity":1}],'
    r'"patient_id":3000004}'
)
ESCAPED_SHA256 = "5967d6315d84fb168d636bd9ee769a6cc30dbca0a3b94abda1ceadb45acde539"

# -- vector 3 (no HTTP): RFC 8785's corner cases inside the signed fields --------------------------------------
# Keys ordered by UTF-16 code units ("😀" is the surrogate pair D83D DE00, so it sorts before U+FB33 although its
# code point is higher); numbers in ECMAScript's shortest form (30.0 -> 30, 0.50 -> 0.5, -0.0 -> 0, 1e21 -> 1e+21,
# 1e-7 -> 1e-7); control characters as \b \t \n \f \r or lowercase \u00XX, "\" and '"' escaped, DEL, U+2028
# and "/" raw.
CORNERS = {
    "signature": {"algorithm": "SHA-256", "hash": "not part of the signed content", "signed_at": "x"},
    "consent": {"method": "WRITTEN", "accepted": True, "accepted_at": "2026-11-20T09:30:00Z"},
    "medications": [
        {
            "product_code": "MED-042",
            "quantity": 30.0,
            "dose_mg": 0.50,
            "offset": -0.0,
            "ceiling": 1e21,
            "floor": 1e-7,
            "posology": 'tab\tback\\slash "q" \x08\x0c\r\x1f\x7f\u2028 a/b',
        }
    ],
    "doctor": {
        "\ufb33": "hebrew dalet with dagesh",
        "\U0001f600": "grinning face",
        "\u20ac": "euro",
        "\u00f6": "o umlaut",
        "\u0080": "control",
        "1": "one",
        "\r": "carriage return",
        "name": "Dr. Ñúñez",
    },
    "diagnoses": [],
    "patient_id": 3000003,
}
# The r'' pieces are the JSON text verbatim; the plain '' pieces hold raw characters that would be invisible
# in the source (U+0080, DEL, U+2028), written with Python escapes: the JSON carries those characters unescaped.
CORNERS_CANONICAL = (
    r'{"consent":{"accepted":true,"accepted_at":"2026-11-20T09:30:00Z","method":"WRITTEN"},'
    r'"diagnoses":[],'
    r'"doctor":{"\r":"carriage return","1":"one","name":"Dr. Ñúñez",'
    '"\u0080":"control","ö":"o umlaut","€":"euro","😀":"grinning face","\ufb33":"hebrew dalet with dagesh"},'
    r'"medications":[{"ceiling":1e+21,"dose_mg":0.5,"floor":1e-7,"offset":0,'
    r'"posology":"tab\tback\\slash \"q\" \b\f\r\u001f'
    "\x7f\u2028"
    r' a/b","product_code":"MED-042","quantity":30}],'
    r'"patient_id":3000003}'
)
CORNERS_SHA256 = "5933b25ce30576bc8bd8fddbaa4cd1d212d42732d6d58bd4fad43bc7e5b0976e"

VECTORS = [
    pytest.param(PLAIN, PLAIN_CANONICAL, PLAIN_SHA256, id="plain"),
    pytest.param(ESCAPED, ESCAPED_CANONICAL, ESCAPED_SHA256, id="escaped-nie"),
    pytest.param(CORNERS, CORNERS_CANONICAL, CORNERS_SHA256, id="rfc8785-corners"),
]


def sha256_hex(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(("body", "canonical", "digest"), VECTORS)
def test_the_written_out_canonical_json_hashes_to_the_pinned_digest(body, canonical, digest):
    assert sha256_hex(canonical) == digest


@pytest.mark.parametrize(("body", "canonical", "digest"), VECTORS)
def test_canonical_hash_of_the_signed_fields_equals_the_known_answer(body, canonical, digest):
    assert canonical_hash(body) == sha256_hex(canonical)


def test_the_signature_block_and_unknown_top_level_fields_are_not_signed():
    body = {**copy.deepcopy(PLAIN), "signature": {"algorithm": "SHA-256", "hash": "x", "signed_at": "y"}, "n": 1}
    assert canonical_hash(body) == sha256_hex(PLAIN_CANONICAL)


# -- the same vectors through HTTP ------------------------------------------------------------------------------
def signed_with(body: dict, digest: str, signed_at: str = "2026-11-20T09:31:00Z") -> dict:
    return {**copy.deepcopy(body), "signature": {"algorithm": "SHA-256", "hash": digest, "signed_at": signed_at}}


@pytest.fixture
def es(client):
    return client.bearer(ES_OFFICE)


@pytest.mark.parametrize(
    ("body", "canonical"),
    [pytest.param(PLAIN, PLAIN_CANONICAL, id="plain"), pytest.param(ESCAPED, ESCAPED_CANONICAL, id="escaped-nie")],
)
def test_a_v2_prescription_signed_with_the_known_answer_is_issued(client, es, body, canonical):
    digest = sha256_hex(canonical)
    response = client.post(PRESCRIPTIONS["v2"], json=signed_with(body, digest), headers=es)
    assert response.status_code == 201, response.text
    assert response.json()["signature"] == digest


def _set(path: tuple, value):
    def change(body: dict) -> None:
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


SIGNED_TAMPERS = [
    pytest.param(_set(("patient_id",), ANDREI_NIE), id="patient_id"),
    pytest.param(_set(("doctor", "name"), "Dr. Luis Martin"), id="doctor.name-accent-dropped"),
    pytest.param(_set(("doctor", "medical_license_number"), "282812346"), id="doctor.medical_license_number"),
    pytest.param(_set(("doctor", "specialty_name"), "Pediatría"), id="doctor-field-added"),
    pytest.param(_set(("diagnoses", 0, "diagnosis_code"), "R50"), id="diagnoses[0].diagnosis_code"),
    pytest.param(_set(("medications", 0, "quantity"), 31), id="medications[0].quantity"),
    pytest.param(_set(("medications", 0, "posology"), "1c/12h"), id="medications[0].posology"),
    pytest.param(_set(("consent", "method"), "WRITTEN"), id="consent.method"),
    pytest.param(_set(("consent", "accepted_at"), "2026-11-20T09:30:01Z"), id="consent.accepted_at"),
]


@pytest.mark.parametrize("tamper", SIGNED_TAMPERS)
def test_changing_any_signed_field_after_signing_is_a_422_on_signature_hash(client, es, tamper):
    body = signed_with(PLAIN, sha256_hex(PLAIN_CANONICAL))
    assert client.post(PRESCRIPTIONS["v2"], json=body, headers=es).status_code == 201  # the body as signed
    tamper(body)
    response = client.post(PRESCRIPTIONS["v2"], json=body, headers=es)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "MOCK-422-validation-failed"
    assert [e["path"] for e in error["errors"]] == ["signature.hash"]


def test_changing_signature_signed_at_which_is_not_signed_still_issues(client, es):
    body = signed_with(PLAIN, sha256_hex(PLAIN_CANONICAL), signed_at="2027-02-01T00:00:00Z")
    response = client.post(PRESCRIPTIONS["v2"], json=body, headers=es)
    assert response.status_code == 201, response.text
