"""Claim records, their statuses and the legal transitions between them (``contracts/schemas/
provider-claim.schema.json``, ``outpatient-care-claim*.schema.json``, ``medical-procedure-claim.schema.json``).

Claim statuses (the schema page's medical-procedure claim enum, used for every kind of claim):

- a dispensation's claim (created when the dispensation completes) and a claim filed against an
  authorization are ``COMPLETED`` at once: they carry the invoice;
- an outpatient-care claim is created ``READY`` when its monitor completes; a medical-procedure claim
  is ``IN_PROGRESS`` and ``READY`` 5 s later on the mock clock (inferred);
- ``READY`` -> ``COMPLETED`` (the invoice) | ``VOIDED``; ``COMPLETED`` -> ``VOIDED`` | ``PAID``.

``UPDATE_IN_PROGRESS``, ``EXPIRATION_IN_PROGRESS``, ``EXPIRED``, ``CANCELED``, ``ERROR`` and ``FAILED`` are
OSIGU's and never reached here.

Monitor statuses (OutpatientCareClaimMonitorResponse): ``PENDING`` -> ``IN_PROGRESS`` (5 s) ->
``COMPLETED`` | ``ERROR`` (10 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mock_server.core.states import StateMachine
from mock_server.domain.doctor import Doctor

__all__ = [
    "CLAIM_STATES",
    "MONITOR_STATES",
    "Claim",
    "ClaimLine",
    "ClaimStatus",
    "ClaimType",
    "Invoice",
    "Monitor",
    "MonitorStatus",
]


class ClaimType(StrEnum):
    """How a claim came to be (inferred): by dispensing, filed against an authorization, or one of the two
    direct kinds."""

    DISPENSATION = "DISPENSATION"
    AUTHORIZATION = "AUTHORIZATION"
    OUTPATIENT_CARE = "OUTPATIENT_CARE"
    MEDICAL_PROCEDURE = "MEDICAL_PROCEDURE"


class ClaimStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
    EXPIRATION_IN_PROGRESS = "EXPIRATION_IN_PROGRESS"
    EXPIRED = "EXPIRED"
    CANCELED = "CANCELED"
    READY = "READY"
    COMPLETED = "COMPLETED"
    VOIDED = "VOIDED"
    ERROR = "ERROR"
    FAILED = "FAILED"
    PAID = "PAID"


class MonitorStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    ERROR = "ERROR"
    COMPLETED = "COMPLETED"


_C = ClaimStatus
CLAIM_STATES = StateMachine(
    "claim",
    ClaimStatus,
    {
        _C.IN_PROGRESS: {_C.READY},
        _C.READY: {_C.COMPLETED, _C.VOIDED},
        _C.COMPLETED: {_C.VOIDED, _C.PAID},
    },
)
_M = MonitorStatus
MONITOR_STATES = StateMachine(
    "claim monitor", MonitorStatus, {_M.PENDING: {_M.IN_PROGRESS}, _M.IN_PROGRESS: {_M.COMPLETED, _M.ERROR}}
)


@dataclass(slots=True)
class ClaimLine:
    id: int
    product_code: str
    product_name: str
    product_type: str
    quantity: int
    price: float
    taxes: float = 0.0
    authorization_product_id: int | None = None
    substitute_product_code: str | None = None


@dataclass(slots=True)
class Invoice:
    """The invoice a dispensation or a claim is completed with (CompleteDispensationRequest's fields)."""

    document_number: str
    document_date: str
    document_serial: str | None = None
    document_digital_signature: str | None = None
    provider_transaction_id: str | None = None
    amount: float | None = None

    @classmethod
    def of(cls, body: dict) -> Invoice:
        """From a complete request's body (validated by its schema)."""
        return cls(
            body["document_number"],
            body["document_date"],
            body.get("document_serial"),
            body.get("document_digital_signature"),
            body.get("provider_transaction_id"),
            None if body.get("amount") is None else float(body["amount"]),
        )


@dataclass(slots=True)
class Claim:
    id: int
    claim_type: ClaimType
    provider_slug: str
    beneficiary_id: int
    sponsor_slug: str
    status: ClaimStatus
    currency_code: str
    lines: list[ClaimLine]
    claimed_amount: float
    copayment_amount: float
    coinsurance_amount: float
    deductible_amount: float
    maximum_total_amount: float
    sponsor_transaction_id: str
    created_at: float
    updated_at: float
    authorization_id: int | None = None
    authorization_code: str | None = None
    prescription_id: int | None = None
    dispensation_id: int | None = None
    branch_id: int | None = None
    invoice: Invoice | None = None
    doctor: Doctor | None = None
    diagnoses: list[str] = field(default_factory=list)
    additional_notes: str | None = None
    monitor_id: str | None = None
    ready_timer_id: str | None = None
    completed_at: float | None = None
    voided_at: float | None = None
    void_reason: str | None = None
    # The settlement batch the claim is in (contracts/schemas/settlement.schema.json), and when it was paid.
    settlement_id: int | None = None
    paid_at: float | None = None

    @property
    def covered_amount(self) -> float:
        return round(self.claimed_amount - self.copayment_amount - self.coinsurance_amount - self.deductible_amount, 2)


@dataclass(slots=True)
class Monitor:
    """An outpatient-care claim being processed: the request as filed, then its claim or its error."""

    id: str
    provider_slug: str
    status: MonitorStatus
    created_at: float
    updated_at: float
    request: dict[str, Any]
    claim_id: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_details: list[dict[str, Any]] = field(default_factory=list)
