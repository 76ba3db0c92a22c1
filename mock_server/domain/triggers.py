"""``POST /__admin/events`` without ``data``: run the real flow that emits the event, as the provider that is to
receive it, on the seeded personas (like Stripe's ``trigger``), so every id in the payload exists and that
provider can fetch it (``contracts/openapi.yaml``, triggerEvent). With ``data`` the event is sent as given and
nothing is created.

The provider acts in every role the flow needs: it pre-authorizes (the approved persona of the world's first
approving sponsor, the guides' MARIA GONZALEZ), it dispenses its own code, it issues the prescription, it
settles its own claims. Each flow goes through the areas' own operations, the same ones the routes call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.events import Event
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.dispensing import Dispensing
from mock_server.domain.events import EVENT_TYPES, EventType
from mock_server.domain.ledger import Ledger
from mock_server.domain.patients import Patients
from mock_server.domain.prescriptions import Prescriptions
from mock_server.domain.prescriptions.records import Version
from mock_server.domain.reference import Behaviour
from mock_server.domain.settlements import Settlements
from mock_server.domain.tokens import Principal
from mock_server.domain.verification import Verification

__all__ = ["trigger"]

PRODUCT = "MED-042"  # the guides' medication, registered by every demo provider (README "The seeded world")
ALL_SCOPES = frozenset({"arc:read", "arc:write", "dispensing:read", "dispensing:write", "ehr:read", "ehr:write"})
INDICATION = b"%PDF-1.4\n% a medical indication attached by a triggered flow\n%%EOF\n"
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
    if data is not None:
        return ledger.emit(kind, provider_slug, data)
    last = None
    for last in ledger.events:  # noqa: B007 (the newest event before the flow runs)
        pass
    FLOWS[kind](_Flow(ledger, provider_slug))
    emitted = _since(ledger, last)
    for event in reversed(emitted):
        if event.event_type == kind and event.provider_slug == provider_slug:
            return event
    raise AssertionError(f"the {kind} flow emitted no {kind} for {provider_slug}")  # pragma: no cover


def _since(ledger: Ledger, last: Event | None) -> list[Event]:
    events = list(ledger.events)
    if last is None:
        return events
    for index in range(len(events) - 1, -1, -1):
        if events[index] is last:
            return events[index + 1 :]
    return events


@dataclass
class _Flow:
    """The provider's side of each flow, through the areas' operations."""

    ledger: Ledger
    provider_slug: str

    @property
    def principal(self) -> Principal:
        return Principal(self.provider_slug, "osigu-mock-trigger", ALL_SCOPES, "")

    def persona(self, behaviour: Behaviour, *, settles: bool = False):
        world = self.ledger.world
        for persona in world.personas:
            sponsor = world.sponsors[persona.sponsor_slug]
            if persona.behaviour == behaviour and (not settles or sponsor.settlement_batches):
                return persona
        raise ApiError("MOCK-422-validation-failed", errors=[FieldError("event_type", f"no {behaviour} persona")])

    def otp_token(self, persona) -> str:
        verification = self.ledger.area(Verification)
        sent = verification.generate(persona.beneficiary_id, persona.sponsor_slug, "SMS")
        return verification.validate(sent["otp_id"], self.ledger.world.otp_code)["otp_verification_token"]

    def authorize(self, behaviour: Behaviour = Behaviour.APPROVED, *, settles: bool = False):
        """Initiate (the guide's body), attach an indication, complete; the request."""
        persona = self.persona(behaviour, settles=settles)
        authz = self.ledger.area(Authorizations)
        body = {
            "beneficiary_id": persona.beneficiary_id,
            "sponsor_slug": persona.sponsor_slug,
            "diagnosis_code": "R51",
            "products": [{"product_code": PRODUCT, "product_type": "DRUG", "quantity": 30, "posology": "1c/8h"}],
        }
        request, _ = authz.initiate(self.principal, body, strict=False)
        authz.attach_indication(self.provider_slug, request.id, "MEDICAL_INDICATION", "indicacion.pdf", INDICATION)
        needs_otp = self.ledger.world.sponsors[persona.sponsor_slug].settlement_batches or behaviour == Behaviour.OTP
        extra = {"otp_verification_token": self.otp_token(persona)} if needs_otp else {}
        return authz.complete(self.provider_slug, request.id, extra), persona

    def authorization(self, **options):
        request, persona = self.authorize(**options)
        authz = self.ledger.area(Authorizations)
        return authz.authorization_of(self.provider_slug, request.authorization_ids[0]), persona

    def start(self, code: str):
        return self.ledger.area(Dispensing).start(self.principal, {"code": code})

    def dispense(self, code: str, verification: dict[str, Any] | None = None):
        dispensing = self.ledger.area(Dispensing)
        started = self.start(code)
        invoice = {
            "amount": dispensing.view(started)["amount"],
            "document_number": f"FAC-{started.dispensation_id}",
            "document_date": self.ledger.clock.iso(),
            **(verification or {}),
        }
        return dispensing.complete(self.provider_slug, started.dispensation_id, invoice)

    def prescription(self):
        persona = self.persona(Behaviour.APPROVED)
        beneficiary = self.ledger.world.beneficiary(persona.beneficiary_id)
        patients = self.ledger.area(Patients).find(beneficiary.document_number, beneficiary.document_type)
        body = {
            "patient_id": patients[0]["patient_id"],
            "doctor": {"name": "Dra. Ana Gómez", "medical_license_number": "MP-12345", "country_code": "CO"},
            "diagnoses": [{"diagnosis_code": "R51"}],
            "medications": [{"product_code": PRODUCT, "quantity": 30, "posology": "1c/8h", "duration_days": 10}],
        }
        return self.ledger.area(Prescriptions).issue(self.principal, Version.V1, body)

    def settle(self, outcome: str, claims: int = 1) -> None:
        """Redeem ``claims`` authorizations on a batch sponsor, batch them, submit, and decide."""
        settlements = self.ledger.area(Settlements)
        authorization_ids, claim_ids, sponsor = [], [], None
        for _ in range(claims):
            authorization, persona = self.authorization(behaviour=Behaviour.OTP, settles=True)
            done = self.dispense(authorization.code, {"otp_verification_token": self.otp_token(persona)})
            authorization_ids.append(authorization.id)
            claim_ids.append(done.claim_id)
            sponsor = persona.sponsor_slug
        batch = settlements.start(self.provider_slug, sponsor, self.ledger.clock.iso()[:7])
        batch = settlements.attach(self.provider_slug, batch.id, authorization_ids)
        invoice = {
            "invoice_number": f"B01{batch.id:08d}",
            "invoice_date": self.ledger.clock.iso(),
            "invoice_amount": settlements.total(batch),
        }
        settlements.complete(self.provider_slug, batch.id, invoice)
        rejected = claim_ids[1:] if outcome == "PARTIALLY_ACCEPTED" else None
        settlements.decide(batch.id, outcome, rejected, None)


def _created(flow: _Flow) -> None:
    flow.authorization()


def _rejected(flow: _Flow) -> None:
    flow.authorize(Behaviour.REJECTED)


def _updated(flow: _Flow) -> None:
    authorization, _ = flow.authorization()
    later = flow.ledger.clock.timestamp() + 45 * DAY
    flow.ledger.area(Authorizations).sponsor_update(authorization.id, {"expires_at": _iso(flow, later)})


def _voided(flow: _Flow) -> None:
    authorization, _ = flow.authorization()
    flow.ledger.area(Authorizations).void(flow.provider_slug, authorization.id, "Anulada por el prestador.")


def _started(flow: _Flow) -> None:
    authorization, _ = flow.authorization()
    flow.start(authorization.code)


def _completed(flow: _Flow) -> None:
    authorization, _ = flow.authorization()
    flow.dispense(authorization.code)


def _cancelled(flow: _Flow) -> None:
    authorization, _ = flow.authorization()
    started = flow.start(authorization.code)
    flow.ledger.area(Dispensing).cancel(flow.provider_slug, started.dispensation_id)


def _issued(flow: _Flow) -> None:
    flow.prescription()


def _emailed(address: str | None) -> Callable[[_Flow], None]:
    def email(flow: _Flow) -> None:
        prescription = flow.prescription()
        flow.ledger.area(Prescriptions).email(flow.provider_slug, prescription.id, address)

    return email


def _iso(flow: _Flow, timestamp: float) -> str:
    return format_instant(timestamp)


FLOWS: dict[EventType, Callable[[_Flow], None]] = {
    EventType.AUTHORIZATION_CREATED: _created,
    EventType.AUTHORIZATION_REJECTED: _rejected,
    EventType.AUTHORIZATION_UPDATED: _updated,
    EventType.AUTHORIZATION_VOIDED: _voided,
    EventType.DISPENSING_STARTED: _started,
    EventType.DISPENSING_COMPLETED: _completed,
    EventType.DISPENSING_CANCELLED: _cancelled,
    EventType.PRESCRIPTION_ISSUED: _issued,
    EventType.PRESCRIPTION_EMAIL_DELIVERED: _emailed(None),
    EventType.PRESCRIPTION_EMAIL_FAILED: _emailed("patient@mailbox.invalid"),
    EventType.SETTLEMENT_PAID: lambda flow: flow.settle("ACCEPTED"),
    EventType.SETTLEMENT_REJECTED: lambda flow: flow.settle("REJECTED"),
    EventType.SETTLEMENT_PARTIALLY_ACCEPTED: lambda flow: flow.settle("PARTIALLY_ACCEPTED", claims=2),
}
