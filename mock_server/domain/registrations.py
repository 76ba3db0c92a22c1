"""Provider products: the products each provider registered (``/arc/v1/providers/products``), and the
one rule that uses them, OSIGU's error ``071-104`` (``contracts/errors.yaml``: a product not registered
as a provider product, 422).

Every tenant starts with the registrations of the seeded world; providers add and remove their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.catalog import matches, product_view
from mock_server.domain.ledger import Area
from mock_server.domain.world import Product

__all__ = ["Registrations"]


class Registrations(Area):
    name = "registrations"

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        # provider slug -> product code -> registered_at
        self.by_provider: dict[str, dict[str, str]] = {}

    def seed(self) -> None:
        self.by_provider = {slug: dict(items) for slug, items in self.world.registrations.items()}

    def export(self) -> dict[str, Any]:
        return {"registrations": {slug: dict(items) for slug, items in self.by_provider.items()}}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        if "registrations" in snapshot:
            self.by_provider = {slug: dict(items) for slug, items in snapshot["registrations"].items()}

    # -- operations -----------------------------------------------------------------------------
    def list_products(self, provider_slug: str, product_type: str | None, query: str | None) -> list[dict[str, Any]]:
        out = []
        for code, registered_at in self.by_provider.get(provider_slug, {}).items():
            product = self.world.product(code)
            if product is None:
                continue
            if product_type is not None and product.product_type != product_type:
                continue
            if not matches(query, product.product_code, product.name):
                continue
            out.append({**product_view(product), "registered_at": registered_at})
        return out

    def register(self, provider_slug: str, product_code: str) -> dict[str, str]:
        if self.world.product(product_code) is None:
            raise ApiError(
                "MOCK-422-unknown-product",
                f"{product_code} is not in the global catalogue.",
                errors=[FieldError("product_code", "is not in the global catalogue")],
            )
        registered = self.by_provider.setdefault(provider_slug, {})
        if product_code in registered:
            raise ApiError(
                "MOCK-409-product-already-registered",
                f"{product_code} is already registered.",
                errors=[FieldError("product_code", "is already a registered product of yours")],
            )
        registered[product_code] = format_instant(self.clock.timestamp())
        return {"product_code": product_code, "registered_at": registered[product_code]}

    def remove(self, provider_slug: str, product_code: str) -> None:
        registered = self.by_provider.get(provider_slug, {})
        if product_code not in registered:
            raise ApiError("MOCK-404-product-not-registered", f"{product_code} is not a registered product of yours.")
        del registered[product_code]

    def is_registered(self, provider_slug: str, product_code: str) -> bool:
        return product_code in self.by_provider.get(provider_slug, {})

    def check(self, provider_slug: str, products: Iterable[tuple[str, Product]], problems: list[FieldError]) -> None:
        """The end of a request's validation: ``products`` are (path, product) pairs the request names.

        When the only problems are products the provider has not registered, that is OSIGU's ``071-104``;
        otherwise every problem, unregistered products included, is one 422 ``MOCK-422-validation-failed``.
        """
        unregistered = [
            FieldError(path, f"{product.product_code} is not registered as a product of {provider_slug}")
            for path, product in products
            if not self.is_registered(provider_slug, product.product_code)
        ]
        if unregistered and not problems:
            raise ApiError("071-104", errors=unregistered)
        if problems or unregistered:
            raise ApiError("MOCK-422-validation-failed", errors=[*problems, *unregistered])
