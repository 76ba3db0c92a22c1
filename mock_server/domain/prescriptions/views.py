"""How a prescription looks on the wire (PrescriptionResource, ``contracts/schemas/prescription.schema.json``;
items as ProductResource), and what ``GET /__admin/explain?code=`` says of a prescription code."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import Any

from mock_server.core.clock import format_instant
from mock_server.domain.codes import CodeType
from mock_server.domain.patients import Patient
from mock_server.domain.prescriptions.records import REDEEMABLE, Prescription, PrescriptionItem
from mock_server.domain.reference import ProductType

__all__ = ["explain", "item_view", "patient_block", "prescription_view"]


def _plain(record: Any) -> dict[str, Any] | None:
    return None if record is None else asdict(record)


def _age(born: str, today: date) -> int:
    b = date.fromisoformat(born)
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def patient_block(today: date, patient: Patient) -> dict[str, Any]:
    phone = patient.phone or ""
    area = re.match(r"^\+(\d{1,3})", phone)
    return {
        "id": patient.patient_id,
        "given_names": patient.first_name,
        "surnames": patient.last_name,
        "full_name": f"{patient.first_name} {patient.last_name}",
        "code": f"PAT-{patient.patient_id}",
        "age": _age(patient.date_of_birth, today),
        "sex": patient.sex,
        "date_of_birth": patient.date_of_birth,
        "identity_document_type": patient.document_type,
        "identity_document_code": patient.document_number,
        "nationality_country_code": patient.nationality_country_code,
        "area_code": int(area.group(1)) if area else None,
        "phone_number": phone or None,
        "email_address": patient.email,
        "enabled": True,
        "manually_created": patient.manually_created,
        "identity_verified": False,
        "passport_issuing_country": None,
    }


def prescription_view(prescription: Prescription, patient: Patient, today: date) -> dict[str, Any]:
    return {
        "id": prescription.id,
        "code": prescription.code,
        "version": prescription.version,
        "status": prescription.status,
        "confidential": False,
        "doctor": prescription.doctor.as_dict(),
        "patient": patient_block(today, patient),
        "signed_document_id": prescription.signed_document_id,
        "signature": prescription.signature_hash,
        "repository_registration": _plain(prescription.repository_registration),
        "consent": _plain(prescription.consent),
        "laboratory_notes": None,
        "diagnostic_test_notes": None,
        "additional_notes": None,
        "created_at": format_instant(prescription.created_at),
        "expires_at": format_instant(prescription.expires_at),
        "diagnoses": [
            {"id": d.id, "coding_system": d.coding_system, "code": d.code, "status": d.status, "reason": d.reason}
            for d in prescription.diagnoses
        ],
        "products": [item_view(item) for item in prescription.items],
        "treatments": [
            {
                "product_code": item.product_code,
                "posology": item.posology,
                "duration_days": item.duration_days,
                "frequencies": [],
                "specific_administration_time": {},
                "compositions": [],
            }
            for item in prescription.items
        ],
        "simplified_treatments": [],
        "simplified_treatment_items": [
            {
                "id": item.id,
                "product_code": item.product_code,
                "quantity": item.quantity,
                "dispensed_quantity": item.dispensed_quantity,
                "status": item.status,
                "substitute_product_code": item.substitute_product_code,
            }
            for item in prescription.items
        ],
        "prescription_item_dispensation_logs": [asdict(log) for log in prescription.dispensation_logs],
    }


def item_view(item: PrescriptionItem) -> dict[str, Any]:
    """A prescription item as a ProductResource, its status one of the prescription item statuses."""
    return {
        "id": item.id,
        "product_id": item.product_id,
        "product_code": item.product_code,
        "product_name": item.product_name,
        "product_type_slug": ProductType.DRUG,
        "treatment_duration_days": item.duration_days,
        "quantity": item.quantity,
        "authorized_quantity": item.quantity,
        "claimed_quantity": item.dispensed_quantity,
        "status": item.status,
        "reason": None,
        "posology": item.posology,
        "provider_products": [],
    }


def explain(prescription: Prescription, redeemable: bool, why_not: str | None = None) -> dict[str, Any]:
    """What redeeming a prescription code would do now (``GET /__admin/explain?code=``)."""
    return {
        "code": prescription.code,
        "code_type": CodeType.PRESCRIPTION,
        "prescription_id": prescription.id,
        "patient_id": prescription.patient_id,
        "provider_slug": prescription.provider_slug,
        "status": prescription.status,
        "expires_at": format_instant(prescription.expires_at),
        "redeemable": redeemable,
        "not_redeemable_because": why_not,
        "remaining_quantity": sum(
            max(item.quantity - item.dispensed_quantity, 0) for item in prescription.items if item.status in REDEEMABLE
        ),
        "dispensing": {"verification_required": None},
        "products": [item_view(item) for item in prescription.items],
    }
