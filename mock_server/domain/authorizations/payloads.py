"""The ``data`` of every ``authorization.*`` event (``contracts/schemas/webhook-event.schema.json``,
``$defs``), one builder per event type, used by the real flows and by ``POST /__admin/events`` alike."""

from __future__ import annotations

from typing import Any

from mock_server.core.clock import format_instant
from mock_server.domain.authorizations.records import Authorization, AuthorizationLine, LineStatus

__all__ = ["created", "rejected", "updated", "voided"]


def _base(authorization: Authorization) -> dict[str, Any]:
    """What every authorization.* event says about its authorization."""
    return {
        "authorization_id": authorization.id,
        "authorization_code": authorization.code,
        "authorization_request_id": authorization.authorization_request_id,
        "beneficiary_id": authorization.beneficiary_id,
        "sponsor_slug": authorization.sponsor_slug,
    }


def created(authorization: Authorization) -> dict[str, Any]:
    return {
        **_base(authorization),
        "product_type": authorization.product_type,
        "products": [
            {"product_code": line.product_code, "quantity": line.authorized_quantity, "posology": line.posology}
            for line in authorization.lines
            if line.status == LineStatus.APPROVED
        ],
        "expires_at": format_instant(authorization.expires_at),
        "sponsor_reference": authorization.sponsor_authorization_code,
        "additional_data": {},
    }


def rejected(
    *,
    request_id: int,
    beneficiary_id: int,
    sponsor_slug: str,
    product_type: str,
    reason: str,
    authorization: Authorization | None = None,
) -> dict[str, Any]:
    """A rejection of a request's product group: with the authorization a manual review had created, if any."""
    return {
        "authorization_id": authorization.id if authorization else None,
        "authorization_code": authorization.code if authorization else None,
        "authorization_request_id": request_id,
        "beneficiary_id": beneficiary_id,
        "sponsor_slug": sponsor_slug,
        "product_type": product_type,
        "rejection_reason": reason,
    }


def updated(authorization: Authorization, changes: list[tuple[AuthorizationLine, dict[str, Any]]]) -> dict[str, Any]:
    """A sponsor-side change; ``changes`` pairs each changed line with the ModifiedProduct that changed it."""
    return {
        **_base(authorization),
        "changes": [
            {
                "authorization_product_id": line.id,
                **{k: v for k, v in modified.items() if k != "authorization_product_id"},
            }
            for line, modified in changes
        ],
        "payment_type": authorization.payment_type,
        "expires_at": format_instant(authorization.expires_at),
    }


def voided(authorization: Authorization) -> dict[str, Any]:
    return {
        **_base(authorization),
        "voided_by": authorization.voided_by,
        "reason": authorization.void_reason,
        "voided_at": format_instant(authorization.updated_at),
    }
