"""Sponsors and beneficiaries: ``/v1/sponsors/...`` and the sponsor configuration."""

from __future__ import annotations

from functools import cache

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import (
    api_route,
    ledger_of,
    path_int,
    product_type_param,
    query,
    read_json,
    render,
    render_page,
    sandbox_of,
    strict,
    warn,
)
from mock_server.domain import sponsors
from mock_server.domain.tokens import Principal

__all__ = ["routes"]


async def list_sponsors(request: Request, principal: Principal) -> Response:
    items = sponsors.sponsors(sandbox_of(request).world)
    return render_page(request, items)


async def list_forms(request: Request, principal: Principal) -> Response:
    return render(sponsors.forms(sandbox_of(request).world, request.path_params["sponsor_slug"]))


async def search(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "beneficiary-search-request")
    ledger = ledger_of(request, principal)
    return render(sponsors.search(ledger.world, request.path_params["sponsor_slug"], body, ledger.today()))


async def list_dependants(request: Request, principal: Principal) -> Response:
    beneficiary_id = path_int(request, "beneficiary_id")
    ledger = ledger_of(request, principal)
    items = sponsors.dependants(ledger.world, request.path_params["sponsor_slug"], beneficiary_id, ledger.today())
    return render_page(request, items)


async def get_configuration(request: Request, principal: Principal) -> Response:
    warnings: list[str] = []
    product_type = product_type_param(query(request).get("product_type"), strict=strict(request), warnings=warnings)
    warn(request, warnings)
    return render(_configuration_bytes(sandbox_of(request).world, request.path_params["sponsor_slug"], product_type))


@cache
def _configuration_bytes(world, slug: str, product_type: str | None) -> bytes:
    """The configuration never changes for a world: render it once per (sponsor, product type)."""
    return orjson.dumps(sponsors.configuration(world, slug, product_type))


routes = [
    api_route("/v1/sponsors", get=list_sponsors),
    api_route("/v1/sponsors/{sponsor_slug}/forms", get=list_forms),
    api_route("/v1/sponsors/{sponsor_slug}/search", post=search),
    api_route("/v1/sponsors/{sponsor_slug}/beneficiaries/{beneficiary_id}/dependants", get=list_dependants),
    api_route("/arc/v1/sponsors/{sponsor_slug}/configuration", get=get_configuration),
]
