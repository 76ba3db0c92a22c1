"""The dispensing area: dispensations at a pharmacy, lab or imaging centre (``/dispensing/v1``), for an
authorization or a prescription code.

A slot: registered in ``mock_server.domain.areas``, with its place in every tenant's ledger and in
snapshots, and no records or operations yet. It fills in the way every area does (ARCHITECTURE.md,
"Adding an area"): typed records in ``tables``, the timers it schedules in :meth:`timers`, its
operations as methods.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from mock_server.core.clock import format_instant
from mock_server.domain.ledger import Area

__all__ = ["CancellationReason", "Dispensing", "cancelled_payload", "completed_payload", "started_payload"]


class CancellationReason(StrEnum):
    """Why a STARTED dispensation was cancelled (the ``reason`` of ``dispensing.cancelled``)."""

    PHARMACY = "PHARMACY"
    TIMEOUT = "TIMEOUT"


class Dispensing(Area):
    name = "dispensing"


# -- the data of the dispensing.* events (contracts/schemas/webhook-event.schema.json, $defs) ----------
def _header(
    *,
    dispensation_id: int,
    code: str,
    code_type: str,
    beneficiary_id: int,
    sponsor_slug: str,
    provider_slug: str,
    branch_id: int | None,
) -> dict[str, Any]:
    return {
        "dispensation_id": dispensation_id,
        "code": code,
        "code_type": code_type,
        "beneficiary_id": beneficiary_id,
        "sponsor_slug": sponsor_slug,
        "pharmacy": {"provider_slug": provider_slug, "branch_id": branch_id},
    }


def started_payload(products: list[dict[str, Any]], at: float, **header: Any) -> dict[str, Any]:
    """``products``: ``{product_code, quantity}`` per line."""
    return {**_header(**header), "products": products, "started_at": format_instant(at)}


def completed_payload(
    *,
    authorization_id: int | None,
    prescription_id: int | None,
    products: list[dict[str, Any]],
    currency_code: str,
    at: float,
    **header: Any,
) -> dict[str, Any]:
    """``products``: ``{product_code, quantity, unit_price}`` per line; the total is their sum."""
    total = round(sum(p["unit_price"] * p["quantity"] for p in products), 2)
    return {
        **_header(**header),
        "authorization_id": authorization_id,
        "prescription_id": prescription_id,
        "products": products,
        "total_amount": total,
        "currency_code": currency_code,
        "completed_at": format_instant(at),
    }


def cancelled_payload(reason: CancellationReason, at: float, **header: Any) -> dict[str, Any]:
    return {**_header(**header), "reason": reason, "cancelled_at": format_instant(at)}
