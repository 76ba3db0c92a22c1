"""The ``data`` of every ``prescription.*`` event (``contracts/schemas/webhook-event.schema.json``,
``$defs``), one builder per event type, used by the real flows and by ``POST /__admin/events`` alike."""

from __future__ import annotations

from typing import Any

from mock_server.core.clock import format_instant
from mock_server.domain.patients import Patient
from mock_server.domain.prescriptions.records import Prescription

__all__ = ["EMAIL_FAILURE", "email_delivered", "email_failed", "issued"]

EMAIL_FAILURE = "The recipient domain does not exist."


def issued(prescription: Prescription, patient: Patient) -> dict[str, Any]:
    return {
        "prescription_id": prescription.id,
        "prescription_code": prescription.code,
        "version": prescription.version,
        "patient": {"patient_id": patient.patient_id, "first_name": patient.first_name, "last_name": patient.last_name},
        "doctor": {"doctor_id": None, "medical_board_registration": prescription.doctor.medical_license_number},
        "diagnoses": [{"diagnosis_code": d.code} for d in prescription.diagnoses],
        "medications": [
            {
                "product_code": i.product_code,
                "quantity": i.quantity,
                "posology": i.posology,
                "duration_days": i.duration_days,
            }
            for i in prescription.items
        ],
        "issued_at": format_instant(prescription.created_at),
    }


def _sent(prescription: Prescription, email: str) -> dict[str, Any]:
    return {"prescription_id": prescription.id, "prescription_code": prescription.code, "email": email}


def email_delivered(prescription: Prescription, email: str, at: float) -> dict[str, Any]:
    return {**_sent(prescription, email), "delivered_at": format_instant(at)}


def email_failed(prescription: Prescription, email: str, at: float, reason: str = EMAIL_FAILURE) -> dict[str, Any]:
    return {**_sent(prescription, email), "failed_at": format_instant(at), "reason": reason}
