"""Pre-authorization records, their statuses and the legal transitions between them.

Request states (``contracts/schemas/authorization-request.schema.json``): ``PENDING_INDICATION`` ->
``PENDING_SPONSOR`` -> ``APPROVED`` | ``REJECTED`` | ``PARTIALLY_APPROVED``; a synchronous sponsor
answers straight from ``PENDING_INDICATION``.

Authorization states (``contracts/schemas/authorization.schema.json``, the schema page's enum): the mock
uses ``PENDING_REVIEW`` (manual approval required) -> ``READY`` (redeemable) | ``VOIDED``; ``READY`` ->
``PARTIALLY_CLAIMED`` -> ``CLAIMED`` -> ``PAID``; ``READY`` -> ``VOIDED`` (by the provider, the sponsor,
or on expiry at ``expires_at``); a voided claim gives its units back (``CLAIMED`` | ``PARTIALLY_CLAIMED``
-> ``PARTIALLY_CLAIMED`` | ``READY``, inferred). ``CREATED``, ``ERROR`` and ``REQUEST_IN_PROGRESS`` are OSIGU's and
never reached here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mock_server.core.states import StateMachine
from mock_server.domain.doctor import Doctor
from mock_server.domain.reference import Behaviour, PaymentType, ProductType

__all__ = [
    "AUTHORIZATION_STATES",
    "REQUEST_STATES",
    "Authorization",
    "AuthorizationLine",
    "AuthorizationRequest",
    "AuthorizationStatus",
    "AuthorizationType",
    "Decision",
    "DiagnosisLine",
    "Document",
    "DocumentType",
    "Forced",
    "ForcedOutcome",
    "LineDecision",
    "LineStatus",
    "RequestDetails",
    "RequestLine",
    "RequestStatus",
    "VoidedBy",
]


class RequestStatus(StrEnum):
    PENDING_INDICATION = "PENDING_INDICATION"
    PENDING_SPONSOR = "PENDING_SPONSOR"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"


class AuthorizationStatus(StrEnum):
    PENDING_REVIEW = "PENDING_REVIEW"
    CREATED = "CREATED"
    READY = "READY"
    PARTIALLY_CLAIMED = "PARTIALLY_CLAIMED"
    CLAIMED = "CLAIMED"
    VOIDED = "VOIDED"
    PAID = "PAID"
    ERROR = "ERROR"
    REQUEST_IN_PROGRESS = "REQUEST_IN_PROGRESS"


class LineDecision(StrEnum):
    """The sponsor's decision on a requested line or diagnosis (``REJECTED`` comes with a reason)."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    MANUAL_APPROVAL_REQUIRED = "MANUAL_APPROVAL_REQUIRED"


class LineStatus(StrEnum):
    """An authorization line's status: its decision, or the claimed statuses a sponsor update may set
    (``contracts/schemas/modified-product.schema.json``)."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    MANUAL_APPROVAL_REQUIRED = "MANUAL_APPROVAL_REQUIRED"
    PARTIALLY_CLAIMED = "PARTIALLY_CLAIMED"
    CLAIMED = "CLAIMED"


class VoidedBy(StrEnum):
    PROVIDER = "PROVIDER"
    SPONSOR = "SPONSOR"
    EXPIRY = "EXPIRY"


class DocumentType(StrEnum):
    MEDICAL_INDICATION = "MEDICAL_INDICATION"
    LAB_ORDER = "LAB_ORDER"
    CLINICAL_HISTORY = "CLINICAL_HISTORY"
    PRESCRIPTION = "PRESCRIPTION"
    OTHER = "OTHER"


class AuthorizationType(StrEnum):
    PRESCRIPTION = "PRESCRIPTION"
    MEDICAL_INDICATION = "MEDICAL_INDICATION"
    LAB_ORDER = "LAB_ORDER"
    PROCEDURE = "PROCEDURE"


class Decision(StrEnum):
    """The sponsor's decision on what it had pending (``POST /__admin/authorization-requests/{id}/decision``)."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ForcedOutcome(StrEnum):
    """A one-shot outcome forced on a beneficiary's next pre-authorization (``/__admin/.../next-outcome``)."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    MANUAL_REVIEW = "MANUAL_REVIEW"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"

    @property
    def behaviour(self) -> Behaviour:
        """The persona behaviour this outcome stands for (one vocabulary inside the domain)."""
        return _FORCED_BEHAVIOUR[self]


_FORCED_BEHAVIOUR = {
    ForcedOutcome.APPROVED: Behaviour.APPROVED,
    ForcedOutcome.REJECTED: Behaviour.REJECTED,
    ForcedOutcome.MANUAL_REVIEW: Behaviour.MANUAL_REVIEW,
    ForcedOutcome.PARTIALLY_APPROVED: Behaviour.PARTIAL_APPROVAL,
}


@dataclass(frozen=True, slots=True)
class Forced:
    """An outcome forced on an evaluation: by ``/__admin/.../next-outcome`` or by a sponsor's decision."""

    outcome: ForcedOutcome
    reason: str | None = None

    def as_payload(self) -> dict[str, str | None]:
        return {"outcome": self.outcome.value, "reason": self.reason}

    @classmethod
    def from_payload(cls, payload: dict[str, str | None] | None) -> Forced | None:
        return None if not payload else cls(ForcedOutcome(payload["outcome"]), payload.get("reason"))


