"""Building blocks for pre-authorization tests: bodies, documents, the usual calls."""

from __future__ import annotations

import base64

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REQUESTS = "/arc/v1/authorization-requests"

MARIA, REJECTED, MANUAL, PARTIAL, LIMITED, INACTIVE = 1000001, 1000002, 1000003, 1000004, 1000005, 1000006
OTP_DO, BIOMETRIC_GT, ASYNC_MX, APPROVED_GT, APPROVED_MX, APPROVED_DO, APPROVED_ES = (
    1000007,
    1000008,
    1000009,
    1000010,
    1000011,
    1000012,
    1000013,
)


def guide_body(beneficiary_id: int = MARIA, sponsor: str = "sponsor-sandbox", products=None, **extra) -> dict:
    """The guide's minimum body (diagnosis_code, guide product type names)."""
    return {
        "beneficiary_id": beneficiary_id,
        "sponsor_slug": sponsor,
        "diagnosis_code": "R51",
        "products": products
        or [{"product_code": "MED-042", "product_type": "MEDICATION", "quantity": 30, "posology": "1c/8h"}],
        **extra,
    }


def schema_body(beneficiary_id: int = MARIA, sponsor: str = "sponsor-sandbox", products=None, **extra) -> dict:
    """The schema page's body (diagnoses[], schema product types)."""
    return {
        "beneficiary_id": beneficiary_id,
        "sponsor_slug": sponsor,
        "diagnoses": [{"coding_system": "ICD-10", "code": "R51", "type_enum": "CHIEF_COMPLAINT"}],
        "products": products or [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 30}],
        "doctor_medical_license_number": "MP-12345",
        "doctor_country_code": "CO",
        "doctor_name": "Dra. Ana Pérez",
        **extra,
    }


def initiate(client, auth, body) -> dict:
    response = client.post(REQUESTS, json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def attach(client, auth, request_id: int, document_type: str = "MEDICAL_INDICATION", content: bytes = PDF):
    response = client.post(
        f"{REQUESTS}/{request_id}/indications",
        json={
            "document_type": document_type,
            "file_name": "indicacion.pdf",
            "content_base64": base64.b64encode(content).decode(),
        },
        headers=auth,
    )
    assert response.status_code == 201, response.text
    return response.json()


def complete(client, auth, request_id: int, body=None):
    return client.post(f"{REQUESTS}/{request_id}/complete", json=body or {}, headers=auth)


def ready_request(client, auth, body, documents=("MEDICAL_INDICATION",)) -> dict:
    created = initiate(client, auth, body)
    for document_type in documents:
        attach(client, auth, created["id"], document_type)
    return created


def events_of(sandbox, event_type: str | None = None, tenant: str = "default") -> list:
    return [e for e in sandbox.ledger(tenant).events if event_type is None or e.event_type == event_type]


def advance(client, seconds: float) -> None:
    """Move the tenant's mock clock forward, firing what falls due."""
    assert client.post("/__admin/clock/advance", json={"seconds": seconds}).status_code == 200
