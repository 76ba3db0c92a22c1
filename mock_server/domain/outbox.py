"""The outbox: every OTP and e-mail the mock would have sent, for QA to read (``GET /__admin/outbox``).

Nothing leaves the machine: an OTP "sent by SMS" and a prescription "e-mailed to the patient" land
here, newest last, in a bounded ring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = ["items", "send"]


def send(ledger: Ledger, kind: str, to: str, body: str, **fields: Any) -> dict[str, Any]:
    item = {
        "id": ledger.ids.opaque("msg"),
        "kind": kind,
        "to": to,
        "otp_id": fields.get("otp_id"),
        "beneficiary_id": fields.get("beneficiary_id"),
        "code": fields.get("code"),
        "subject": fields.get("subject"),
        "body": body,
        "created_at": format_instant(ledger.clock.timestamp()),
    }
    ledger.outbox.append(item)
    return item


def items(ledger: Ledger, *, kind: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
    """Newest first."""
    return [i for i in reversed(ledger.outbox) if (kind is None or i["kind"] == kind) and (to is None or i["to"] == to)]
