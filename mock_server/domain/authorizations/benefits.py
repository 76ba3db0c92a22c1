"""Benefit limits: units used per beneficiary, plan, product type and month.

A plan caps some product types (``contracts/schemas/sponsor-configuration.schema.json``, ``plans[].
benefit_limits``). Each approved line counts its quantity against the month it was approved in; a line
that would exceed the cap is rejected with the reason; voiding an authorization gives back what it
had not claimed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mock_server.domain.authorizations.backend import Authorizations
    from mock_server.domain.authorizations.records import Authorization

__all__ = ["BENEFIT_LIMIT_REASON", "release", "try_use"]

BENEFIT_LIMIT_REASON = "Límite de beneficio alcanzado: {used} de {limit} unidades usadas este mes."


def _key(beneficiary_id: int, plan_code: str, product_type: str, period: str) -> str:
    return f"{beneficiary_id}|{plan_code}|{product_type}|{period}"


def try_use(authz: Authorizations, beneficiary_id: int, product_type: str, quantity: int, period: str) -> str | None:
    """Count ``quantity`` units against the plan's monthly limit; the reason it is refused, or None."""
    world = authz.world
    beneficiary = world.beneficiary(beneficiary_id)
    plan = world.sponsors[beneficiary.sponsor_slug].plans[beneficiary.plan_code]
    limit = plan.limit_for(product_type)
    key = _key(beneficiary_id, beneficiary.plan_code, product_type, period)
    used = authz.benefit_usage.get(key, 0)
    if limit is not None and used + quantity > limit.max_units:
        return BENEFIT_LIMIT_REASON.format(used=used, limit=limit.max_units)
    authz.benefit_usage[key] = used + quantity
    return None


def release(authz: Authorizations, authorization: Authorization) -> None:
    """Give back the units an authorization holds and has not claimed."""
    beneficiary = authz.world.beneficiary(authorization.beneficiary_id)
    for line in authorization.lines:
        unused = line.authorized_quantity - line.claimed_quantity
        if unused > 0:
            key = _key(beneficiary.beneficiary_id, beneficiary.plan_code, line.product_type, authorization.usage_period)
            authz.benefit_usage[key] = max(0, authz.benefit_usage.get(key, 0) - unused)
