"""The settlements area: settlement batches (Dominican Republic radicación, ``/v3/settlements``).

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

__all__ = ["SettlementOutcome", "Settlements", "paid_payload", "partially_accepted_payload", "rejected_payload"]


class SettlementOutcome(StrEnum):
    """The sponsor's decision on a submitted batch (the ``status`` of the settlement.* events)."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"


class Settlements(Area):
    name = "settlements"


# -- the data of the settlement.* events (contracts/schemas/webhook-event.schema.json, $defs) ---------
def _batch(
    *, settlement_id: int, sponsor_slug: str, period: str, currency_code: str, total_amount: float, status: str
) -> dict[str, Any]:
    return {
        "settlement_id": settlement_id,
        "sponsor_slug": sponsor_slug,
        "period": period,
        "currency_code": currency_code,
        "total_amount": total_amount,
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
    paid_amount: float, rejected_claim_ids: list[int], at: float, **batch: Any
) -> dict[str, Any]:
    return {
        **_batch(status=SettlementOutcome.PARTIALLY_ACCEPTED, **batch),
        "paid_amount": paid_amount,
        "rejected_claim_ids": rejected_claim_ids,
        "decided_at": format_instant(at),
    }
