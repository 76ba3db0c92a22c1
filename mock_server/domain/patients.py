"""Patients of the ePrescription registry (``/ehr/v1/patients``; ``contracts/schemas/patient.schema.json``).

A document is validated by its type, not by the provider's country (CC, CE, TI, PA: 6 to 10 digits;
DNI and NIE: the check letter; CED, CURP, DPI as in beneficiary search). One patient per document.
Every tenant starts with the seeded patients; providers add their own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from mock_server.core.clock import format_instant, parse_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import identity
from mock_server.domain.ledger import Area

__all__ = ["Patient", "Patients"]


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


class Patients(Area):
    """The tenant's patient registry, by id and by document."""

    name = "patients"
    tables = {"patients": ("patients", Patient, "patient_id")}

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.patients: dict[int, Patient] = {}
        self.by_document: dict[tuple[str, str], int] = {}

    def seed(self) -> None:
        for item in self.world.patients:  # the fixture's keys are the record's fields
            created_at = parse_instant(item["created_at"])
            self._store(Patient(**{**item, "created_at": created_at, "manually_created": False}))

    def reindex(self) -> None:
        self.by_document = {
            (p.document_type, identity.normalize(p.document_type, p.document_number)): p.patient_id
            for p in self.patients.values()
        }

    def _store(self, patient: Patient) -> None:
        self.patients[patient.patient_id] = patient
        key = (patient.document_type, identity.normalize(patient.document_type, patient.document_number))
        self.by_document[key] = patient.patient_id

    def create(self, body: dict[str, Any]) -> Patient:
        document_type = body["document_type"].strip().upper()
        number = identity.normalize(document_type, body["document_number"])
        problems = self._problems(document_type, number, body["date_of_birth"])
        if problems:
            raise ApiError("MOCK-422-validation-failed", errors=problems)
        if (document_type, number) in self.by_document:
            existing = self.by_document[(document_type, number)]
            raise ApiError(
                "MOCK-409-patient-exists",
                f"Patient {existing} already has {document_type} {number}.",
                errors=[FieldError("document_number", f"is patient {existing}'s {document_type}")],
            )
        patient = Patient(
            patient_id=self.ids.next_id("patient"),
            first_name=body["first_name"].strip(),
            last_name=body["last_name"].strip(),
            document_type=document_type,
            document_number=number,
            date_of_birth=body["date_of_birth"][:10],
            email=body.get("email"),
            phone=body.get("phone"),
            sex=body.get("sex"),
            nationality_country_code=body.get("nationality_country_code"),
            created_at=self.clock.timestamp(),
            manually_created=True,
        )
        self._store(patient)
        return patient

    def _problems(self, document_type: str, number: str, date_of_birth: str) -> list[FieldError]:
        problems: list[FieldError] = []
        if document_type not in identity.DOCUMENT_TYPES:
            problems.append(FieldError("document_type", "must be one of " + ", ".join(identity.DOCUMENT_TYPES)))
        else:
            problem = identity.problem(document_type, number)
            if problem:
                problems.append(FieldError("document_number", f"{problem} ({document_type})"))
        try:
            if date.fromisoformat(date_of_birth[:10]) > self.ledger.today():
                problems.append(FieldError("date_of_birth", "is in the future"))
        except ValueError:
            problems.append(FieldError("date_of_birth", "must be a date (YYYY-MM-DD)"))
        return problems

    def find(self, document_number: str | None, document_type: str | None) -> list[dict[str, Any]]:
        """Patients whose document matches (every patient when no number is given), by id."""
        out = []
        for patient in sorted(self.patients.values(), key=lambda p: p.patient_id):
            if document_type is not None and patient.document_type != document_type.upper():
                continue
            if document_number is not None and patient.document_number != identity.normalize(
                patient.document_type, document_number
            ):
                continue
            out.append(patient.view())
        return out

    def get(self, patient_id: int) -> Patient | None:
        return self.patients.get(patient_id)

    def patient_of(self, patient_id: int) -> Patient:
        """The patient, or 404 ``MOCK-404-patient-not-found``."""
        patient = self.patients.get(patient_id)
        if patient is None:
            raise ApiError("MOCK-404-patient-not-found", f"No patient {patient_id}.")
        return patient
