"""How settlement batches look on the wire (``contracts/schemas/settlement.schema.json``,
``settlement-pending-authorization.schema.json``) and the batch fields of the settlement.* events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant, format_optional_instant
from mock_server.domain import money
from mock_server.domain.claims.records import Claim
from mock_server.domain.settlements.records import Settlement

if TYPE_CHECKING:
    from mock_server.domain.settlements.backend import Settlements

__all__ = ["event_fields", "member", "paid_amount", "settlement"]


def member(claim: Claim) -> dict[str, Any]:
    """A claim as a batch lists it (and as the pending list offers it)."""
    return {
        "authorization_id": claim.authorization_id,
        "authorization_code": claim.authorization_code,
        "claim_id": claim.id,
        "claim_status": claim.status,
        "beneficiary_id": claim.beneficiary_id,
        "dispensation_id": claim.dispensation_id,
        "dispensation_date": format_instant(claim.completed_at or claim.created_at),
        "currency_code": claim.currency_code,
        "claimed_amount": claim.claimed_amount,
        "copayment_amount": claim.copayment_amount,
        "coinsurance_amount": claim.coinsurance_amount,
        "total_amount": claim.covered_amount,
    }


def paid_amount(area: Settlements, batch: Settlement) -> float:
    paid = set(batch.paid_claim_ids)
    return money.cents(sum(claim.covered_amount for claim in area.members(batch) if claim.id in paid))


def settlement(area: Settlements, batch: Settlement) -> dict[str, Any]:
    invoice = batch.invoice
    decided = batch.decided_at is not None
    return {
        "settlement_id": batch.id,
        "status": batch.status,
        "sponsor_slug": batch.sponsor_slug,
        "period": batch.period,
        "currency_code": batch.currency_code,
        "total_amount": area.total(batch),
        "authorizations": [member(claim) for claim in area.members(batch)],
        "invoice_number": invoice.invoice_number if invoice else None,
        "invoice_date": invoice.invoice_date if invoice else None,
        "invoice_amount": invoice.invoice_amount if invoice else None,
        "credit_note_number": invoice.credit_note_number if invoice else None,
        "credit_note_amount": invoice.credit_note_amount if invoice else None,
        "paid_amount": paid_amount(area, batch) if decided else None,
        "paid_claim_ids": list(batch.paid_claim_ids),
        "rejected_claim_ids": list(batch.rejected_claim_ids),
        "rejection_reason": batch.rejection_reason,
        "created_at": format_instant(batch.created_at),
        "updated_at": format_instant(batch.updated_at),
        "submitted_at": format_optional_instant(batch.submitted_at),
        "decided_at": format_optional_instant(batch.decided_at),
    }


def event_fields(area: Settlements, batch: Settlement) -> dict[str, Any]:
    """The batch as every settlement.* event describes it (``payloads``)."""
    return {
        "settlement_id": batch.id,
        "sponsor_slug": batch.sponsor_slug,
        "period": batch.period,
        "currency_code": batch.currency_code,
        "total_amount": area.total(batch),
        "invoice_number": batch.invoice.invoice_number if batch.invoice else "",
        "claim_ids": list(batch.claim_ids),
    }
