"""The dispensing area: a pharmacy, lab or imaging centre redeems an authorization code or a prescription
code (``contracts/openapi.yaml``, tag ``dispensing``).

- **Start** finds the code (``Codes``: 404 when nobody issued it), checks that it is redeemable (voided,
  expired, fully claimed or another beneficiary's: 422) and that no other dispensation holds it (409),
  takes its lines (``lines``), asks for the verification the sponsor's ``dispense`` rule sets for the
  product type (``verification_required``), holds the code, and emits ``dispensing.started``. Any
  affiliated provider may redeem any provider's code; the dispensation is the redeemer's (another
  provider's dispensation is 404).
- **Update** replaces the lines while ``STARTED``; **cancel**, or 30 minutes of mock clock without a
  change, releases the code and emits ``dispensing.cancelled``.
- **Complete** needs the verification the start asked for (``verification``), the invoice, and an
  ``amount`` equal to Σ(price × quantity + taxes) within 0.01. An authorization's units are claimed and
  its claim generated (``Claims``); a prescription's items are settled (no claim). ``dispensing.completed``.
  Completing a completed dispensation again answers the same and changes nothing.

The ``dispensing.*`` events go to the provider that issued the code and, when another provider
dispenses, to that provider too (inferred).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import money
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.claims import Claims
from mock_server.domain.claims.records import ClaimLine, Invoice
from mock_server.domain.codes import Codes, CodeType
from mock_server.domain.dispensing import lines as picking
from mock_server.domain.dispensing import payloads, verification, views
from mock_server.domain.dispensing.records import (
    DISPENSATION_STATES,
    TIMEOUT_SECONDS,
    Dispensation,
    DispensationStatus,
)
from mock_server.domain.events import EventType
from mock_server.domain.ledger import Area, TimerHandler
from mock_server.domain.patients import Patients
from mock_server.domain.prescriptions import Prescriptions
from mock_server.domain.reference import VerificationRule
from mock_server.domain.tokens import Principal

__all__ = ["TIMEOUT", "Dispensing"]

TIMEOUT = "dispensation.timeout"


class Dispensing(Area):
    name = "dispensing"
    tables = {"dispensations": ("dispensations", Dispensation, "dispensation_id")}

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.dispensations: dict[int, Dispensation] = {}

    def timers(self) -> Mapping[str, TimerHandler]:
        return {TIMEOUT: self._timed_out}

    def dispensation_of(self, provider_slug: str | None, dispensation_id: int) -> Dispensation:
        found = self.dispensations.get(dispensation_id)
        if found is None or (provider_slug is not None and found.provider_slug != provider_slug):
            raise ApiError("MOCK-404-dispensation-not-found", f"No dispensation {dispensation_id}.")
        return found

    # -- start ----------------------------------------------------------------------------------
    def start(self, principal: Principal, body: dict[str, Any]) -> Dispensation:
        code_type, record_id = self.ledger.area(Codes).lookup(body["code"])
        if code_type == CodeType.AUTHORIZATION:
            dispensation = self._start_authorization(principal, body, record_id)
        else:
            dispensation = self._start_prescription(principal, body, record_id)
        self.dispensations[dispensation.dispensation_id] = dispensation
        self._schedule_timeout(dispensation)
        self._emit(
            dispensation,
            EventType.DISPENSING_STARTED,
            payloads.started_payload(
                [{"product_code": line.product_code, "quantity": line.quantity} for line in dispensation.lines],
                dispensation.created_at,
                **self._header(dispensation),
            ),
        )
        return dispensation

    def _new(self, principal: Principal, body: dict[str, Any], dispensation_id: int, **fields: Any) -> Dispensation:
        provider = self.world.provider(principal.provider_slug)
        now = self.clock.timestamp()
        return Dispensation(
            dispensation_id=dispensation_id,
            provider_slug=principal.provider_slug,
            branch_id=provider.branches[0].branch_id if provider and provider.branches else None,
            status=DispensationStatus.STARTED,
            created_at=now,
            updated_at=now,
            external_verifications=list(body.get("external_verifications") or []),
            **fields,
        )

    def _start_authorization(self, principal: Principal, body: dict[str, Any], authorization_id: int) -> Dispensation:
        authz = self.ledger.area(Authorizations)
        authorization = authz.authorizations[authorization_id]
        self._check_beneficiary(body, authorization.beneficiary_id)
        authz.check_redeemable(authorization)
        beneficiary = self.world.beneficiary(authorization.beneficiary_id)
        if not beneficiary.coverage_active(self.ledger.today()):
            raise ApiError(
                "MOCK-422-coverage-inactive", errors=[FieldError("code", "the beneficiary has no active coverage")]
            )
        sponsor = self.world.sponsors[authorization.sponsor_slug]
        currency = self._currency(body, sponsor.currency_code, "the sponsor's")
        chosen = picking.for_authorization(self.world, authorization, body.get("products"), currency)
        rule = sponsor.rules[authorization.product_type].dispense
        dispensation_id = self.ids.next_id("dispensation")  # checks done: nothing below refuses
        authz.lock(authorization, dispensation_id)
        return self._new(
            principal,
            body,
            dispensation_id,
            code=authorization.code,
            code_type=CodeType.AUTHORIZATION,
            authorization_id=authorization.id,
            prescription_id=None,
            issuer_slug=authorization.provider_slug,
            beneficiary_id=authorization.beneficiary_id,
            sponsor_slug=authorization.sponsor_slug,
            currency_code=currency,
            verification_required=None if rule == VerificationRule.NONE else verification.kind_of(rule),
            lines=chosen,
        )

    def _start_prescription(self, principal: Principal, body: dict[str, Any], prescription_id: int) -> Dispensation:
        rx = self.ledger.area(Prescriptions)
        prescription = rx.prescriptions[prescription_id]
        patient = self.ledger.area(Patients).patients[prescription.patient_id]
        beneficiary = self._beneficiary_of_patient(patient)
        self._check_beneficiary(body, beneficiary.beneficiary_id if beneficiary else None)
        rx.check_redeemable(prescription)
        provider = self.world.provider(principal.provider_slug)
        currency = self._currency(body, money.country_currency(self.world, provider.country_code), "the pharmacy's")
        chosen = picking.for_prescription(self.world, prescription, body.get("products"), currency)
        dispensation_id = self.ids.next_id("dispensation")  # checks done: nothing below refuses
        rx.lock(prescription, dispensation_id, [line.line_id for line in chosen])
        return self._new(
            principal,
            body,
            dispensation_id,
            code=prescription.code,
            code_type=CodeType.PRESCRIPTION,
            authorization_id=None,
            prescription_id=prescription.id,
            issuer_slug=prescription.provider_slug,
            beneficiary_id=beneficiary.beneficiary_id if beneficiary else None,
            sponsor_slug=beneficiary.sponsor_slug if beneficiary else None,
            currency_code=currency,
            verification_required=None,
            lines=chosen,
        )

    def _beneficiary_of_patient(self, patient):
        """The sponsor beneficiary with the patient's document, if any."""
        for sponsor_slug in self.world.sponsors:
            found = self.world.find_by_document(sponsor_slug, patient.document_type, patient.document_number)
            if found is not None:
                return found
        return None

    @staticmethod
    def _check_beneficiary(body: dict[str, Any], owner: int | None) -> None:
        given = body.get("beneficiary_id")
        if given is not None and given != owner:
            raise ApiError(
                "MOCK-422-code-not-redeemable",
                "The code belongs to another beneficiary.",
                errors=[FieldError("beneficiary_id", "is not the beneficiary the code was issued to")],
            )

    @staticmethod
    def _currency(body: dict[str, Any], expected: str, whose: str) -> str:
        given = body.get("currency_code")
        if given is not None and str(given).upper() != expected:
            raise ApiError(
                "MOCK-422-validation-failed",
                errors=[FieldError("currency_code", f"must be {expected} ({whose} currency)")],
            )
        return expected

    # -- update and cancel -----------------------------------------------------------------------
    def _started(self, provider_slug: str, dispensation_id: int) -> Dispensation:
        dispensation = self.dispensation_of(provider_slug, dispensation_id)
        if dispensation.status != DispensationStatus.STARTED:
            raise ApiError(
                "MOCK-422-dispensation-not-started",
                f"Dispensation {dispensation_id} is {dispensation.status}.",
            )
        return dispensation

    def update(self, provider_slug: str, dispensation_id: int, body: dict[str, Any]) -> Dispensation:
        """Replace the lines of a STARTED dispensation (what it holds is re-checked against what is left)."""
        dispensation = self._started(provider_slug, dispensation_id)
        self._currency(body, dispensation.currency_code, "the dispensation's")
        if dispensation.code_type == CodeType.AUTHORIZATION:
            authorization = self.ledger.area(Authorizations).authorizations[dispensation.authorization_id]
            chosen = picking.for_authorization(self.world, authorization, body["products"], dispensation.currency_code)
        else:
            rx = self.ledger.area(Prescriptions)
            prescription = rx.prescriptions[dispensation.prescription_id]
            chosen = picking.for_prescription(
                self.world, prescription, body["products"], dispensation.currency_code, held_by=dispensation_id
            )
            rx.unlock(prescription, dispensation_id)
            rx.lock(prescription, dispensation_id, [line.line_id for line in chosen])
        dispensation.lines = chosen
        dispensation.updated_at = self.clock.timestamp()
        self._schedule_timeout(dispensation)
        return dispensation

    def cancel(self, provider_slug: str, dispensation_id: int) -> Dispensation:
        dispensation = self.dispensation_of(provider_slug, dispensation_id)
        if dispensation.status == DispensationStatus.CANCELLED:
            return dispensation  # cancelling again changes nothing
        self._started(provider_slug, dispensation_id)
        self._cancel(dispensation, payloads.CancellationReason.PHARMACY)
        return dispensation

    def _timed_out(self, payload: dict[str, Any]) -> None:
        dispensation = self.dispensations.get(payload["dispensation_id"])
        if dispensation is not None and dispensation.status == DispensationStatus.STARTED:
            dispensation.timeout_timer_id = None
            self._cancel(dispensation, payloads.CancellationReason.TIMEOUT)

    def _cancel(self, dispensation: Dispensation, reason: payloads.CancellationReason) -> None:
        self._release(dispensation)
        DISPENSATION_STATES.move(dispensation, DispensationStatus.CANCELLED)
        dispensation.cancelled_at = dispensation.updated_at = self.clock.timestamp()
        dispensation.cancel_reason = reason
        self._emit(
            dispensation,
            EventType.DISPENSING_CANCELLED,
            payloads.cancelled_payload(reason, dispensation.cancelled_at, **self._header(dispensation)),
        )

    def _stop_timeout(self, dispensation: Dispensation) -> None:
        if dispensation.timeout_timer_id:
            self.clock.cancel(dispensation.timeout_timer_id)
        dispensation.timeout_timer_id = dispensation.times_out_at = None

    def _release(self, dispensation: Dispensation) -> None:
        """A cancelled dispensation lets go of its code."""
        self._stop_timeout(dispensation)
        if dispensation.code_type == CodeType.AUTHORIZATION:
            authz = self.ledger.area(Authorizations)
            authz.unlock(authz.authorizations[dispensation.authorization_id], dispensation.dispensation_id)
        else:
            rx = self.ledger.area(Prescriptions)
            rx.unlock(rx.prescriptions[dispensation.prescription_id], dispensation.dispensation_id)

    def _schedule_timeout(self, dispensation: Dispensation) -> None:
        if dispensation.timeout_timer_id:
            self.clock.cancel(dispensation.timeout_timer_id)
        dispensation.times_out_at = self.clock.timestamp() + TIMEOUT_SECONDS
        timer = self.ledger.schedule(
            dispensation.times_out_at,
            TIMEOUT,
            {"dispensation_id": dispensation.dispensation_id},
            f"dispensation {dispensation.dispensation_id} times out",
        )
        dispensation.timeout_timer_id = timer.id

    # -- complete -------------------------------------------------------------------------------
    def complete(self, provider_slug: str, dispensation_id: int, body: dict[str, Any]) -> Dispensation:
        dispensation = self.dispensation_of(provider_slug, dispensation_id)
        if dispensation.status == DispensationStatus.COMPLETED:
            return dispensation  # completing again answers the same and generates nothing
        self._started(provider_slug, dispensation_id)
        expected = dispensation.total
        if not money.matches_total(body["amount"], expected):
            raise ApiError(
                "MOCK-422-amount-mismatch",
                f"The amount must be {expected:.2f}: Σ(price × quantity + taxes) of the lines.",
                errors=[FieldError("amount", f"must equal {expected:.2f} within 0.01")],
            )
        if dispensation.code_type == CodeType.AUTHORIZATION:
            authz = self.ledger.area(Authorizations)
            authz.check_redeemable(
                authz.authorizations[dispensation.authorization_id], held_by=dispensation.dispensation_id
            )
        verification.verify(self, dispensation, body)
        dispensation.invoice = Invoice.of(body)
        self._redeem(dispensation)
        DISPENSATION_STATES.move(dispensation, DispensationStatus.COMPLETED)
        dispensation.completed_at = dispensation.updated_at = self.clock.timestamp()
        self._emit(dispensation, EventType.DISPENSING_COMPLETED, self._completed_payload(dispensation))
        return dispensation

    def _redeem(self, dispensation: Dispensation) -> None:
        """What completing does to the code: the authorization's claim, or the prescription's items."""
        self._stop_timeout(dispensation)
        if dispensation.code_type == CodeType.PRESCRIPTION:
            rx = self.ledger.area(Prescriptions)
            prescription = rx.prescriptions[dispensation.prescription_id]
            taken = {line.line_id: (line.quantity, line.substitute_product_code) for line in dispensation.lines}
            rx.settle(prescription, dispensation.dispensation_id, taken)
            return
        authz = self.ledger.area(Authorizations)
        authorization = authz.authorizations[dispensation.authorization_id]
        authz.unlock(authorization, dispensation.dispensation_id)
        claims = self.ledger.area(Claims)
        claim_lines = [
            ClaimLine(
                self.ids.next_id("claim_line"),
                line.product_code,
                line.product_name,
                authorization.product_type,
                line.quantity,
                line.price,
                line.taxes,
                line.line_id,
                line.substitute_product_code,
            )
            for line in dispensation.lines
        ]
        claim = claims.for_dispensation(
            dispensation_id=dispensation.dispensation_id,
            provider_slug=dispensation.provider_slug,
            branch_id=dispensation.branch_id,
            authorization=authorization,
            currency_code=dispensation.currency_code,
            lines=claim_lines,
            invoice=replace(dispensation.invoice),
        )
        claims.take(authorization, claim_lines)
        dispensation.claim_id = claim.id

    # -- events ---------------------------------------------------------------------------------
    @staticmethod
    def _header(dispensation: Dispensation) -> dict[str, Any]:
        return {
            "dispensation_id": dispensation.dispensation_id,
            "code": dispensation.code,
            "code_type": dispensation.code_type,
            "beneficiary_id": dispensation.beneficiary_id,
            "sponsor_slug": dispensation.sponsor_slug,
            "provider_slug": dispensation.provider_slug,
            "branch_id": dispensation.branch_id,
        }

    def _completed_payload(self, dispensation: Dispensation) -> dict[str, Any]:
        return payloads.completed_payload(
            authorization_id=dispensation.authorization_id,
            prescription_id=dispensation.prescription_id,
            products=[
                {"product_code": line.product_code, "quantity": line.quantity, "unit_price": line.price}
                for line in dispensation.lines
            ],
            total_amount=dispensation.total,
            currency_code=dispensation.currency_code,
            at=dispensation.completed_at,
            **self._header(dispensation),
        )

    def _emit(self, dispensation: Dispensation, event_type: EventType, data: dict[str, Any]) -> None:
        for provider_slug in dict.fromkeys((dispensation.issuer_slug, dispensation.provider_slug)):
            self.ledger.emit(event_type, provider_slug, data)

    # -- views ----------------------------------------------------------------------------------
    def view(self, dispensation: Dispensation) -> dict[str, Any]:
        return views.dispensation_view(self, dispensation)

    def verification_status(self, provider_slug: str, dispensation_id: int) -> dict[str, Any]:
        return verification.status_view(self, self.dispensation_of(provider_slug, dispensation_id))
