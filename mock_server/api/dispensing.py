"""Dispensing: ``/dispensing/v1/dispensations`` (``contracts/openapi.yaml``, tag ``dispensing``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import api_route, challenge_url, ledger_of, path_int, read_json, render, with_challenge_url
from mock_server.core.errors import ApiError
from mock_server.domain.dispensing import Dispensing
from mock_server.domain.tokens import Principal

__all__ = ["routes"]


def _area(request: Request, principal: Principal) -> Dispensing:
    return ledger_of(request, principal).area(Dispensing)


def _location(dispensation_id: int) -> dict[str, str]:
    return {"Location": f"/dispensing/v1/dispensations/{dispensation_id}"}


async def start(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "dispensation-start-request")
    area = _area(request, principal)
    started = area.start(principal, body)
    return render(area.view(started), 201, _location(started.dispensation_id))


async def get_dispensation(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    return render(area.view(area.dispensation_of(principal.provider_slug, path_int(request, "dispensation_id"))))


async def verification_status(request: Request, principal: Principal) -> Response:
    area = _area(request, principal)
    status = area.verification_status(principal.provider_slug, path_int(request, "dispensation_id"))
    status["challenge_url"] = challenge_url(request, status["challenge_id"]) if status["challenge_id"] else None
    return render(status)


async def update(request: Request, principal: Principal) -> Response:
    dispensation_id = path_int(request, "dispensation_id")
    body = await read_json(request, "dispensation-update-request")
    area = _area(request, principal)
    return render(area.view(area.update(principal.provider_slug, dispensation_id, body)))


async def complete(request: Request, principal: Principal) -> Response:
    dispensation_id = path_int(request, "dispensation_id")
    body = await read_json(request, "dispensation-complete-request")
    area = _area(request, principal)
    try:
        completed = area.complete(principal.provider_slug, dispensation_id, body)
    except ApiError as error:
        raise with_challenge_url(request, error) from None
    return render(area.view(completed))


async def cancel(request: Request, principal: Principal) -> Response:
    dispensation_id = path_int(request, "dispensation_id")
    await read_json(request, required=False)
    area = _area(request, principal)
    return render(area.view(area.cancel(principal.provider_slug, dispensation_id)))


routes = [
    api_route("/dispensing/v1/dispensations", post=start),
    api_route("/dispensing/v1/dispensations/{dispensation_id}", get=get_dispensation, put=update),
    api_route("/dispensing/v1/dispensations/{dispensation_id}/verification-status", get=verification_status),
    api_route("/dispensing/v1/dispensations/{dispensation_id}/complete", post=complete),
    api_route("/dispensing/v1/dispensations/{dispensation_id}/cancel", post=cancel),
]
