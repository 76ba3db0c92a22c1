"""The data of the settlement.* events (``contracts/schemas/webhook-event.schema.json``, ``$defs``): one
builder per event, used by the sponsor's decision (which ``POST /__admin/events`` runs: ``domain/triggers.py``)."""

from __future__ import annotations

from typing import Any

from mock_server.core.clock import format_instant
from mock_server.domain.settlements.records import SettlementOutcome

__all__ = ["paid_payload", "partially_accepted_payload", "rejected_payload"]


def _batch(
    *,
    settlement_id: int,
    sponsor_slug: str,
    period: str,
    currency_code: str,
    total_amount: float,
    invoice_number: str,
    claim_ids: list[int],
    status: str,
) -> dict[str, Any]:
    return {
        "settlement_id": settlement_id,
        "sponsor_slug": sponsor_slug,
        "period": period,
        "currency_code": currency_code,
        "total_amount": total_amount,
        "invoice_number": invoice_number,
        "claim_ids": claim_ids,
        "status": status,
    }


def paid_payload(paid_amount: float, at: float, **batch: Any) -> dict[str, Any]:
    return {
        **_batch(status=SettlementOutcome.ACCEPTED, **batch),
        "paid_amount": paid_amount,
        "paid_at": format_instant(at),
    }


def rejected_payload(reason: str, at: float, **batch: Any) -> dict[str, Any]:
    return {
        **_batch(status=SettlementOutcome.REJECTED, **batch),
        "rejection_reason": reason,
        "rejected_at": format_instant(at),
    }


def partially_accepted_payload(
    paid_amount: float, rejected_claim_ids: list[int], reason: str, at: float, **batch: Any
) -> dict[str, Any]:
    return {
        **_batch(status=SettlementOutcome.PARTIALLY_ACCEPTED, **batch),
        "paid_amount": paid_amount,
        "rejected_claim_ids": rejected_claim_ids,
        "rejection_reason": reason,
        "decided_at": format_instant(at),
    }
