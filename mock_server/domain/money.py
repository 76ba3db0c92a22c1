"""Money: the one place prices, totals and the plan's shares are computed (``contracts/README.md``,
"Conventions"; ``contracts/openapi.yaml``, startDispensation and completeDispensation).

- A line's ``price`` is the catalogue list price in the sponsor's currency; for a prescription (no
  sponsor), the currency of the dispensing provider's country. ``taxes`` is the line's total tax
  (0 unless the caller gives it; inferred).
- A total is Σ(price × quantity + taxes), rounded to cents; an amount matches it within 0.01.
- A claim's shares come from the beneficiary's plan (inferred arithmetic): the copayment is the plan's
  fixed ``copay`` (never more than the amount), the coinsurance is ``coinsurance_pct`` of what remains,
  no deductible is applied; the sponsor covers the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.reference import Plan, Product
from mock_server.domain.world import World

__all__ = ["TOLERANCE", "country_currency", "list_price", "matches_total", "shares", "total"]

TOLERANCE = 0.01


def cents(value: float) -> float:
    return round(value + 0.0, 2)


def country_currency(world: World, country_code: str) -> str:
    """The currency of a country, as its sponsors use it."""
    for sponsor in world.sponsors.values():
        if sponsor.country_code == country_code:
            return sponsor.currency_code
    raise ValueError(f"no sponsor in {country_code}: its currency is unknown")


def list_price(product: Product, currency_code: str, path: str) -> float:
    """The catalogue list price; 422 naming ``path`` when the catalogue has none in that currency."""
    if currency_code not in product.prices:
        raise ApiError(
            "MOCK-422-validation-failed",
            errors=[FieldError(path, f"{product.product_code} has no list price in {currency_code}")],
        )
    return float(product.prices[currency_code])


def total(lines: Iterable[tuple[float, int, float]]) -> float:
    """Σ(price × quantity + taxes) of ``(price, quantity, taxes)`` lines, in cents."""
    return cents(sum(price * quantity + taxes for price, quantity, taxes in lines))


def matches_total(amount: float, expected: float) -> bool:
    return abs(float(amount) - expected) <= TOLERANCE + 1e-9


def shares(plan: Plan, amount: float) -> tuple[float, float, float]:
    """``(copayment, coinsurance, deductible)`` of a claimed amount under ``plan``."""
    copayment = cents(min(plan.copay, amount))
    coinsurance = cents((amount - copayment) * plan.coinsurance_pct / 100)
    return copayment, coinsurance, 0.0
