"""The documented webhook event types (``contracts/schemas/webhook-event.schema.json``).

Domain operations emit events through :meth:`mock_server.domain.ledger.Ledger.emit`; each event's
``data`` is built by one payload builder of the area that owns the event, used by the real flows, which
``POST /__admin/events`` runs (``mock_server.domain.triggers``).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EVENT_TYPES", "EventType"]


class EventType(StrEnum):
    AUTHORIZATION_CREATED = "authorization.created"
    AUTHORIZATION_REJECTED = "authorization.rejected"
    AUTHORIZATION_UPDATED = "authorization.updated"
    AUTHORIZATION_VOIDED = "authorization.voided"
    DISPENSING_STARTED = "dispensing.started"
    DISPENSING_COMPLETED = "dispensing.completed"
    DISPENSING_CANCELLED = "dispensing.cancelled"
    PRESCRIPTION_ISSUED = "prescription.issued"
    PRESCRIPTION_EMAIL_DELIVERED = "prescription.email_delivered"
    PRESCRIPTION_EMAIL_FAILED = "prescription.email_failed"
    SETTLEMENT_PAID = "settlement.paid"
    SETTLEMENT_REJECTED = "settlement.rejected"
    SETTLEMENT_PARTIALLY_ACCEPTED = "settlement.partially_accepted"


EVENT_TYPES: tuple[str, ...] = tuple(t.value for t in EventType)
