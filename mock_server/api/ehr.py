"""ePrescription: ``/ehr/v1/patients`` and the prescriptions of every version."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api._http import api_route, ledger_of, path_int, query, query_choice, read_json, render, render_page
from mock_server.domain import identity, patients, prescriptions
from mock_server.domain.oauth import Principal

__all__ = ["routes"]


async def find_patients(request: Request, principal: Principal) -> Response:
    document_type = query_choice(request, "document_type", identity.DOCUMENT_TYPES)
    found = patients.find(ledger_of(request, principal), query(request).get("document_number"), document_type)
    return render_page(request, found)


async def create_patient(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "patient-create-request")
    patient = patients.create(ledger_of(request, principal), body)
    return render(patient.view(), 201, {"Location": f"/ehr/v1/patients?document_number={patient.document_number}"})


def _issuer(version: str, schema: str):
    async def issue(request: Request, principal: Principal) -> Response:
        body = await read_json(request, schema)
        ledger = ledger_of(request, principal)
        prescription = prescriptions.issue(ledger, principal, version, body)
        location = f"/ehr/v1/prescriptions/{prescription.id}"
        return render(prescriptions.prescription_view(ledger, prescription), 201, {"Location": location})

    issue.__name__ = f"issue_{version.replace('.', '_')}"
    return issue


async def get_prescription(request: Request, principal: Principal) -> Response:
    ledger = ledger_of(request, principal)
    found = prescriptions.prescription_of(ledger, principal.provider_slug, path_int(request, "prescription_id"))
    return render(prescriptions.prescription_view(ledger, found))


async def email_prescription(request: Request, principal: Principal) -> Response:
    prescription_id = path_int(request, "prescription_id")
    body = await read_json(request, "prescription-email-request", required=False)
    ledger = ledger_of(request, principal)
    return render(prescriptions.email(ledger, principal.provider_slug, prescription_id, body.get("email")))


async def void_prescription(request: Request, principal: Principal) -> Response:
    prescription_id = path_int(request, "prescription_id")
    ledger = ledger_of(request, principal)
    voided = prescriptions.void(ledger, principal.provider_slug, prescription_id)
    return render(prescriptions.prescription_view(ledger, voided))


routes = [
    api_route("/ehr/v1/patients", get=find_patients, post=create_patient),
    api_route("/ehr/v1/prescriptions", post=_issuer("v1", "prescription-v1-request")),
    api_route("/ehr/v1.1/prescriptions", post=_issuer("v1.1", "prescription-v1-1-request")),
    api_route("/ehr/v2/prescriptions", post=_issuer("v2", "prescription-v2-request")),
    api_route("/ehr/v1/prescriptions/{prescription_id}", get=get_prescription),
    api_route("/ehr/v1/prescriptions/{prescription_id}/email", post=email_prescription),
    api_route("/ehr/v1/prescriptions/{prescription_id}/void", post=void_prescription),
]
