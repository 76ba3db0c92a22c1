"""Dispensation records, their statuses and the legal transitions between them
(``contracts/schemas/dispensation.schema.json``).

Dispensation statuses (the guide's ``STARTED``; ``COMPLETED`` and ``CANCELLED`` from the
``dispensing.completed`` and ``dispensing.cancelled`` events): ``STARTED`` -> ``COMPLETED`` |
``CANCELLED``. A STARTED dispensation holds its code's lines (a second start on the code is 409) until
it completes, is cancelled by the pharmacy, or times out after 30 minutes of mock clock (inferred).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mock_server.core.states import StateMachine
from mock_server.domain.claims.records import Invoice
from mock_server.domain.codes import CodeType
from mock_server.domain.verification import VerificationKind

__all__ = [
    "DISPENSATION_STATES",
    "TIMEOUT_SECONDS",
    "Dispensation",
    "DispensationLine",
    "DispensationStatus",
    "SubstitutionReason",
]

TIMEOUT_SECONDS = 30 * 60  # a STARTED dispensation left alone this long is cancelled (inferred)


class DispensationStatus(StrEnum):
    STARTED = "STARTED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class SubstitutionReason(StrEnum):
    """ProductDispensationRequest's ``substitution_reason_enum`` (schema page)."""

    OUT_OF_STOCK = "OUT_OF_STOCK"
    EMERGENCY = "EMERGENCY"
    ACTIVE_INGREDIENT = "ACTIVE_INGREDIENT"
    OTHER = "OTHER"


_D = DispensationStatus
DISPENSATION_STATES = StateMachine("dispensation", DispensationStatus, {_D.STARTED: {_D.COMPLETED, _D.CANCELLED}})


@dataclass(slots=True)
class DispensationLine:
    """One line taken: ``line_id`` is the authorization line's or prescription item's id; ``price`` is the
    list price of what is handed over (the substitute when there is one), ``taxes`` the line's total tax."""

    line_id: int
    product_code: str
    product_name: str
    quantity: int
    price: float
    taxes: float
    substitute_product_code: str | None = None
    substitute_product_name: str | None = None
    substitute_quantity: int | None = None
    substitution_reason: str | None = None
    substitution_reason_enum: SubstitutionReason | None = None
    substitution_other_description: str | None = None

    @property
    def total(self) -> float:
        return self.price * self.quantity + self.taxes


@dataclass(slots=True)
class Dispensation:
    dispensation_id: int
    provider_slug: str
    branch_id: int | None
    code: str
    code_type: CodeType
    authorization_id: int | None
    prescription_id: int | None
    issuer_slug: str  # the provider that issued the code (it hears the dispensing.* events too)
    beneficiary_id: int | None
    sponsor_slug: str | None
    currency_code: str
    status: DispensationStatus
    verification_required: VerificationKind | None
    lines: list[DispensationLine]
    created_at: float
    updated_at: float
    timeout_timer_id: str | None = None
    times_out_at: float | None = None  # while STARTED
    verified: bool = False  # the verification the start asked for was given (a challenge decided MATCH)
    challenge_id: str | None = None
    invoice: Invoice | None = None
    claim_id: int | None = None
    completed_at: float | None = None
    cancelled_at: float | None = None
    cancel_reason: str | None = None
    external_verifications: list[dict] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(line.total for line in self.lines), 2)
