"""Claims: ``/arc/v1/claims``, claims filed against an authorization, outpatient-care claims and their
monitor, medical-procedure claims (``contracts/openapi.yaml``, tag ``claims``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import (
    INT64_MAX,
    api_route,
    ledger_of,
    path_int,
    query_choice,
    query_int,
    read_json,
    render,
    render_page,
    strict,
    warn,
)
from mock_server.domain.claims import CLAIM_STATES, Claims, ClaimType
from mock_server.domain.claims.views import monitor_path
from mock_server.domain.tokens import Principal

__all__ = ["routes"]

OUTPATIENT = "/arc/v1/outpatient-care-claim"
PROCEDURE = "/arc/v1/medical-procedure-claim"


def _area(request: Request, principal: Principal) -> Claims:
    return ledger_of(request, principal).area(Claims)


async def list_claims(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    items = area.list_claims(
        principal.provider_slug,
        status=query_choice(request, "status", CLAIM_STATES.states),
        claim_type=query_choice(request, "claim_type", tuple(t.value for t in ClaimType)),
        authorization_id=query_int(request, "authorization_id", minimum=0, maximum=INT64_MAX),
    )
    return render_page(request, items)


async def get_claim(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    return render(area.provider_claim_view(area.claim_of(principal.provider_slug, path_int(request, "claim_id"))))


async def file_for_authorization(request: Request, principal: Principal) -> Response:
    authorization_id = path_int(request, "authorization_id")
    body = await read_json(request, "authorization-claim-request")
    area = _area(request, principal)
    claim = area.file_for_authorization(principal.provider_slug, authorization_id, body)
    return render(area.provider_claim_view(claim), 201, {"Location": f"/arc/v1/claims/{claim.id}"})


# -- outpatient care --------------------------------------------------------------------------------
async def file_outpatient(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "outpatient-care-claim-request")
    area = _area(request, principal)
    monitor, warnings = area.file_outpatient(principal, body, strict=strict(request))
    warn(request, warnings)
    return render(area.monitor_view(monitor), 202, {"Location": monitor_path(monitor.id)})


async def get_monitor(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    return render(area.monitor_view(area.monitor_of(principal.provider_slug, request.path_params["monitor_id"])))


async def get_outpatient(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    claim = area.claim_of(principal.provider_slug, path_int(request, "claim_id"), ClaimType.OUTPATIENT_CARE)
    return render(area.outpatient_view(claim))


async def complete_outpatient(request: Request, principal: Principal) -> Response:
    claim_id = path_int(request, "claim_id")
    body = await read_json(request, "claim-complete-request")
    area = _area(request, principal)
    return render(
        area.outpatient_view(area.complete(principal.provider_slug, claim_id, ClaimType.OUTPATIENT_CARE, body))
    )


async def void_outpatient(request: Request, principal: Principal) -> Response:
    claim_id = path_int(request, "claim_id")
    body = await read_json(request, "claim-void-request", required=False)
    area = _area(request, principal)
    claim = area.void(principal.provider_slug, claim_id, ClaimType.OUTPATIENT_CARE, body.get("reason"))
    return render(area.outpatient_view(claim))


# -- medical procedure ------------------------------------------------------------------------------
async def file_procedure(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "medical-procedure-claim-request")
    area = _area(request, principal)
    claim = area.file_procedure(principal, body)
    return render(area.procedure_view(claim), 201, {"Location": f"{PROCEDURE}/{claim.id}"})


async def get_procedure(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    claim = area.claim_of(principal.provider_slug, path_int(request, "claim_id"), ClaimType.MEDICAL_PROCEDURE)
    return render(area.procedure_view(claim))


async def complete_procedure(request: Request, principal: Principal) -> Response:
    claim_id = path_int(request, "claim_id")
    body = await read_json(request, "claim-complete-request")
    area = _area(request, principal)
    claim = area.complete(principal.provider_slug, claim_id, ClaimType.MEDICAL_PROCEDURE, body)
    return render(area.procedure_view(claim))


async def void_procedure(request: Request, principal: Principal) -> Response:
    claim_id = path_int(request, "claim_id")
    body = await read_json(request, "claim-void-request", required=False)
    area = _area(request, principal)
    claim = area.void(principal.provider_slug, claim_id, ClaimType.MEDICAL_PROCEDURE, body.get("reason"))
    return render(area.procedure_view(claim))


routes = [
    api_route("/arc/v1/claims", get=list_claims),
    api_route("/arc/v1/claims/{claim_id}", get=get_claim),
    api_route("/arc/v1/authorizations/{authorization_id}/claims", post=file_for_authorization),
    api_route(OUTPATIENT, post=file_outpatient),
    api_route(f"{OUTPATIENT}/monitors/{{monitor_id}}", get=get_monitor),
    api_route(f"{OUTPATIENT}/{{claim_id}}", get=get_outpatient),
    api_route(f"{OUTPATIENT}/{{claim_id}}/complete", post=complete_outpatient),
    api_route(f"{OUTPATIENT}/{{claim_id}}/void", post=void_outpatient),
    api_route(PROCEDURE, post=file_procedure),
    api_route(f"{PROCEDURE}/{{claim_id}}", get=get_procedure),
    api_route(f"{PROCEDURE}/{{claim_id}}/complete", post=complete_procedure),
    api_route(f"{PROCEDURE}/{{claim_id}}/void", post=void_procedure),
]
