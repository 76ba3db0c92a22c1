"""Catalogues (ICD-10 diagnoses, medications, labs, imaging, procedures) and provider products.

Product types: responses use the schema values ``DRUG``, ``LABORATORY``, ``DIAGNOSTIC_TEST``,
``MEDICAL_PROCEDURE``; requests also accept the guide and widget names ``MEDICATION``, ``LAB``,
``IMAGING``, ``PROCEDURE`` (a leniency the caller reports with ``Osigu-Mock-Warning``; ``--strict``
refuses them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.world import PRODUCT_TYPES, Product, World

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = [
    "GUIDE_PRODUCT_TYPES",
    "diagnoses",
    "medications",
    "normalize_product_type",
    "product_view",
    "products",
    "provider_products",
    "register_product",
    "remove_product",
]

GUIDE_PRODUCT_TYPES = {
    "MEDICATION": "DRUG",
    "LAB": "LABORATORY",
    "IMAGING": "DIAGNOSTIC_TEST",
    "PROCEDURE": "MEDICAL_PROCEDURE",
}


def normalize_product_type(value: str, *, strict: bool) -> tuple[str | None, str | None]:
    """``(schema value, leniency warning)``; ``(None, None)`` when the value is neither form."""
    text = value.strip().upper()
    if text in PRODUCT_TYPES:
        return text, None
    if text in GUIDE_PRODUCT_TYPES and not strict:
        canonical = GUIDE_PRODUCT_TYPES[text]
        return canonical, f"product_type {text} accepted as {canonical} (guide name; the schema pages use {canonical})"
    return None, None


def product_type_param(
    value: str | None, *, strict: bool, warnings: list[str], name: str = "product_type"
) -> str | None:
    """A ``product_type`` query parameter: None when absent, 400 when unknown (or empty)."""
    if value is None:
        return None
    canonical, warning = normalize_product_type(value, strict=strict)
    if canonical is None:
        allowed = ", ".join(PRODUCT_TYPES) + ("" if strict else " (or " + ", ".join(GUIDE_PRODUCT_TYPES) + ")")
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, f"must be one of {allowed}")])
    if warning:
        warnings.append(warning)
    return canonical


def _matches(query: str | None, *texts: str) -> bool:
    if not query:
        return True
    needle = query.strip().casefold()
    return any(needle in text.casefold() for text in texts)


def diagnoses(world: World, query: str | None) -> list[dict[str, str]]:
    return [{"code": d.code, "name": d.name} for d in world.diagnoses if _matches(query, d.code, d.name)]


def product_view(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "product_code": product.product_code,
        "name": product.name,
        "product_type": product.product_type,
        "prices": [{"currency_code": c, "price": p} for c, p in product.prices.items()],
    }


def medications(world: World, query: str | None) -> list[dict[str, Any]]:
    return [
        product_view(p)
        for p in world.products.values()
        if p.product_type == "DRUG" and _matches(query, p.product_code, p.name)
    ]


def products(world: World, product_type: str | None, query: str | None) -> list[dict[str, Any]]:
    """The global catalogue of labs, imaging studies and procedures (medications have their own)."""
    return [
        product_view(p)
        for p in world.products.values()
        if p.product_type != "DRUG"
        and (product_type is None or p.product_type == product_type)
        and _matches(query, p.product_code, p.name)
    ]


# -- provider products (the tenant's ledger) --------------------------------------------------------
def provider_products(ledger: Ledger, provider_slug: str, product_type: str | None, query: str | None) -> list[dict]:
    registered = ledger.registrations.get(provider_slug, {})
    out = []
    for code, registered_at in registered.items():
        product = ledger.world.product(code)
        if product is None:
            continue
        if product_type is not None and product.product_type != product_type:
            continue
        if not _matches(query, product.product_code, product.name):
            continue
        out.append({**product_view(product), "registered_at": registered_at})
    return out


def register_product(ledger: Ledger, provider_slug: str, product_code: str) -> dict[str, str]:
    if ledger.world.product(product_code) is None:
        raise ApiError(
            "MOCK-422-unknown-product",
            f"{product_code} is not in the global catalogue.",
            errors=[FieldError("product_code", "is not in the global catalogue")],
        )
    registered = ledger.registrations.setdefault(provider_slug, {})
    if product_code in registered:
        raise ApiError("MOCK-409-product-already-registered", f"{product_code} is already registered.")
    registered[product_code] = format_instant(ledger.clock.timestamp())
    return {"product_code": product_code, "registered_at": registered[product_code]}


def remove_product(ledger: Ledger, provider_slug: str, product_code: str) -> None:
    registered = ledger.registrations.get(provider_slug, {})
    if product_code not in registered:
        raise ApiError("MOCK-404-product-not-registered", f"{product_code} is not a registered product of yours.")
    del registered[product_code]


def is_registered(ledger: Ledger, provider_slug: str, product_code: str) -> bool:
    return product_code in ledger.registrations.get(provider_slug, {})
