"""``POST /__admin/events``: any documented event for a provider, with a realistic ``data`` when the
caller gives none (``contracts/schemas/admin-event-request.schema.json``).

Each sample is built by the same payload builder the real flow uses, from records drawn on the seeded
world (the documentation's MARIA GONZALEZ and ``MED-042``), so a triggered event has exactly the shape
of a real one. The records are not stored: their ids are drawn from the tenant's sequences so they
look real, but they cannot be fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.core.events import Event
from mock_server.domain import settlements
from mock_server.domain.authorizations import payloads as authorization_payloads
from mock_server.domain.authorizations.records import (
    Authorization,
    AuthorizationLine,
    AuthorizationStatus,
    LineStatus,
    VoidedBy,
)
from mock_server.domain.codes import CodeType
from mock_server.domain.dispensing import payloads as dispensing
from mock_server.domain.doctor import Doctor
from mock_server.domain.events import EVENT_TYPES, EventType
from mock_server.domain.ledger import Ledger
from mock_server.domain.patients import Patient
from mock_server.domain.prescriptions import payloads as prescription_payloads
from mock_server.domain.prescriptions.records import Prescription, PrescriptionDiagnosis, PrescriptionItem, Version
from mock_server.domain.reference import Behaviour, PaymentType, ProductType

__all__ = ["trigger"]

DAY = 86400


def trigger(ledger: Ledger, event_type: str, provider_slug: str, data: dict[str, Any] | None) -> Event:
    problems = []
    if event_type not in EVENT_TYPES:
        problems.append(FieldError("event_type", "must be one of " + ", ".join(EVENT_TYPES)))
    if ledger.world.provider(provider_slug) is None:
        problems.append(FieldError("provider_slug", f"no provider {provider_slug!r}"))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    kind = EventType(event_type)
    payload = data if data is not None else SAMPLES[kind](_Sample.of(ledger, provider_slug))
    return ledger.emit(kind, provider_slug, payload)


@dataclass
class _Sample:
    """What every sample draws on: the tenant, the provider, MARIA GONZALEZ and MED-042."""

    ledger: Ledger
    provider_slug: str

    @classmethod
    def of(cls, ledger: Ledger, provider_slug: str) -> _Sample:
        return cls(ledger, provider_slug)

    @property
    def now(self) -> float:
        return self.ledger.clock.timestamp()

    @property
    def maria(self):
        world = self.ledger.world
        persona = next(p for p in world.personas if p.behaviour == Behaviour.APPROVED)
        return world.beneficiary(persona.beneficiary_id)

    @property
    def product(self):
        return self.ledger.world.product("MED-042")

    def authorization(self, status: AuthorizationStatus = AuthorizationStatus.READY) -> Authorization:
        ids, maria, product = self.ledger.ids, self.maria, self.product
        authorization_id = ids.next_id("authorization")
        line = AuthorizationLine(
            ids.next_id("authorization_product"),
            product.product_id,
            product.product_code,
            product.name,
            ProductType.DRUG,
            30,
            30,
            0,
            LineStatus.APPROVED,
            None,
            "1c/8h",
            10,
        )
        return Authorization(
            id=authorization_id,
            code=ids.authorization_code(),
            authorization_request_id=ids.next_id("authorization_request"),
            provider_slug=self.provider_slug,
            beneficiary_id=maria.beneficiary_id,
            sponsor_slug=maria.sponsor_slug,
            sponsor_authorization_code=f"SPX-{authorization_id}",
            product_type=ProductType.DRUG,
            coverage_type="PRESCRIPTION_DRUGS",
            payment_type=PaymentType.DIRECT_PAYMENT,
            status=status,
            manual_review_required=False,
            manually_approved=False,
            lines=[line],
            doctor=Doctor("Dra. Ana Pérez", "MP-12345", "CO"),
            created_at=self.now,
            updated_at=self.now,
            expires_at=self.now + 30 * DAY,
            usage_period="",
        )

    def prescription(self) -> tuple[Prescription, Patient]:
        ids, maria, product = self.ledger.ids, self.maria, self.product
        prescription = Prescription(
            id=ids.next_id("prescription"),
            code=ids.prescription_code(),
            version=Version.V1,
            provider_slug=self.provider_slug,
            patient_id=ids.next_id("patient"),
            doctor=Doctor("Dra. Ana Pérez", "MP-12345", "CO"),
            diagnoses=[PrescriptionDiagnosis(ids.next_id("diagnosis"), "R51")],
            items=[
                PrescriptionItem(
                    ids.next_id("prescription_item"),
                    product.product_id,
                    product.product_code,
                    product.name,
                    30,
                    "1c/8h",
                    10,
                )
            ],
            created_at=self.now,
            expires_at=self.now + 30 * DAY,
        )
        patient = Patient(
            prescription.patient_id,
            maria.first_name,
            maria.last_name,
            maria.document_type,
            maria.document_number,
            maria.date_of_birth,
            maria.email,
            maria.phone,
            maria.sex,
            None,
            self.now,
            False,
        )
        return prescription, patient

    def dispensation(self, authorization: Authorization | None = None) -> dict[str, Any]:
        """The header every dispensing.* event carries, for a dispensation of an authorization's code."""
        provider = self.ledger.world.provider(self.provider_slug)
        authorization = authorization or self.authorization()
        return {
            "dispensation_id": self.ledger.ids.next_id("dispensation"),
            "code": authorization.code,
            "code_type": CodeType.AUTHORIZATION,
            "beneficiary_id": authorization.beneficiary_id,
            "sponsor_slug": authorization.sponsor_slug,
            "provider_slug": self.provider_slug,
            "branch_id": provider.branches[0].branch_id if provider.branches else None,
        }

    def batch(self) -> dict[str, Any]:
        """A settlement batch of the sponsor that allows them."""
        world = self.ledger.world
        sponsor = next(s for s in world.sponsors.values() if s.settlement_batches)
        return {
            "settlement_id": self.ledger.ids.next_id("settlement"),
            "sponsor_slug": sponsor.sponsor_slug,
            "period": self.ledger.clock.iso()[:7],
            "currency_code": sponsor.currency_code,
            "total_amount": 15230.0,
            "invoice_number": "B0100000042",
            "claim_ids": [self.ledger.ids.next_id("claim"), self.ledger.ids.next_id("claim")],
        }


