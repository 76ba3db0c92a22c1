"""The data of the ``dispensing.*`` events (``contracts/schemas/webhook-event.schema.json``, ``$defs``),
built from a dispensation by the real flow and from a sample by ``POST /__admin/events`` alike."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from mock_server.core.clock import format_instant

__all__ = ["CancellationReason", "cancelled_payload", "completed_payload", "header", "started_payload"]


class CancellationReason(StrEnum):
    """Why a STARTED dispensation was cancelled (the ``reason`` of ``dispensing.cancelled``)."""

    PHARMACY = "PHARMACY"
    TIMEOUT = "TIMEOUT"


def header(
    *,
    dispensation_id: int,
    code: str,
    code_type: str,
    beneficiary_id: int | None,
    sponsor_slug: str | None,
    provider_slug: str,
    branch_id: int | None,
) -> dict[str, Any]:
    """What every dispensing.* event carries; a prescription whose patient is no sponsor's beneficiary has
    neither ``beneficiary_id`` nor ``sponsor_slug`` (null, inferred)."""
    return {
        "dispensation_id": dispensation_id,
        "code": code,
        "code_type": code_type,
        "beneficiary_id": beneficiary_id,
        "sponsor_slug": sponsor_slug,
        "pharmacy": {"provider_slug": provider_slug, "branch_id": branch_id},
    }


def started_payload(products: list[dict[str, Any]], at: float, **fields: Any) -> dict[str, Any]:
    """``products``: ``{product_code, quantity}`` per line."""
    return {**header(**fields), "products": products, "started_at": format_instant(at)}


def completed_payload(
    *,
    authorization_id: int | None,
    prescription_id: int | None,
    products: list[dict[str, Any]],
    total_amount: float,
    currency_code: str,
    at: float,
    **fields: Any,
) -> dict[str, Any]:
    """``products``: ``{product_code, quantity, unit_price}`` per line; ``total_amount`` is the dispensation's
    Σ(price × quantity + taxes)."""
    return {
        **header(**fields),
        "authorization_id": authorization_id,
        "prescription_id": prescription_id,
        "products": products,
        "total_amount": total_amount,
        "currency_code": currency_code,
        "completed_at": format_instant(at),
    }


def cancelled_payload(reason: CancellationReason, at: float, **fields: Any) -> dict[str, Any]:
    return {**header(**fields), "reason": reason, "cancelled_at": format_instant(at)}
