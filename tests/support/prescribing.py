"""Building blocks for e-prescription tests: the seeded patients and a body per version."""

from __future__ import annotations

import copy

from mock_server.domain.prescriptions import canonical_hash

PATIENTS = "/ehr/v1/patients"
PRESCRIPTIONS = {"v1": "/ehr/v1/prescriptions", "v1.1": "/ehr/v1.1/prescriptions", "v2": "/ehr/v2/prescriptions"}

MARIA_CC, CARLOS_CC, LUCIA_DNI, ANDREI_NIE = 3000001, 3000002, 3000003, 3000004
CO_OFFICE, ES_OFFICE = "demo-doctors-office", "demo-doctors-office-es"


def v1_body(patient_id: int = MARIA_CC, products=("MED-042",), **extra) -> dict:
    return {
        "patient_id": patient_id,
        "doctor": {"name": "Dra. Ana Gómez", "medical_license_number": "MP-12345", "country_code": "CO"},
        "diagnoses": [{"diagnosis_code": "R51"}],
        "medications": [
            {"product_code": code, "quantity": 30, "posology": "1c/8h", "duration_days": 10} for code in products
        ],
        **extra,
    }


def consent(**changes) -> dict:
    return {"accepted": True, "accepted_at": "2026-11-20T09:30:00Z", "method": "DIGITAL", **changes}


def v11_body(patient_id: int = MARIA_CC, **extra) -> dict:
    return v1_body(patient_id, consent=consent(), **extra)


def v2_body(patient_id: int = LUCIA_DNI, *, colegiado: str = "282812345", country: str = "ES", **extra) -> dict:
    """A v2 body signed over its own canonical content."""
    body = v11_body(patient_id, **extra)
    body["doctor"] = {"name": "Dr. Luis Martín", "medical_license_number": colegiado, "country_code": country}
    return signed(body)


def signed(body: dict) -> dict:
    out = copy.deepcopy(body)
    out["signature"] = {"algorithm": "SHA-256", "hash": canonical_hash(out), "signed_at": "2026-11-20T09:31:00Z"}
    return out


def issue(client, auth, version: str, body: dict) -> dict:
    response = client.post(PRESCRIPTIONS[version], json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()
