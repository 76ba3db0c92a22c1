"""Patients of the ePrescription registry (``/ehr/v1/patients``).

A document is validated by its type, not by the provider's country (CC, CE, TI, PA: 6 to 10 digits;
DNI and NIE: the check letter; CED, CURP, DPI as in beneficiary search). One patient per document.
Every tenant starts with the seeded patients; providers add their own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant, parse_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import identity

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = ["Patient", "create", "find", "patient_of", "seed"]


@dataclass
class Patient:
    patient_id: int
    first_name: str
    last_name: str
    document_type: str
    document_number: str
    date_of_birth: str
    email: str | None
    phone: str | None
    sex: str | None
    nationality_country_code: str | None
    created_at: float
    manually_created: bool

    def view(self) -> dict[str, Any]:
        view = asdict(self)
        del view["manually_created"]
        return {**view, "created_at": format_instant(self.created_at)}


def seed(ledger: Ledger) -> None:
    for item in ledger.world.patients:  # the fixture's keys are the record's fields
        _store(ledger, Patient(**{**item, "created_at": parse_instant(item["created_at"]), "manually_created": False}))


def _store(ledger: Ledger, patient: Patient) -> None:
    ledger.patients[patient.patient_id] = patient
    key = (patient.document_type, identity.normalize(patient.document_type, patient.document_number))
    ledger.patients_by_document[key] = patient.patient_id


def create(ledger: Ledger, body: dict[str, Any]) -> Patient:
    problems: list[FieldError] = []
    document_type = body["document_type"].strip().upper()
    number = identity.normalize(document_type, body["document_number"])
    if document_type not in identity.DOCUMENT_TYPES:
        problems.append(FieldError("document_type", "must be one of " + ", ".join(identity.DOCUMENT_TYPES)))
    else:
        problem = identity.problem(document_type, number)
        if problem:
            problems.append(FieldError("document_number", f"{problem} ({document_type})"))
    try:
        born = date.fromisoformat(body["date_of_birth"][:10])
        if born > ledger.today():
            problems.append(FieldError("date_of_birth", "is in the future"))
    except ValueError:
        problems.append(FieldError("date_of_birth", "must be a date (YYYY-MM-DD)"))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    if (document_type, number) in ledger.patients_by_document:
        existing = ledger.patients_by_document[(document_type, number)]
        raise ApiError("MOCK-409-patient-exists", f"Patient {existing} already has {document_type} {number}.")
    patient = Patient(
        patient_id=ledger.ids.next_id("patient"),
        first_name=body["first_name"].strip(),
        last_name=body["last_name"].strip(),
        document_type=document_type,
        document_number=number,
        date_of_birth=body["date_of_birth"][:10],
        email=body.get("email"),
        phone=body.get("phone"),
        sex=body.get("sex"),
        nationality_country_code=body.get("nationality_country_code"),
        created_at=ledger.clock.timestamp(),
        manually_created=True,
    )
    _store(ledger, patient)
    return patient


def find(ledger: Ledger, document_number: str | None, document_type: str | None) -> list[dict[str, Any]]:
    """Patients whose document matches (every patient when no number is given), by id."""
    out = []
    for patient in sorted(ledger.patients.values(), key=lambda p: p.patient_id):
        if document_type is not None and patient.document_type != document_type.upper():
            continue
        if document_number is not None and patient.document_number != identity.normalize(
            patient.document_type, document_number
        ):
            continue
        out.append(patient.view())
    return out


def patient_of(ledger: Ledger, patient_id: int) -> Patient | None:
    return ledger.patients.get(patient_id)
