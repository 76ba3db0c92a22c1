"""Redeeming a prescription: the rules a pharmacy's dispensation follows, and expiry.

Dispensing a prescription does not require the pharmacy to have registered the product. A started
dispensation locks the items it takes (a second one on the same code is 409 while it is STARTED);
completing it settles each item by the quantity taken (``DISPENSED`` or ``PARTIALLY_DISPENSED``, or
``SUBSTITUTED``/``PARTIALLY_SUBSTITUTED`` for a substitute); cancelling gives the items back. At expiry
(30 days on the mock clock) what is still redeemable expires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError
from mock_server.domain.prescriptions.records import (
    DONE,
    ITEM_STATES,
    PRESCRIPTION_STATES,
    REDEEMABLE,
    DispensationLog,
    ItemStatus,
    Prescription,
    PrescriptionStatus,
)

if TYPE_CHECKING:
    from mock_server.domain.prescriptions.backend import Prescriptions

__all__ = ["EXPIRE", "check_redeemable", "expire", "lock", "settle", "unlock"]

EXPIRE = "prescription.expire"


def _set_status(prescription: Prescription, target: PrescriptionStatus) -> None:
    if prescription.status != target:
        PRESCRIPTION_STATES.move(prescription, target)


def check_redeemable(rx: Prescriptions, prescription: Prescription) -> None:
    """422 when a pharmacy may not start a dispensation of this prescription now; 409 while another
    dispensation holds it."""
    if prescription.status == PrescriptionStatus.VOIDED:
        raise ApiError("MOCK-422-code-not-redeemable", f"Prescription {prescription.code} is VOIDED.")
    if prescription.status == PrescriptionStatus.EXPIRED or rx.clock.timestamp() >= prescription.expires_at:
        raise ApiError("MOCK-422-code-not-redeemable", f"Prescription {prescription.code} has expired.")
    if any(item.status == ItemStatus.LOCKED for item in prescription.items):
        raise ApiError("MOCK-409-code-locked", f"Prescription {prescription.code} is being dispensed elsewhere.")
    if not any(item.status in REDEEMABLE for item in prescription.items):
        raise ApiError("MOCK-422-code-not-redeemable", f"Prescription {prescription.code} was fully dispensed.")


def lock(rx: Prescriptions, prescription: Prescription, dispensation_id: int, item_ids: list[int]) -> None:
    """A STARTED dispensation holds these items: ``LOCKED`` until it completes or is cancelled."""
    check_redeemable(rx, prescription)
    items = {item.id: item for item in prescription.items}
    chosen = [items[i] for i in item_ids if i in items]
    if len(chosen) != len(item_ids) or any(item.status not in REDEEMABLE for item in chosen):
        raise ApiError("MOCK-422-code-not-redeemable", "Some items are not dispensable.")
    for item in chosen:
        item.status_before_lock = item.status
        ITEM_STATES.move(item, ItemStatus.LOCKED)
        item.locked_by = dispensation_id


def unlock(prescription: Prescription, dispensation_id: int) -> None:
    """The dispensation was cancelled: its items go back to what they were."""
    for item in prescription.items:
        if item.locked_by == dispensation_id:
            ITEM_STATES.move(item, item.status_before_lock)
            item.locked_by = item.status_before_lock = None


def settle(
    rx: Prescriptions, prescription: Prescription, dispensation_id: int, dispensed: dict[int, tuple[int, str | None]]
) -> None:
    """The dispensation completed: each locked item took ``(quantity, substitute product code or None)``."""
    now = format_instant(rx.clock.timestamp())
    for item in prescription.items:
        if item.locked_by != dispensation_id:
            continue
        quantity, substitute = dispensed.get(item.id, (0, None))
        item.dispensed_quantity += quantity
        full = item.dispensed_quantity >= item.quantity
        if substitute:
            item.substitute_product_code = substitute
            target = ItemStatus.SUBSTITUTED if full else ItemStatus.PARTIALLY_SUBSTITUTED
        elif quantity == 0:
            target = item.status_before_lock
        else:
            target = ItemStatus.DISPENSED if full else ItemStatus.PARTIALLY_DISPENSED
        ITEM_STATES.move(item, target)
        item.locked_by = item.status_before_lock = None
        prescription.dispensation_logs.append(
            DispensationLog(item.id, dispensation_id, item.status, quantity, substitute, now)
        )
    if all(item.status in DONE for item in prescription.items):
        _set_status(prescription, PrescriptionStatus.DISPENSED)
    elif any(item.dispensed_quantity for item in prescription.items):
        _set_status(prescription, PrescriptionStatus.PARTIALLY_DISPENSED)


def expire(rx: Prescriptions, payload: dict[str, Any]) -> None:
    """The expiry timer: what is still redeemable expires; so does the prescription when nothing is left."""
    prescription = rx.prescriptions.get(payload["prescription_id"])
    if prescription is None or prescription.status in (PrescriptionStatus.VOIDED, PrescriptionStatus.DISPENSED):
        return
    prescription.expiry_timer_id = None
    for item in prescription.items:
        if item.status in REDEEMABLE:
            ITEM_STATES.move(item, ItemStatus.EXPIRED)
    if all(item.status in (*DONE, ItemStatus.EXPIRED) for item in prescription.items):
        _set_status(prescription, PrescriptionStatus.EXPIRED)
