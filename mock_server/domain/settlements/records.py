"""Settlement batches (Dominican Republic radicación), their statuses and the legal transitions between
them (``contracts/schemas/settlement.schema.json``; ``contracts/openapi.yaml``, tag ``settlements``).

A batch groups one provider's completed claims of one sponsor and one period (``YYYY-MM``, the month in
which the claim was completed, UTC; inferred) so the provider can invoice the sponsor for them:

- ``OPEN``: claims are attached (by their authorization's id);
- ``SUBMITTED``: the invoice (or credit-note) data is in and the batch is with the sponsor;
- ``ACCEPTED`` | ``REJECTED`` | ``PARTIALLY_ACCEPTED``: the sponsor's decision, on the mock clock or through
  ``POST /__admin/settlements/{id}/decision``. Accepted claims and their fully claimed authorizations
  become ``PAID``; rejected claims leave the batch and may go into another one (inferred).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mock_server.core.states import StateMachine

__all__ = [
    "DECISION_SECONDS",
    "SETTLEMENT_STATES",
    "BatchInvoice",
    "Settlement",
    "SettlementOutcome",
    "SettlementStatus",
]


# A submitted batch the admin plane leaves alone is ACCEPTED by the sponsor this long after (inferred).
DECISION_SECONDS = 60


class SettlementStatus(StrEnum):
    OPEN = "OPEN"
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"


class SettlementOutcome(StrEnum):
    """The sponsor's decision on a submitted batch (the ``status`` of the settlement.* events)."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PARTIALLY_ACCEPTED = "PARTIALLY_ACCEPTED"


_S = SettlementStatus
SETTLEMENT_STATES = StateMachine(
    "settlement batch",
    SettlementStatus,
    {
        _S.OPEN: {_S.SUBMITTED},
        _S.SUBMITTED: {_S.ACCEPTED, _S.REJECTED, _S.PARTIALLY_ACCEPTED},
    },
)


@dataclass(slots=True)
class BatchInvoice:
    """What completing a batch sends the sponsor (CompleteSettlementBatch's fields; inferred names)."""

    invoice_number: str
    invoice_date: str
    invoice_amount: float
    credit_note_number: str | None = None
    credit_note_amount: float | None = None


@dataclass(slots=True)
class Settlement:
    id: int
    provider_slug: str
    sponsor_slug: str
    period: str
    currency_code: str
    status: SettlementStatus
    created_at: float
    updated_at: float
    # Every claim ever attached, in the order attached (a rejected claim stays listed here after it
    # leaves the batch; the claim's own settlement_id says where it is now).
    claim_ids: list[int] = field(default_factory=list)
    invoice: BatchInvoice | None = None
    submitted_at: float | None = None
    decision_timer_id: str | None = None
    decided_at: float | None = None
    paid_claim_ids: list[int] = field(default_factory=list)
    rejected_claim_ids: list[int] = field(default_factory=list)
    rejection_reason: str | None = None
