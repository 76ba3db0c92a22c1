from __future__ import annotations

import pytest

from mock_server.domain import identity


@pytest.mark.parametrize(
    ("document_type", "number"),
    [
        ("CC", "1000000001"),
        ("CC", "123456"),
        ("CE", "9876543"),
        ("TI", "1000000102"),
        ("PA", "12345678"),
        ("CED", "00100000017"),
        ("CED", "001-0000001-7"),
        ("DNI", "12345678Z"),
        ("DNI", "12345678z"),
        ("NIE", "X1234567L"),
        ("CURP", "HEHD920229HDFRRG09"),
        ("DPI", "2345678910101"),
    ],
)
def test_well_formed_documents(document_type, number):
    assert identity.problem(document_type, number) is None


@pytest.mark.parametrize(
    ("document_type", "number", "why"),
    [
        ("CC", "12345", "6 to 10 digits"),
        ("CC", "12345678901", "6 to 10 digits"),
        ("CC", "12ab5678", "6 to 10 digits"),
        ("CED", "00100000018", "check digit"),
        ("CED", "0010000001", "11 digits"),
        ("DNI", "12345678A", "check letter"),
        ("DNI", "1234567Z", "8 digits"),
        ("NIE", "X1234567A", "check letter"),
        ("NIE", "A1234567L", "X, Y or Z"),
        ("CURP", "HEHD920229", "CURP"),
        ("DPI", "123", "13 digits"),
        ("XX", "1", "unknown"),
    ],
)
def test_malformed_documents_say_why(document_type, number, why):
    assert why in identity.problem(document_type, number)


def test_spanish_numbers_tell_dni_from_nie():
    assert identity.dni_or_nie("12345678Z") == "DNI"
    assert identity.dni_or_nie("y1234567x") == "NIE"
