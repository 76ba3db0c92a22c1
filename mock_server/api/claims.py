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


# -- medical procedure ------------------------------------------------------------------------------
async def file_procedure(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "medical-procedure-claim-request")
    area = _area(request, principal)
    claim = area.file_procedure(principal, body)
    return render(area.kind_view(claim), 201, {"Location": f"{PROCEDURE}/{claim.id}"})


# -- what both direct kinds share: read, complete (the invoice), void ---------------------------------
def _kind_routes(base: str, kind: ClaimType) -> list:
    """``{base}/{claim_id}``, ``.../complete`` and ``.../void`` for one kind of claim (another kind's id is 404)."""

    async def read(request: Request, principal: Principal) -> Response:
        area = _area(request, principal)
        return render(area.kind_view(area.claim_of(principal.provider_slug, path_int(request, "claim_id"), kind)))

    async def complete(request: Request, principal: Principal) -> Response:
        claim_id = path_int(request, "claim_id")
        body = await read_json(request, "claim-complete-request")
        area = _area(request, principal)
        return render(area.kind_view(area.complete(principal.provider_slug, claim_id, kind, body)))

    async def void(request: Request, principal: Principal) -> Response:
        claim_id = path_int(request, "claim_id")
        body = await read_json(request, "claim-void-request", required=False)
        area = _area(request, principal)
        return render(area.kind_view(area.void(principal.provider_slug, claim_id, kind, body.get("reason"))))

    return [
        api_route(f"{base}/{{claim_id}}", get=read),
        api_route(f"{base}/{{claim_id}}/complete", post=complete),
        api_route(f"{base}/{{claim_id}}/void", post=void),
    ]


routes = [
    api_route("/arc/v1/claims", get=list_claims),
    api_route("/arc/v1/claims/{claim_id}", get=get_claim),
    api_route("/arc/v1/authorizations/{authorization_id}/claims", post=file_for_authorization),
    api_route(OUTPATIENT, post=file_outpatient),
    api_route(f"{OUTPATIENT}/monitors/{{monitor_id}}", get=get_monitor),
    *_kind_routes(OUTPATIENT, ClaimType.OUTPATIENT_CARE),
    api_route(PROCEDURE, post=file_procedure),
    *_kind_routes(PROCEDURE, ClaimType.MEDICAL_PROCEDURE),
]
