"""Catalogues and the provider's registered products."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api._http import api_route, read_json, render, sandbox_of, strict, warn
from mock_server.core.pagination import PageRequest, paginate
from mock_server.domain import catalog
from mock_server.domain.oauth import Principal

__all__ = ["routes"]


def _page(request: Request, items: list) -> Response:
    page = PageRequest.from_query(request.query_params)
    return render(paginate(items, page, request.url.path, request.query_params))


def _product_type(request: Request) -> str | None:
    warnings: list[str] = []
    value = catalog.product_type_param(
        request.query_params.get("product_type"), strict=strict(request), warnings=warnings
    )
    warn(request, warnings)
    return value


async def list_diagnoses(request: Request, principal: Principal) -> Response:
    return _page(request, catalog.diagnoses(sandbox_of(request).world, request.query_params.get("query")))


async def list_medications(request: Request, principal: Principal) -> Response:
    return _page(request, catalog.medications(sandbox_of(request).world, request.query_params.get("query")))


async def list_products(request: Request, principal: Principal) -> Response:
    product_type = _product_type(request)
    return _page(request, catalog.products(sandbox_of(request).world, product_type, request.query_params.get("query")))


async def list_provider_products(request: Request, principal: Principal) -> Response:
    product_type = _product_type(request)
    ledger = sandbox_of(request).ledger(principal.tenant_id)
    items = catalog.provider_products(ledger, principal.provider_slug, product_type, request.query_params.get("query"))
    return _page(request, items)


async def register_provider_product(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "provider-product-request")
    ledger = sandbox_of(request).ledger(principal.tenant_id)
    return render(catalog.register_product(ledger, principal.provider_slug, body["product_code"]), status=201)


async def remove_provider_product(request: Request, principal: Principal) -> Response:
    ledger = sandbox_of(request).ledger(principal.tenant_id)
    catalog.remove_product(ledger, principal.provider_slug, request.path_params["product_code"])
    return Response(status_code=204)


routes = [
    api_route("/medical-catalogs/v1/diagnoses", get=list_diagnoses),
    api_route("/medical-catalogs/v1/medications", get=list_medications),
    api_route("/arc/v1/products", get=list_products),
    api_route("/arc/v1/providers/products", get=list_provider_products, post=register_provider_product),
    api_route("/arc/v1/providers/products/{product_code}", delete=remove_provider_product),
]
