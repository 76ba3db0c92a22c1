"""Catalogues and the provider's registered products (``contracts/openapi.yaml``, tag ``catalogs``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import (
    api_route,
    ledger_of,
    product_type_param,
    query,
    read_json,
    render,
    render_page,
    sandbox_of,
    strict,
    warn,
)
from mock_server.domain import catalog
from mock_server.domain.registrations import Registrations
from mock_server.domain.tokens import Principal

__all__ = ["routes"]


def _product_type(request: Request) -> str | None:
    warnings: list[str] = []
    value = product_type_param(query(request).get("product_type"), strict=strict(request), warnings=warnings)
    warn(request, warnings)
    return value


async def list_diagnoses(request: Request, principal: Principal) -> Response:
    return render_page(request, catalog.diagnoses(sandbox_of(request).world, query(request).get("query")))


async def list_medications(request: Request, principal: Principal) -> Response:
    return render_page(request, catalog.medications(sandbox_of(request).world, query(request).get("query")))


async def list_products(request: Request, principal: Principal) -> Response:
    product_type = _product_type(request)
    return render_page(request, catalog.products(sandbox_of(request).world, product_type, query(request).get("query")))


async def list_provider_products(request: Request, principal: Principal) -> Response:
    product_type = _product_type(request)
    registrations = ledger_of(request, principal).area(Registrations)
    items = registrations.list_products(principal.provider_slug, product_type, query(request).get("query"))
    return render_page(request, items)


async def register_provider_product(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "provider-product-request")
    registrations = ledger_of(request, principal).area(Registrations)
    return render(registrations.register(principal.provider_slug, body["product_code"]), status=201)


async def remove_provider_product(request: Request, principal: Principal) -> Response:
    registrations = ledger_of(request, principal).area(Registrations)
    registrations.remove(principal.provider_slug, request.path_params["product_code"])
    return Response(status_code=204)


routes = [
    api_route("/medical-catalogs/v1/diagnoses", get=list_diagnoses),
    api_route("/medical-catalogs/v1/medications", get=list_medications),
    api_route("/arc/v1/products", get=list_products),
    api_route("/arc/v1/providers/products", get=list_provider_products, post=register_provider_product),
    api_route("/arc/v1/providers/products/{product_code}", delete=remove_provider_product),
]
