"""The settlements area: settlement batches (Dominican Republic radicación, ``/v3/settlements``;
``contracts/openapi.yaml``, tag ``settlements``).

- **Start**: only a sponsor whose configuration allows batches (``settlement_batches_allowed``) takes one
  (406 otherwise); one sponsor and one period per batch; a period after the current month, or before
  1970-01 (the mock clock's earliest), is 422 (inferred).
- **Pending**: this provider's completed claims against an authorization, of the batch's sponsor and
  period, in no batch (``Claims.settleable``).
- **Attach** ``authorization_ids``, all or nothing, to an ``OPEN`` batch (409 otherwise): per id, the
  provider's completed claims on that authorization join the batch. No claim of this provider on it (an
  unknown id, or another provider's): 404, like any unknown id; its claims paid, voided or not completed:
  422; none of the batch's sponsor and period: 422; every one already in another batch: 409.
  An id already in this batch changes nothing.
- **Complete**: the invoice (or credit-note) data; ``invoice_amount`` equals the batch total within 0.01;
  bad fields are 400 with ``errors[{path, message}]``; an empty batch is 422. ``OPEN`` -> ``SUBMITTED``
  and the sponsor's decision is scheduled. Completing a submitted batch again with the same invoice
  number changes nothing; with another, 409.
- **Decide** (the sponsor, on the mock clock: ``ACCEPTED`` ``DECISION_SECONDS`` after submission; or the
  admin plane, any outcome): accepted claims are paid (``Claims.pay``: the claim and its fully claimed
  authorization become ``PAID``), rejected claims leave the batch; one settlement.* event to the provider.

What a batch bills is each claim's covered amount (claimed amount less the beneficiary's copayment and
coinsurance): what the sponsor owes (inferred).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.core.clock import EARLIEST, month_of
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.pagination import Viewed
from mock_server.domain import money
from mock_server.domain.claims import Claims
from mock_server.domain.claims.records import Claim, ClaimStatus
from mock_server.domain.events import EventType
from mock_server.domain.ledger import Area, TimerHandler
from mock_server.domain.settlements import payloads, views
from mock_server.domain.settlements.records import (
    DECISION_SECONDS,
    SETTLEMENT_STATES,
    BatchInvoice,
    Settlement,
    SettlementOutcome,
    SettlementStatus,
)

__all__ = ["DECIDE", "Settlements"]

DECIDE = "settlement.decide"
FIRST_PERIOD = month_of(EARLIEST)
DEFAULT_REJECTION = "La reclamación no cumple los requisitos de radicación del plan."


class Settlements(Area):
    name = "settlements"
    tables = {"settlements": ("batches", Settlement, "id")}

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.batches: dict[int, Settlement] = {}

    def timers(self) -> Mapping[str, TimerHandler]:
        return {DECIDE: self._decide_on_clock}

    @property
    def claims(self) -> Claims:
        return self.ledger.area(Claims)

    # -- lookups --------------------------------------------------------------------------------
    def batch_of(self, provider_slug: str | None, settlement_id: int) -> Settlement:
        """The batch, if this provider started it (any provider's when ``provider_slug`` is None)."""
        batch = self.batches.get(settlement_id)
        if batch is None or (provider_slug is not None and batch.provider_slug != provider_slug):
            raise ApiError("MOCK-404-settlement-not-found", f"No settlement batch {settlement_id}.")
        return batch

    def members(self, batch: Settlement) -> list[Claim]:
        """Every claim ever attached to the batch, in the order attached."""
        return [self.claims.claim_of(None, claim_id) for claim_id in batch.claim_ids]

    def total(self, batch: Settlement) -> float:
        """What the batch bills: the covered amounts of the claims in it (before a decision, the ones
        attached; after, the ones it was submitted with)."""
        return money.cents(sum(claim.covered_amount for claim in self.members(batch)))

    # -- operations -----------------------------------------------------------------------------
    def start(self, provider_slug: str, sponsor_slug: str, period: str) -> Settlement:
        sponsor = self.world.sponsor(sponsor_slug)
        if sponsor is None:
            raise ApiError("MOCK-404-sponsor-not-found", errors=[FieldError("sponsor_slug", "is not a known sponsor")])
        if not sponsor.settlement_batches:
            raise ApiError(
                "MOCK-406-settlement-not-allowed",
                f"{sponsor_slug} does not take on-demand settlement batches from this provider.",
            )
        current = month_of(self.clock.timestamp())
        if period > current:
            raise ApiError(
                "MOCK-422-validation-failed",
                errors=[FieldError("period", f"must not be after the current month {current}")],
            )
        if period < FIRST_PERIOD:  # no claim is older than the mock's clock can be
            raise ApiError(
                "MOCK-422-validation-failed", errors=[FieldError("period", f"must be {FIRST_PERIOD} or later")]
            )
        now = self.clock.timestamp()
        batch = Settlement(
            id=self.ids.next_id("settlement"),
            provider_slug=provider_slug,
            sponsor_slug=sponsor_slug,
            period=period,
            currency_code=sponsor.currency_code,
            status=SettlementStatus.OPEN,
            created_at=now,
            updated_at=now,
        )
        self.batches[batch.id] = batch
        return batch

    def pending(self, provider_slug: str, settlement_id: int) -> Viewed:
        """The candidates, oldest first, each viewed only if its page is asked for."""
        batch = self.batch_of(provider_slug, settlement_id)
        return Viewed(self.claims.settleable(provider_slug, batch.sponsor_slug, batch.period), views.member)

    def attach(self, provider_slug: str, settlement_id: int, authorization_ids: list[int]) -> Settlement:
        batch = self.batch_of(provider_slug, settlement_id)
        if batch.status != SettlementStatus.OPEN:
            raise ApiError("MOCK-409-settlement-not-open", f"Settlement batch {batch.id} is {batch.status}.")
        joining: dict[int, Claim] = {}
        for index, authorization_id in enumerate(authorization_ids):
            joining.update((c.id, c) for c in self._joining(batch, f"authorization_ids[{index}]", authorization_id))
        for claim in joining.values():
            self.claims.batch(claim, batch.id)
            batch.claim_ids.append(claim.id)
        batch.updated_at = self.clock.timestamp()
        return batch

    def _joining(self, batch: Settlement, path: str, authorization_id: int) -> list[Claim]:
        """The claims an authorization id brings into the batch, or the reason it brings none."""
        mine = self.claims.on_authorization(batch.provider_slug, authorization_id)
        if not mine:  # unknown, or not visible to this provider: 404 like any unknown id (contracts/README.md)
            raise ApiError(
                "MOCK-404-authorization-not-found",
                f"No claim of yours against authorization {authorization_id}.",
                errors=[FieldError(path, "has no claim of this provider")],
            )
        completed = [claim for claim in mine if claim.status == ClaimStatus.COMPLETED]
        if not completed:
            raise ApiError(
                "MOCK-422-authorization-not-settleable",
                errors=[FieldError(path, "has no completed claim (paid, voided or not yet completed)")],
            )
        fitting = [
            c
            for c in completed
            if c.sponsor_slug == batch.sponsor_slug and c.completed_at and month_of(c.completed_at) == batch.period
        ]
        if not fitting:
            claim = completed[0]
            found = f"{claim.sponsor_slug}, {month_of(claim.completed_at or claim.created_at)}"
            raise ApiError(
                "MOCK-422-settlement-mismatch",
                errors=[FieldError(path, f"is a claim of {found}; the batch is {batch.sponsor_slug}, {batch.period}")],
            )
        free = [claim for claim in fitting if claim.settlement_id is None]
        if not free and not any(claim.settlement_id == batch.id for claim in fitting):
            raise ApiError(
                "MOCK-409-claim-in-other-settlement",
                errors=[FieldError(path, f"is in settlement batch {fitting[0].settlement_id}")],
            )
        return free

    def complete(self, provider_slug: str, settlement_id: int, body: dict[str, Any]) -> Settlement:
        batch = self.batch_of(provider_slug, settlement_id)
        if batch.status != SettlementStatus.OPEN:
            if batch.invoice is not None and batch.invoice.invoice_number == body.get("invoice_number"):
                return batch
            raise ApiError("MOCK-409-settlement-not-open", f"Settlement batch {batch.id} is {batch.status}.")
        if not batch.claim_ids:
            raise ApiError("MOCK-422-settlement-empty", f"Settlement batch {batch.id} has no claims.")
        invoice = _invoice(body, self.total(batch))
        SETTLEMENT_STATES.move(batch, SettlementStatus.SUBMITTED)
        batch.invoice = invoice
        batch.submitted_at = batch.updated_at = self.clock.timestamp()
        timer = self.ledger.schedule(
            batch.submitted_at + DECISION_SECONDS,
            DECIDE,
            {"settlement_id": batch.id},
            f"{batch.sponsor_slug} accepts settlement batch {batch.id}",
        )
        batch.decision_timer_id = timer.id
        return batch

    # -- the sponsor's decision -----------------------------------------------------------------
    def _decide_on_clock(self, payload: dict[str, Any]) -> None:
        batch = self.batches.get(payload["settlement_id"])
        if batch is not None and batch.status == SettlementStatus.SUBMITTED:
            batch.decision_timer_id = None
            self.decide(batch.id, SettlementOutcome.ACCEPTED)

    def decide(
        self,
        settlement_id: int,
        outcome: str,
        rejected_claim_ids: list[int] | None = None,
        reason: str | None = None,
    ) -> Settlement:
        """The sponsor decides a ``SUBMITTED`` batch (409 otherwise)."""
        batch = self.batch_of(None, settlement_id)
        if batch.status != SettlementStatus.SUBMITTED:
            raise ApiError("MOCK-409-settlement-not-submitted", f"Settlement batch {batch.id} is {batch.status}.")
        outcome = SettlementOutcome(outcome)
        rejected = _rejected(batch, outcome, rejected_claim_ids or [])
        if batch.decision_timer_id:
            self.clock.cancel(batch.decision_timer_id)
            batch.decision_timer_id = None
        for claim in self.members(batch):
            if claim.id in rejected:
                self.claims.batch(claim, None)
            else:
                self.claims.pay(claim)
        SETTLEMENT_STATES.move(batch, SettlementStatus(outcome))
        batch.decided_at = batch.updated_at = self.clock.timestamp()
        batch.rejected_claim_ids = [claim_id for claim_id in batch.claim_ids if claim_id in rejected]
        batch.paid_claim_ids = [claim_id for claim_id in batch.claim_ids if claim_id not in rejected]
        if rejected:
            batch.rejection_reason = reason or DEFAULT_REJECTION
        self._announce(batch)
        return batch

    def _announce(self, batch: Settlement) -> None:
        data = views.event_fields(self, batch)
        at = batch.decided_at or self.clock.timestamp()
        if batch.status == SettlementStatus.ACCEPTED:
            event, payload = (
                EventType.SETTLEMENT_PAID,
                payloads.paid_payload(views.paid_amount(self, batch), at, **data),
            )
        elif batch.status == SettlementStatus.REJECTED:
            event, payload = (
                EventType.SETTLEMENT_REJECTED,
                payloads.rejected_payload(batch.rejection_reason, at, **data),
            )
        else:
            event = EventType.SETTLEMENT_PARTIALLY_ACCEPTED
            payload = payloads.partially_accepted_payload(
                views.paid_amount(self, batch), batch.rejected_claim_ids, batch.rejection_reason, at, **data
            )
        self.ledger.emit(event, batch.provider_slug, payload)

    # -- views ----------------------------------------------------------------------------------
    def view(self, batch: Settlement) -> dict[str, Any]:
        return views.settlement(self, batch)


def _invoice(body: dict[str, Any], total: float) -> BatchInvoice:
    """The invoice a batch is completed with; 400 naming each bad field."""
    problems: list[FieldError] = []
    if not money.matches_total(body["invoice_amount"], total):
        problems.append(FieldError("invoice_amount", f"must equal the batch total {total:.2f} (within 0.01)"))
    note_number, note_amount = body.get("credit_note_number"), body.get("credit_note_amount")
    if (note_number is None) != (note_amount is None):
        missing = "credit_note_amount" if note_amount is None else "credit_note_number"
        problems.append(FieldError(missing, "is required with a credit note"))
    if note_amount is not None and note_amount > body["invoice_amount"]:
        problems.append(FieldError("credit_note_amount", "must not exceed invoice_amount"))
    if problems:
        raise ApiError("MOCK-400-invalid-invoice", errors=problems)
    return BatchInvoice(
        invoice_number=body["invoice_number"],
        invoice_date=body["invoice_date"],
        invoice_amount=float(body["invoice_amount"]),
        credit_note_number=note_number,
        credit_note_amount=None if note_amount is None else float(note_amount),
    )


def _rejected(batch: Settlement, outcome: SettlementOutcome, claim_ids: list[int]) -> set[int]:
    """The claims a decision rejects: all for REJECTED, none for ACCEPTED, the named ones (some, not all,
    each in the batch) for PARTIALLY_ACCEPTED; 422 otherwise."""
    if outcome == SettlementOutcome.PARTIALLY_ACCEPTED:
        unknown = [claim_id for claim_id in claim_ids if claim_id not in batch.claim_ids]
        if not claim_ids or unknown or set(claim_ids) >= set(batch.claim_ids):
            message = (
                f"claims {unknown} are not in the batch"
                if unknown
                else "must name some, not all, of the batch's claims (REJECTED rejects them all)"
            )
            raise ApiError("MOCK-422-validation-failed", errors=[FieldError("rejected_claim_ids", message)])
        return set(claim_ids)
    if claim_ids:
        raise ApiError(
            "MOCK-422-validation-failed",
            errors=[FieldError("rejected_claim_ids", f"is only for PARTIALLY_ACCEPTED, not {outcome}")],
        )
    return set(batch.claim_ids) if outcome == SettlementOutcome.REJECTED else set()
