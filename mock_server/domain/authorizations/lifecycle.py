"""An authorization's life after the sponsor granted it: expiry, voids, sponsor-side updates.

- A provider voids ``READY`` or ``PENDING_REVIEW`` authorizations; a claimed one (``PARTIALLY_CLAIMED``,
  ``CLAIMED``, ``PAID``) cannot be voided (422), nor a voided one; one a STARTED dispensation holds is 409.
- At ``expires_at`` on the mock clock, a ``READY`` or ``PENDING_REVIEW`` authorization is voided by
  ``EXPIRY``; a claimed one keeps its status.
- A sponsor update (ModifiedProduct lines, validity, payment type; ``POST /__admin/authorizations/{id}/
  sponsor-update``) emits ``authorization.updated``.

Voiding gives the unclaimed units back to the beneficiary's benefit limit and emits
``authorization.voided``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import parse_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.authorizations import benefits, payloads
from mock_server.domain.authorizations.records import (
    AUTHORIZATION_STATES,
    CLAIMED,
    VOIDABLE,
    Authorization,
    AuthorizationLine,
    AuthorizationStatus,
    LineStatus,
    VoidedBy,
)
from mock_server.domain.events import EventType
from mock_server.domain.reference import PaymentType

if TYPE_CHECKING:
    from mock_server.domain.authorizations.backend import Authorizations

__all__ = ["EXPIRE", "expire", "schedule_expiry", "sponsor_update", "void", "void_record"]

EXPIRE = "authorization.expire"
EXPIRY_REASON = "La autorización venció."


def schedule_expiry(authz: Authorizations, authorization: Authorization) -> None:
    if authorization.expiry_timer_id:
        authz.clock.cancel(authorization.expiry_timer_id)
    timer = authz.ledger.schedule(
        authorization.expires_at,
        EXPIRE,
        {"authorization_id": authorization.id},
        f"authorization {authorization.code} expires",
    )
    authorization.expiry_timer_id = timer.id


def void_record(
    authz: Authorizations, authorization: Authorization, by: VoidedBy, reason: str | None, *, emit: bool = True
) -> None:
    """Void an authorization (whoever asked): units back, expiry cancelled, ``authorization.voided``."""
    benefits.release(authz, authorization)
    if authorization.expiry_timer_id:
        authz.clock.cancel(authorization.expiry_timer_id)
        authorization.expiry_timer_id = None
    AUTHORIZATION_STATES.move(authorization, AuthorizationStatus.VOIDED)
    authorization.voided_by = by
    authorization.void_reason = reason
    authorization.updated_at = authz.clock.timestamp()
    if emit:
        authz.ledger.emit(EventType.AUTHORIZATION_VOIDED, authorization.provider_slug, payloads.voided(authorization))


def void(authz: Authorizations, provider_slug: str, authorization_id: int, reason: str | None) -> Authorization:
    authorization = authz.authorization_of(provider_slug, authorization_id)
    if authorization.status in CLAIMED:
        raise ApiError(
            "MOCK-422-authorization-claimed", f"Authorization {authorization.code} is {authorization.status}."
        )
    if authorization.status not in VOIDABLE:
        raise ApiError(
            "MOCK-422-authorization-not-voidable", f"Authorization {authorization.code} is {authorization.status}."
        )
    if authorization.locked_by is not None:
        raise ApiError("MOCK-409-code-locked", f"Authorization {authorization.code} is being dispensed.")
    void_record(authz, authorization, VoidedBy.PROVIDER, reason)
    return authorization


def expire(authz: Authorizations, payload: dict[str, Any]) -> None:
    """The expiry timer: void what is still redeemable as a whole."""
    authorization = authz.authorizations.get(payload["authorization_id"])
    if authorization is not None and authorization.status in VOIDABLE:
        authorization.expiry_timer_id = None
        void_record(authz, authorization, VoidedBy.EXPIRY, EXPIRY_REASON)


def sponsor_update(authz: Authorizations, authorization_id: int, body: dict[str, Any]) -> Authorization:
    """A sponsor-side change (ModifiedProduct lines, validity, payment type): ``authorization.updated``."""
    authorization = authz.authorization_of(None, authorization_id)
    if authorization.status == AuthorizationStatus.VOIDED:
        raise ApiError("MOCK-422-authorization-not-voidable", f"Authorization {authorization.code} is VOIDED.")
    changes = _line_changes(authz, authorization, body.get("products") or [])
    for line, modified in changes:
        _apply(authz, line, modified)
    if body.get("payment_type"):
        authorization.payment_type = PaymentType(body["payment_type"])
    if body.get("sponsor_notes") is not None:
        authorization.sponsor_notes = body["sponsor_notes"]
    if body.get("expires_at") is not None:
        authorization.expires_at = parse_instant(body["expires_at"])
        schedule_expiry(authz, authorization)
    authorization.updated_at = authz.clock.timestamp()
    authz.ledger.emit(
        EventType.AUTHORIZATION_UPDATED, authorization.provider_slug, payloads.updated(authorization, changes)
    )
    return authorization


def _line_changes(
    authz: Authorizations, authorization: Authorization, products: list[dict[str, Any]]
) -> list[tuple[AuthorizationLine, dict[str, Any]]]:
    """Each ModifiedProduct with the line it changes; 422 naming every product that changes nothing known."""
    problems: list[FieldError] = []
    changes = []
    lines = {line.id: line for line in authorization.lines}
    for index, modified in enumerate(products):
        line = lines.get(modified["authorization_product_id"])
        if line is None:
            problems.append(
                FieldError(f"products[{index}].authorization_product_id", "is not a line of this authorization")
            )
            continue
        if modified.get("new_product_id") is not None and modified["new_product_id"] not in authz.world.products_by_id:
            problems.append(FieldError(f"products[{index}].new_product_id", "is not in the catalogue"))
            continue
        changes.append((line, modified))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    return changes


def _apply(authz: Authorizations, line: AuthorizationLine, modified: dict[str, Any]) -> None:
    if modified.get("new_product_id") is not None:
        product = authz.world.products_by_id[modified["new_product_id"]]
        line.product_id, line.product_code, line.product_name = product.product_id, product.product_code, product.name
    if modified.get("new_quantity") is not None:
        line.quantity = int(modified["new_quantity"])
        line.authorized_quantity = line.quantity if line.status == LineStatus.APPROVED else line.authorized_quantity
    if modified.get("new_status") is not None:
        line.status = LineStatus(modified["new_status"])
        line.reason = modified.get("rejection_reason")
        if line.status == LineStatus.REJECTED:
            line.authorized_quantity = 0
        elif line.status == LineStatus.APPROVED:
            line.authorized_quantity = line.quantity
