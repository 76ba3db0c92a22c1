"""Prescription records, their statuses and the legal transitions between them
(``contracts/schemas/prescription.schema.json``).

Prescription statuses (inferred): ``ISSUED`` -> ``PARTIALLY_DISPENSED`` -> ``DISPENSED``; ``ISSUED`` ->
``VOIDED`` (only before any dispensing); ``ISSUED`` | ``PARTIALLY_DISPENSED`` -> ``EXPIRED`` when nothing
is left to dispense at expiry.

Item statuses (the schema page's prescription item enum): ``DISPENSABLE`` -> ``LOCKED`` (a dispensation
is STARTED) -> ``DISPENSED`` | ``PARTIALLY_DISPENSED`` | ``SUBSTITUTED`` | ``PARTIALLY_SUBSTITUTED``, or
back to what it was when the dispensation is cancelled; what is still redeemable -> ``EXPIRED`` at
expiry. ``PENDING_VISA``, ``VISA_REJECTED``, ``MASTER_FORMULA_ON_GOING`` and ``SUSPENDED`` are OSIGU's
and never reached here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mock_server.core.states import StateMachine
from mock_server.domain.doctor import Doctor

__all__ = [
    "ITEM_STATES",
    "PRESCRIPTION_STATES",
    "Consent",
    "ConsentMethod",
    "DispensationLog",
    "EmailStatus",
    "ItemStatus",
    "Prescription",
    "PrescriptionDiagnosis",
    "PrescriptionItem",
    "PrescriptionStatus",
    "RepositoryRegistration",
    "Version",
]


class Version(StrEnum):
    V1 = "v1"
    V1_1 = "v1.1"
    V2 = "v2"


class PrescriptionStatus(StrEnum):
    ISSUED = "ISSUED"
    PARTIALLY_DISPENSED = "PARTIALLY_DISPENSED"
    DISPENSED = "DISPENSED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class ItemStatus(StrEnum):
    DISPENSABLE = "DISPENSABLE"
    LOCKED = "LOCKED"
    DISPENSED = "DISPENSED"
    SUBSTITUTED = "SUBSTITUTED"
    EXPIRED = "EXPIRED"
    PENDING_VISA = "PENDING_VISA"
    VISA_REJECTED = "VISA_REJECTED"
    PARTIALLY_DISPENSED = "PARTIALLY_DISPENSED"
    MASTER_FORMULA_ON_GOING = "MASTER_FORMULA_ON_GOING"
    PARTIALLY_SUBSTITUTED = "PARTIALLY_SUBSTITUTED"
    SUSPENDED = "SUSPENDED"


class EmailStatus(StrEnum):
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class ConsentMethod(StrEnum):
    VERBAL = "VERBAL"
    WRITTEN = "WRITTEN"
    DIGITAL = "DIGITAL"


_P = PrescriptionStatus
PRESCRIPTION_STATES = StateMachine(
    "prescription",
    PrescriptionStatus,
    {
        _P.ISSUED: {_P.PARTIALLY_DISPENSED, _P.DISPENSED, _P.VOIDED, _P.EXPIRED},
        _P.PARTIALLY_DISPENSED: {_P.DISPENSED, _P.EXPIRED},
    },
)

_I = ItemStatus
# Item statuses a pharmacy may still redeem; statuses that are done.
REDEEMABLE = (_I.DISPENSABLE, _I.PARTIALLY_DISPENSED, _I.PARTIALLY_SUBSTITUTED)
DONE = (_I.DISPENSED, _I.SUBSTITUTED)
ITEM_STATES = StateMachine(
    "prescription item",
    ItemStatus,
    {
        **{status: {_I.LOCKED, _I.EXPIRED} for status in REDEEMABLE},
        _I.LOCKED: {*REDEEMABLE, *DONE},
    },
)


@dataclass(slots=True)
class PrescriptionItem:
    id: int
    product_id: int
    product_code: str
    product_name: str
    quantity: int
    posology: str | None
    duration_days: int | None
    status: ItemStatus = ItemStatus.DISPENSABLE
    dispensed_quantity: int = 0
    substitute_product_code: str | None = None
    locked_by: int | None = None  # the STARTED dispensation holding the item
    status_before_lock: ItemStatus | None = None


@dataclass(slots=True)
class Consent:
    """The patient's consent to process their data (v1.1 on; inferred names)."""

    accepted: bool
    accepted_at: str
    method: ConsentMethod


@dataclass(slots=True)
class RepositoryRegistration:
    """Where Spain's national repository filed a v2 prescription."""

    repository: str
    registration_id: str
    registered_at: str
    signed_at: str | None


@dataclass(slots=True)
class DispensationLog:
    item_id: int
    dispensation_id: int
    status: ItemStatus
    quantity: int
    substitute_product_code: str | None
    at: str


@dataclass(slots=True)
class Prescription:
    id: int
    code: str
    version: Version
    provider_slug: str
    patient_id: int
    doctor: Doctor
    diagnoses: list[PrescriptionDiagnosis]
    items: list[PrescriptionItem]
    created_at: float
    expires_at: float
    status: PrescriptionStatus = PrescriptionStatus.ISSUED
    consent: Consent | None = None
    signature_hash: str | None = None
    signed_document_id: str | None = None
    repository_registration: RepositoryRegistration | None = None
    expiry_timer_id: str | None = None
    dispensation_logs: list[DispensationLog] = field(default_factory=list)


@dataclass(slots=True)
class PrescriptionDiagnosis:
    id: int
    code: str
    coding_system: str = "ICD-10"
    status: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class PatientLink:
    """A patient-facing page of one prescription (the prescription widget's ``LINK`` delivery; *inferred*)."""

    link_id: str
    prescription_id: int
    created_at: float
