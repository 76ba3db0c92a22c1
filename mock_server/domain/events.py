"""Domain events: the one way anything becomes a webhook.

:func:`emit` appends an event to the tenant's event log (the webhook dispatcher listens there).
:func:`sample_data` builds a realistic ``data`` for any documented event type, with every data field
OSIGU's pages list for it (and the mock's inferred ones where a page is cut), from the seeded world:
``POST /__admin/events`` uses it so receivers can be tested before the flows that emit the event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.events import Event
from mock_server.domain.webhooks import EVENT_TYPES

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = ["emit", "sample_data"]


def emit(ledger: Ledger, event_type: str, provider_slug: str, data: dict[str, Any]) -> Event:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"undocumented event type {event_type!r}")
    event = Event(
        event_id=ledger.ids.opaque("evt"),
        event_type=event_type,
        created_at=ledger.clock.iso(),
        provider_slug=provider_slug,
        data=data,
    )
    return ledger.events.append(event)


def trigger(ledger: Ledger, event_type: str, provider_slug: str, data: dict[str, Any] | None) -> Event:
    """``POST /__admin/events``: any documented event for a provider, with a realistic default payload."""
    problems = []
    if event_type not in EVENT_TYPES:
        problems.append(FieldError("event_type", "must be one of " + ", ".join(EVENT_TYPES)))
    if ledger.world.provider(provider_slug) is None:
        problems.append(FieldError("provider_slug", f"no provider {provider_slug!r}"))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    return emit(
        ledger, event_type, provider_slug, data if data is not None else sample_data(ledger, event_type, provider_slug)
    )


def sample_data(ledger: Ledger, event_type: str, provider_slug: str) -> dict[str, Any]:
    world = ledger.world
    now = ledger.clock.timestamp()
    # The first approved persona (the documentation's MARIA GONZALEZ) and the documentation's MED-042.
    persona = next(p for p in world.personas if p.behaviour == "approved")
    maria = world.beneficiary(persona.beneficiary_id)
    product = world.product("MED-042")
    settling = next((s for s in world.sponsors.values() if s.settlement_batches), world.sponsors[maria.sponsor_slug])
    provider = world.provider(provider_slug)
    branch_id = provider.branches[0].branch_id if provider and provider.branches else None
    authorization_id = ledger.ids.next_id("authorization")
    authorization_code = ledger.ids.authorization_code()
    prescription_id = ledger.ids.next_id("prescription")
    prescription_code = ledger.ids.prescription_code()
    dispensation_id = ledger.ids.next_id("dispensation")
    settlement_id = ledger.ids.next_id("settlement")
    sponsor = maria.sponsor_slug
    unit_price = product.price(world.sponsors[sponsor].currency_code)
    authorization = {
        "authorization_id": authorization_id,
        "authorization_code": authorization_code,
        "authorization_request_id": ledger.ids.next_id("authorization_request"),
        "beneficiary_id": maria.beneficiary_id,
        "sponsor_slug": sponsor,
    }
    pharmacy = {"provider_slug": provider_slug, "branch_id": branch_id}
    if event_type == "authorization.created":
        return {
            **authorization,
            "product_type": "DRUG",
            "products": [{"product_code": product.product_code, "quantity": 30, "posology": "1c/8h"}],
            "expires_at": format_instant(now + 30 * 86400),
            "sponsor_reference": f"SPX-{authorization_id}",
            "additional_data": {},
        }
    if event_type == "authorization.rejected":
        return {**authorization, "product_type": "DRUG", "rejection_reason": "Tratamiento no cubierto por el plan."}
    if event_type == "authorization.updated":
        return {
            **authorization,
            "changes": [
                {
                    "authorization_product_id": ledger.ids.next_id("authorization_product"),
                    "new_quantity": 20,
                    "new_status": "APPROVED",
                }
            ],
            "payment_type": "DIRECT_PAYMENT",
            "expires_at": format_instant(now + 45 * 86400),
        }
    if event_type == "authorization.voided":
        return {
            **authorization,
            "voided_by": "PROVIDER",
            "reason": "Anulada por el prestador.",
            "voided_at": format_instant(now),
        }
    dispensation = {
        "dispensation_id": dispensation_id,
        "code": authorization_code,
        "code_type": "AUTHORIZATION",
        "beneficiary_id": maria.beneficiary_id,
        "sponsor_slug": sponsor,
        "pharmacy": pharmacy,
    }
    if event_type == "dispensing.started":
        return {
            **dispensation,
            "products": [{"product_code": product.product_code, "quantity": 30}],
            "started_at": format_instant(now),
        }
    if event_type == "dispensing.completed":
        return {
            **dispensation,
            "authorization_id": authorization_id,
            "prescription_id": None,
            "products": [{"product_code": product.product_code, "quantity": 30, "unit_price": unit_price}],
            "total_amount": round(unit_price * 30, 2),
            "currency_code": world.sponsors[sponsor].currency_code,
            "completed_at": format_instant(now),
        }
    if event_type == "dispensing.cancelled":
        return {**dispensation, "reason": "PHARMACY", "cancelled_at": format_instant(now)}
    prescription = {"prescription_id": prescription_id, "prescription_code": prescription_code}
    if event_type == "prescription.issued":
        return {
            **prescription,
            "version": "v1",
            "patient": {
                "patient_id": ledger.ids.next_id("patient"),
                "first_name": maria.first_name,
                "last_name": maria.last_name,
            },
            "doctor": {"doctor_id": ledger.ids.next_id("doctor"), "medical_board_registration": "MP-12345"},
            "diagnoses": [{"diagnosis_code": "R51"}],
            "medications": [
                {"product_code": product.product_code, "quantity": 30, "posology": "1c/8h", "duration_days": 10}
            ],
            "issued_at": format_instant(now),
        }
    if event_type == "prescription.email_delivered":
        return {**prescription, "email": maria.email, "delivered_at": format_instant(now)}
    if event_type == "prescription.email_failed":
        return {
            **prescription,
            "email": "patient@mailbox.invalid",
            "failed_at": format_instant(now),
            "reason": "The recipient domain does not exist.",
        }
    settlement = {
        "settlement_id": settlement_id,
        "sponsor_slug": settling.sponsor_slug,
        "period": format_instant(now)[:7],
        "currency_code": settling.currency_code,
        "total_amount": 15230.0,
    }
    if event_type == "settlement.paid":
        return {**settlement, "status": "ACCEPTED", "paid_amount": 15230.0, "paid_at": format_instant(now)}
    if event_type == "settlement.rejected":
        return {
            **settlement,
            "status": "REJECTED",
            "rejection_reason": "Factura ilegible.",
            "rejected_at": format_instant(now),
        }
    if event_type == "settlement.partially_accepted":
        return {
            **settlement,
            "status": "PARTIALLY_ACCEPTED",
            "paid_amount": 12000.0,
            "rejected_claim_ids": [ledger.ids.next_id("claim")],
            "decided_at": format_instant(now),
        }
    raise ValueError(f"no sample for {event_type!r}")