def _partially_accepted(sample: _Sample) -> dict[str, Any]:
    batch = sample.batch()
    return settlements.partially_accepted_payload(
        12000.0, batch["claim_ids"][1:], "Medicamento no cubierto por el plan.", sample.now, **batch
    )


def _authorization_rejected(sample: _Sample) -> dict[str, Any]:
    authorization = sample.authorization()
    return authorization_payloads.rejected(
        request_id=authorization.authorization_request_id,
        beneficiary_id=authorization.beneficiary_id,
        sponsor_slug=authorization.sponsor_slug,
        product_type=authorization.product_type,
        reason="Tratamiento no cubierto por el plan.",
    )


def _authorization_updated(sample: _Sample) -> dict[str, Any]:
    authorization = sample.authorization()
    authorization.expires_at = sample.now + 45 * DAY
    line = authorization.lines[0]
    line.quantity = line.authorized_quantity = 20
    change = {"authorization_product_id": line.id, "new_quantity": 20, "new_status": LineStatus.APPROVED}
    return authorization_payloads.updated(authorization, [(line, change)])


def _authorization_voided(sample: _Sample) -> dict[str, Any]:
    authorization = sample.authorization(AuthorizationStatus.VOIDED)
    authorization.voided_by, authorization.void_reason = VoidedBy.PROVIDER, "Anulada por el prestador."
    return authorization_payloads.voided(authorization)


def _dispensing_completed(sample: _Sample) -> dict[str, Any]:
    authorization = sample.authorization()
    header = sample.dispensation(authorization)
    sponsor = sample.ledger.world.sponsors[header["sponsor_slug"]]
    product = sample.product
    line = {"product_code": product.product_code, "quantity": 30, "unit_price": product.price(sponsor.currency_code)}
    return dispensing.completed_payload(
        authorization_id=authorization.id,
        prescription_id=None,
        products=[line],
        total_amount=round(line["unit_price"] * line["quantity"], 2),
        currency_code=sponsor.currency_code,
        at=sample.now,
        **header,
    )


def _email_delivered(sample: _Sample) -> dict[str, Any]:
    prescription, patient = sample.prescription()
    return prescription_payloads.email_delivered(prescription, patient.email, sample.now)


def _email_failed(sample: _Sample) -> dict[str, Any]:
    prescription, _ = sample.prescription()
    return prescription_payloads.email_failed(prescription, "patient@mailbox.invalid", sample.now)


SAMPLES: dict[EventType, Callable[[_Sample], dict[str, Any]]] = {
    EventType.AUTHORIZATION_CREATED: lambda s: authorization_payloads.created(s.authorization()),
    EventType.AUTHORIZATION_REJECTED: _authorization_rejected,
    EventType.AUTHORIZATION_UPDATED: _authorization_updated,
    EventType.AUTHORIZATION_VOIDED: _authorization_voided,
    EventType.DISPENSING_STARTED: lambda s: dispensing.started_payload(
        [{"product_code": s.product.product_code, "quantity": 30}], s.now, **s.dispensation()
    ),
    EventType.DISPENSING_COMPLETED: _dispensing_completed,
    EventType.DISPENSING_CANCELLED: lambda s: dispensing.cancelled_payload(
        dispensing.CancellationReason.PHARMACY, s.now, **s.dispensation()
    ),
    EventType.PRESCRIPTION_ISSUED: lambda s: prescription_payloads.issued(*s.prescription()),
    EventType.PRESCRIPTION_EMAIL_DELIVERED: _email_delivered,
    EventType.PRESCRIPTION_EMAIL_FAILED: _email_failed,
    EventType.SETTLEMENT_PAID: lambda s: settlements.paid_payload(15230.0, s.now, **s.batch()),
    EventType.SETTLEMENT_REJECTED: lambda s: settlements.rejected_payload("Factura ilegible.", s.now, **s.batch()),
    EventType.SETTLEMENT_PARTIALLY_ACCEPTED: _partially_accepted,
}
