"""The global catalogues: ICD-10 diagnoses, medications, labs, imaging, procedures (reference data,
the same for every tenant; what each provider registered is ``mock_server.domain.registrations``).

Product types: responses use the schema values ``DRUG``, ``LABORATORY``, ``DIAGNOSTIC_TEST``,
``MEDICAL_PROCEDURE``; requests also accept the guide and widget names ``MEDICATION``, ``LAB``,
``IMAGING``, ``PROCEDURE`` (a leniency the caller reports with ``Osigu-Mock-Warning``; ``--strict``
refuses them).
"""

from __future__ import annotations

from typing import Any

from mock_server.domain.reference import PRODUCT_TYPES, Product, ProductType
from mock_server.domain.world import World

__all__ = [
    "GUIDE_PRODUCT_TYPES",
    "diagnoses",
    "matches",
    "medications",
    "normalize_product_type",
    "product_view",
    "products",
]

GUIDE_PRODUCT_TYPES = {
    "MEDICATION": ProductType.DRUG,
    "LAB": ProductType.LABORATORY,
    "IMAGING": ProductType.DIAGNOSTIC_TEST,
    "PROCEDURE": ProductType.MEDICAL_PROCEDURE,
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


def matches(query: str | None, *texts: str) -> bool:
    if not query:
        return True
    needle = query.strip().casefold()
    return any(needle in text.casefold() for text in texts)


def diagnoses(world: World, query: str | None) -> list[dict[str, str]]:
    return [{"code": d.code, "name": d.name} for d in world.diagnoses if matches(query, d.code, d.name)]


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
        if p.product_type == ProductType.DRUG and matches(query, p.product_code, p.name)
    ]


def products(world: World, product_type: str | None, query: str | None) -> list[dict[str, Any]]:
    """The global catalogue of labs, imaging studies and procedures (medications have their own)."""
    return [
        product_view(p)
        for p in world.products.values()
        if p.product_type != ProductType.DRUG
        and (product_type is None or p.product_type == product_type)
        and matches(query, p.product_code, p.name)
    ]
