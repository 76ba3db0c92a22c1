"""ePrescription: ``/ehr/v1/patients`` and the prescriptions of every version (``contracts/openapi.yaml``,
tag ``ehr``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import api_route, ledger_of, path_int, query, query_choice, read_json, render, render_page
from mock_server.domain import identity
from mock_server.domain.patients import Patients
from mock_server.domain.prescriptions import Prescriptions, Version
from mock_server.domain.tokens import Principal

__all__ = ["routes"]


async def find_patients(request: Request, principal: Principal) -> Response:
    document_type = query_choice(request, "document_type", identity.DOCUMENT_TYPES)
    patients = ledger_of(request, principal).area(Patients)
    found = patients.find(query(request).get("document_number"), document_type)
    return render_page(request, found)


async def create_patient(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "patient-create-request")
    patient = ledger_of(request, principal).area(Patients).create(body)
    return render(patient.view(), 201, {"Location": f"/ehr/v1/patients/{patient.patient_id}"})


async def get_patient(request: Request, principal: Principal) -> Response:
    patients = ledger_of(request, principal).area(Patients)
    return render(patients.patient_of(path_int(request, "patient_id")).view())


def _issuer(version: Version, schema: str):
    async def issue(request: Request, principal: Principal) -> Response:
        body = await read_json(request, schema)
        prescriptions = ledger_of(request, principal).area(Prescriptions)
        prescription = prescriptions.issue(principal, version, body)
        location = f"/ehr/v1/prescriptions/{prescription.id}"
        return render(prescriptions.view(prescription), 201, {"Location": location})

    issue.__name__ = f"issue_{version.replace('.', '_')}"
    return issue


async def get_prescription(request: Request, principal: Principal) -> Response:
    prescriptions = ledger_of(request, principal).area(Prescriptions)
    found = prescriptions.prescription_of(principal.provider_slug, path_int(request, "prescription_id"))
    return render(prescriptions.view(found))


async def email_prescription(request: Request, principal: Principal) -> Response:
    prescription_id = path_int(request, "prescription_id")
    body = await read_json(request, "prescription-email-request", required=False)
    prescriptions = ledger_of(request, principal).area(Prescriptions)
    return render(prescriptions.email(principal.provider_slug, prescription_id, body.get("email")))


async def void_prescription(request: Request, principal: Principal) -> Response:
    prescription_id = path_int(request, "prescription_id")
    prescriptions = ledger_of(request, principal).area(Prescriptions)
    voided = prescriptions.void(principal.provider_slug, prescription_id)
    return render(prescriptions.view(voided))


routes = [
    api_route("/ehr/v1/patients", get=find_patients, post=create_patient),
    api_route("/ehr/v1/patients/{patient_id}", get=get_patient),
    api_route("/ehr/v1/prescriptions", post=_issuer(Version.V1, "prescription-v1-request")),
    api_route("/ehr/v1.1/prescriptions", post=_issuer(Version.V1_1, "prescription-v1-1-request")),
    api_route("/ehr/v2/prescriptions", post=_issuer(Version.V2, "prescription-v2-request")),
    api_route("/ehr/v1/prescriptions/{prescription_id}", get=get_prescription),
    api_route("/ehr/v1/prescriptions/{prescription_id}/email", post=email_prescription),
    api_route("/ehr/v1/prescriptions/{prescription_id}/void", post=void_prescription),
]