_DECIDED = (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.PARTIALLY_APPROVED)
REQUEST_STATES = StateMachine(
    "authorization request",
    RequestStatus,
    {
        RequestStatus.PENDING_INDICATION: {RequestStatus.PENDING_SPONSOR, *_DECIDED},
        RequestStatus.PENDING_SPONSOR: set(_DECIDED),
    },
)

_A = AuthorizationStatus
AUTHORIZATION_STATES = StateMachine(
    "authorization",
    AuthorizationStatus,
    {
        _A.PENDING_REVIEW: {_A.READY, _A.VOIDED},
        _A.READY: {_A.PARTIALLY_CLAIMED, _A.CLAIMED, _A.VOIDED},
        # a voided claim gives its units back (inferred): back to PARTIALLY_CLAIMED or READY
        _A.PARTIALLY_CLAIMED: {_A.PARTIALLY_CLAIMED, _A.CLAIMED, _A.READY},
        _A.CLAIMED: {_A.PAID, _A.PARTIALLY_CLAIMED, _A.READY},
    },
)
# Statuses a provider may void (and expiry voids); statuses that count as claimed.
VOIDABLE = (_A.READY, _A.PENDING_REVIEW)
CLAIMED = (_A.PARTIALLY_CLAIMED, _A.CLAIMED, _A.PAID)


@dataclass(slots=True)
class RequestLine:
    line_id: int
    product_id: int
    product_code: str
    product_name: str
    product_type: ProductType
    quantity: int
    posology: str | None = None
    treatment_duration_days: int | None = None
    status: LineDecision | None = None  # once evaluated
    reason: str | None = None
    authorization_id: int | None = None


@dataclass(slots=True)
class DiagnosisLine:
    id: int
    coding_system: str
    code: str
    type: str | None = None
    status: LineDecision | None = None
    reason: str | None = None


@dataclass(slots=True)
class RequestDetails:
    """The optional fields of a request that some sponsors require (their configuration says which)."""

    provider_branch_id: int | None = None
    service_type_code: str | None = None
    authorization_type: AuthorizationType | None = None
    professional_license_number: str | None = None
    beneficiary_email: str | None = None
    beneficiary_phone_number: str | None = None
    provider_notification_email: str | None = None


@dataclass(slots=True)
class Document:
    id: int
    document_type: DocumentType
    file_name: str
    content_type: str
    size: int
    sha256: str
    created_at: float


@dataclass(slots=True)
class AuthorizationRequest:
    id: int
    provider_slug: str
    client_id: str
    beneficiary_id: int
    sponsor_slug: str
    status: RequestStatus
    diagnoses: list[DiagnosisLine]
    lines: list[RequestLine]
    doctor: Doctor
    details: RequestDetails
    created_at: float
    updated_at: float
    documents: list[Document] = field(default_factory=list)
    authorization_ids: list[int] = field(default_factory=list)
    completed_at: float | None = None
    decision_timer_id: str | None = None
    rejection_reason: str | None = None


@dataclass(slots=True)
class AuthorizationLine:
    id: int
    product_id: int
    product_code: str
    product_name: str
    product_type: ProductType
    quantity: int
    authorized_quantity: int
    claimed_quantity: int
    status: LineStatus
    reason: str | None
    posology: str | None
    treatment_duration_days: int | None


@dataclass(slots=True)
class Authorization:
    id: int
    code: str
    authorization_request_id: int
    provider_slug: str
    beneficiary_id: int
    sponsor_slug: str
    sponsor_authorization_code: str
    product_type: ProductType
    coverage_type: str
    payment_type: PaymentType
    status: AuthorizationStatus
    manual_review_required: bool
    manually_approved: bool
    lines: list[AuthorizationLine]
    doctor: Doctor
    created_at: float
    updated_at: float
    expires_at: float
    usage_period: str
    expiry_timer_id: str | None = None
    voided_by: VoidedBy | None = None
    void_reason: str | None = None
    sponsor_notes: str | None = None
    locked_by: int | None = None  # the STARTED dispensation holding the code

    @property
    def remaining_quantity(self) -> int:
        return sum(line.authorized_quantity - line.claimed_quantity for line in self.lines)
