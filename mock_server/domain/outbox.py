"""The outbox: every OTP and e-mail the mock would have sent, for QA to read (``GET /__admin/outbox``;
``contracts/schemas/admin-outbox-item.schema.json``).

Nothing leaves the machine: an OTP "sent by SMS" and a prescription "e-mailed to the patient" land
here, newest last, in a bounded ring.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from mock_server.core.clock import format_instant
from mock_server.domain.ledger import Area

__all__ = ["Outbox", "OutboxKind"]


class OutboxKind(StrEnum):
    OTP = "OTP"
    EMAIL = "EMAIL"


class Outbox(Area):
    name = "outbox"

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.messages: deque[dict[str, Any]] = deque(maxlen=self.config.outbox_size)

    def send(self, kind: OutboxKind, to: str, body: str, **fields: Any) -> dict[str, Any]:
        """Record a message; ``fields`` may name its ``otp_id``, ``beneficiary_id``, ``code``, ``subject``."""
        item = {
            "id": self.ids.opaque("msg"),
            "kind": OutboxKind(kind).value,
            "to": to,
            "otp_id": fields.get("otp_id"),
            "beneficiary_id": fields.get("beneficiary_id"),
            "code": fields.get("code"),
            "subject": fields.get("subject"),
            "body": body,
            "created_at": format_instant(self.clock.timestamp()),
        }
        self.messages.append(item)
        return item

    def items(self, *, kind: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        return [
            i for i in reversed(self.messages) if (kind is None or i["kind"] == kind) and (to is None or i["to"] == to)
        ]

    def export(self) -> dict[str, Any]:
        return {"outbox": list(self.messages)}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        self.messages.clear()
        self.messages.extend(snapshot.get("outbox", []))
