"""Settlement batches (Dominican Republic radicación): ``/v3/settlements`` (``contracts/openapi.yaml``,
tag ``settlements``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import api_route, ledger_of, path_int, read_json, render, render_page
from mock_server.domain.settlements import Settlements
from mock_server.domain.tokens import Principal

__all__ = ["routes"]

BASE = "/v3/settlements"


def _area(request: Request, principal: Principal) -> Settlements:
    return ledger_of(request, principal).area(Settlements)


async def start(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "settlement-start-request")
    area = _area(request, principal)
    batch = area.start(principal.provider_slug, body["sponsor_slug"], body["period"])
    return render(area.view(batch), 200, {"Location": f"{BASE}/{batch.id}"})


async def read(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    return render(area.view(area.batch_of(principal.provider_slug, path_int(request, "settlement_id"))))


async def pending(request: Request, principal: Principal) -> Response:
    settlement_id = path_int(request, "settlement_id")
    return render_page(request, _area(request, principal).pending(principal.provider_slug, settlement_id))


async def attach(request: Request, principal: Principal) -> Response:
    settlement_id = path_int(request, "settlement_id")
    body = await read_json(request, "settlement-attach-request")
    area = _area(request, principal)
    return render(area.view(area.attach(principal.provider_slug, settlement_id, body["authorization_ids"])))


async def complete(request: Request, principal: Principal) -> Response:
    settlement_id = path_int(request, "settlement_id")
    # Bad invoice fields are 400 on this operation (contracts/openapi.yaml, completeSettlementBatch).
    body = await read_json(request, "settlement-complete-request", invalid="MOCK-400-invalid-invoice")
    area = _area(request, principal)
    return render(area.view(area.complete(principal.provider_slug, settlement_id, body)))


routes = [
    api_route(BASE, post=start),
    api_route(f"{BASE}/{{settlement_id}}", get=read),
    api_route(f"{BASE}/{{settlement_id}}/pending-authorizations", get=pending),
    api_route(f"{BASE}/{{settlement_id}}/authorizations", post=attach),
    api_route(f"{BASE}/{{settlement_id}}/complete", post=complete),
]
