"""Identity documents: which numbers are well-formed for which document type.

Used by the beneficiary search (a malformed number is 422, not a 404) and by patients. The rules:

- ``CC``, ``CE``, ``TI``, ``PA`` (Colombia): 6 to 10 digits (``contracts/openapi.yaml``, searchBeneficiary).
- ``CED`` (Dominican cédula): 11 digits (dashes allowed: ``001-0000001-7``) with its Luhn-style
  check digit.
- ``DNI`` (Spain): 8 digits and the check letter; ``NIE``: X, Y or Z, 7 digits and the check letter.
- ``CURP`` (Mexico): the 18-character pattern. ``DPI`` (Guatemala): 13 digits.
"""

from __future__ import annotations

import re

__all__ = ["DOCUMENT_TYPES", "check_letter", "do_cedula_check_digit", "normalize", "problem"]

_DIGITS_6_10 = re.compile(r"^[0-9]{6,10}$")
_CED = re.compile(r"^[0-9]{11}$")
_DNI = re.compile(r"^([0-9]{8})([A-Z])$")
_NIE = re.compile(r"^([XYZ])([0-9]{7})([A-Z])$")
_CURP = re.compile(r"^[A-Z]{4}[0-9]{6}[HM][A-Z]{5}[A-Z0-9][0-9]$")
_DPI = re.compile(r"^[0-9]{13}$")
_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"

DOCUMENT_TYPES = ("CC", "CE", "TI", "PA", "CED", "DNI", "NIE", "CURP", "DPI")

# How each document type maps to the schema pages' identity_document_type.
IDENTITY_DOCUMENT_TYPE = {
    "CC": "NATIONAL_IDENTITY_CARD",
    "CE": "NATIONAL_IDENTITY_CARD",
    "TI": "NATIONAL_IDENTITY_CARD",
    "PA": "PASSPORT",
    "CED": "NATIONAL_IDENTITY_CARD",
    "DNI": "NATIONAL_IDENTITY_CARD",
    "NIE": "NATIONAL_IDENTITY_CARD",
    "CURP": "NATIONAL_IDENTITY_CARD",
    "DPI": "NATIONAL_IDENTITY_CARD",
}


def check_letter(number: int) -> str:
    """The Spanish DNI/NIE check letter of a number."""
    return _LETTERS[number % 23]


def do_cedula_check_digit(first_ten: str) -> int:
    total = 0
    for i, ch in enumerate(first_ten):
        value = int(ch) * (1 if i % 2 == 0 else 2)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def normalize(document_type: str, number: str) -> str:
    """The canonical form of a number: upper case, no spaces; cédulas without dashes."""
    value = number.strip().upper().replace(" ", "")
    if document_type == "CED":
        value = value.replace("-", "")
    return value


def problem(document_type: str, number: str) -> str | None:
    """Why ``number`` is not a well-formed ``document_type``; None when it is."""
    value = normalize(document_type, number)
    if document_type in ("CC", "CE", "TI", "PA"):
        return None if _DIGITS_6_10.match(value) else "must be 6 to 10 digits"
    if document_type == "CED":
        if not _CED.match(value):
            return "must be 11 digits (a Dominican cédula)"
        return None if int(value[10]) == do_cedula_check_digit(value[:10]) else "has a wrong check digit"
    if document_type == "DNI":
        match = _DNI.match(value)
        if not match:
            return "must be 8 digits and a letter"
        return None if match.group(2) == check_letter(int(match.group(1))) else "has a wrong check letter"
    if document_type == "NIE":
        match = _NIE.match(value)
        if not match:
            return "must be X, Y or Z, 7 digits and a letter"
        number_part = int("XYZ".index(match.group(1)).__str__() + match.group(2))
        return None if match.group(3) == check_letter(number_part) else "has a wrong check letter"
    if document_type == "CURP":
        return None if _CURP.match(value) else "must be an 18-character CURP"
    if document_type == "DPI":
        return None if _DPI.match(value) else "must be 13 digits"
    return f"unknown document type {document_type}"


def dni_or_nie(number: str) -> str:
    """``DNI`` or ``NIE`` by the shape of a Spanish number."""
    return "NIE" if normalize("NIE", number)[:1] in ("X", "Y", "Z") else "DNI"
