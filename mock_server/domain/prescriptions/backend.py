"""The ePrescription area: one tenant's prescriptions (``contracts/openapi.yaml``, tag ``ehr``).

A prescription gets a 12-digit ``code`` (unique among every authorization and prescription code), lives
30 days on the mock clock (inferred), and may be e-mailed to the patient or voided before any
dispensing. The rules live in ``issuing`` (the versions), ``redemption`` (dispensing and expiry) and
``views``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.codes import Codes, CodeType
from mock_server.domain.events import EventType
from mock_server.domain.ledger import Area, TimerHandler
from mock_server.domain.outbox import Outbox, OutboxKind
from mock_server.domain.patients import Patients
from mock_server.domain.prescriptions import issuing, payloads, redemption, views
from mock_server.domain.prescriptions.records import (
    PRESCRIPTION_STATES,
    EmailStatus,
    ItemStatus,
    PatientLink,
    Prescription,
    PrescriptionStatus,
    Version,
)
from mock_server.domain.tokens import Principal

__all__ = ["Prescriptions"]


class Prescriptions(Area):
    name = "prescriptions"
    tables = {
        "prescriptions": ("prescriptions", Prescription, "id"),
        "patient_links": ("patient_links", PatientLink, "link_id"),
    }

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.prescriptions: dict[int, Prescription] = {}
        self.patient_links: dict[str, PatientLink] = {}

    def timers(self) -> Mapping[str, TimerHandler]:
        return {redemption.EXPIRE: lambda payload: redemption.expire(self, payload)}

    def prescription_of(self, provider_slug: str | None, prescription_id: int) -> Prescription:
        """The prescription, if this provider issued it (None: the admin plane sees them all)."""
        prescription = self.prescriptions.get(prescription_id)
        if prescription is None or (provider_slug is not None and prescription.provider_slug != provider_slug):
            raise ApiError("MOCK-404-prescription-not-found", f"No prescription {prescription_id}.")
        return prescription

    # -- operations -----------------------------------------------------------------------------
    def issue(self, principal: Principal, version: Version, body: dict[str, Any]) -> Prescription:
        prescription = issuing.issue(self, principal, version, body)
        self.prescriptions[prescription.id] = prescription
        self.ledger.area(Codes).register(prescription.code, CodeType.PRESCRIPTION, prescription.id)
        timer = self.ledger.schedule(
            prescription.expires_at,
            redemption.EXPIRE,
            {"prescription_id": prescription.id},
            f"prescription {prescription.code} expires",
        )
        prescription.expiry_timer_id = timer.id
        patient = self.ledger.area(Patients).patients[prescription.patient_id]
        self.ledger.emit(
            EventType.PRESCRIPTION_ISSUED, prescription.provider_slug, payloads.issued(prescription, patient)
        )
        return prescription

    def email(self, provider_slug: str, prescription_id: int, address: str | None) -> dict[str, Any]:
        """Send the prescription to the patient: an EMAIL in the outbox, and ``prescription.email_delivered``
        (or ``prescription.email_failed`` for an address in the ``.invalid`` top-level domain)."""
        prescription = self.prescription_of(provider_slug, prescription_id)
        if prescription.status == PrescriptionStatus.VOIDED:
            raise ApiError("MOCK-422-prescription-voided", f"Prescription {prescription.code} is VOIDED.")
        patient = self.ledger.area(Patients).patients[prescription.patient_id]
        to = (address or patient.email or "").strip()
        if not to:
            raise ApiError(
                "MOCK-422-validation-failed",
                errors=[FieldError("email", "is required: the patient has no e-mail address")],
            )
        medicines = "\n".join(f"- {i.product_name} x{i.quantity}: {i.posology or ''}" for i in prescription.items)
        message = self.ledger.area(Outbox).send(
            OutboxKind.EMAIL,
            to,
            f"Hola {patient.first_name}, su receta electrónica {prescription.code}:\n{medicines}\n"
            f"Preséntela en su farmacia antes del {format_instant(prescription.expires_at)[:10]}.",
            subject=f"Su receta electrónica {prescription.code}",
        )
        at = self.clock.timestamp()
        failed = to.lower().rsplit("@", 1)[-1].endswith(".invalid")
        if failed:
            data = payloads.email_failed(prescription, to, at)
            self.ledger.emit(EventType.PRESCRIPTION_EMAIL_FAILED, prescription.provider_slug, data)
        else:
            data = payloads.email_delivered(prescription, to, at)
            self.ledger.emit(EventType.PRESCRIPTION_EMAIL_DELIVERED, prescription.provider_slug, data)
        return {
            "prescription_id": prescription.id,
            "prescription_code": prescription.code,
            "email": to,
            "status": EmailStatus.FAILED if failed else EmailStatus.DELIVERED,
            "outbox_id": message.id,
            "sent_at": format_instant(at),
        }

    def share_link(self, provider_slug: str, prescription_id: int) -> PatientLink:
        """A page the patient can open without credentials (the widget's ``LINK`` delivery): one per
        prescription, the same on every call."""
        prescription = self.prescription_of(provider_slug, prescription_id)
        if prescription.status == PrescriptionStatus.VOIDED:
            raise ApiError("MOCK-422-prescription-voided", f"Prescription {prescription.code} is VOIDED.")
        for link in self.patient_links.values():
            if link.prescription_id == prescription.id:
                return link
        link = PatientLink(self.ids.opaque("rxl"), prescription.id, self.clock.timestamp())
        self.patient_links[link.link_id] = link
        return link

    def linked(self, link_id: str) -> dict[str, Any] | None:
        """What the patient's page shows: the prescription as its provider reads it, or None."""
        link = self.patient_links.get(link_id)
        return None if link is None else self.view(self.prescriptions[link.prescription_id])

    def void(self, provider_slug: str, prescription_id: int) -> Prescription:
        prescription = self.prescription_of(provider_slug, prescription_id)
        if prescription.status in (PrescriptionStatus.VOIDED, PrescriptionStatus.EXPIRED):
            raise ApiError(
                "MOCK-422-prescription-not-voidable", f"Prescription {prescription.code} is {prescription.status}."
            )
        if any(item.status != ItemStatus.DISPENSABLE for item in prescription.items):
            raise ApiError(
                "MOCK-422-prescription-not-voidable",
                f"Prescription {prescription.code} is being or has been dispensed.",
            )
        PRESCRIPTION_STATES.move(prescription, PrescriptionStatus.VOIDED)
        if prescription.expiry_timer_id:
            self.clock.cancel(prescription.expiry_timer_id)
            prescription.expiry_timer_id = None
        return prescription

    # -- redemption (the dispensing area calls these) -------------------------------------------
    def check_redeemable(self, prescription: Prescription) -> None:
        redemption.check_redeemable(self, prescription)

    def lock(self, prescription: Prescription, dispensation_id: int, item_ids: list[int]) -> None:
        redemption.lock(self, prescription, dispensation_id, item_ids)

    def unlock(self, prescription: Prescription, dispensation_id: int) -> None:
        redemption.unlock(prescription, dispensation_id)

    def settle(self, prescription: Prescription, dispensation_id: int, dispensed: dict[int, tuple[int, str | None]]):
        redemption.settle(self, prescription, dispensation_id, dispensed)

    # -- views ----------------------------------------------------------------------------------
    def view(self, prescription: Prescription) -> dict[str, Any]:
        patient = self.ledger.area(Patients).patients[prescription.patient_id]
        return views.prescription_view(prescription, patient, self.ledger.today())

    def explain(self, prescription_id: int) -> dict[str, Any]:
        prescription = self.prescriptions[prescription_id]
        try:
            redemption.check_redeemable(self, prescription)
        except ApiError as refused:
            return views.explain(prescription, False, refused.message)
        return views.explain(prescription, True)
