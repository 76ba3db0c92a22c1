"""The outbox: every OTP and e-mail the mock would have sent, for QA to read (``GET /__admin/outbox``;
``contracts/schemas/admin-outbox-item.schema.json``).

Nothing leaves the machine: an OTP "sent by SMS" and a prescription "e-mailed to the patient" land
here, newest last, in a bounded ring.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from mock_server.core.clock import format_instant
from mock_server.core.records import revive, to_plain
from mock_server.domain.ledger import Area

__all__ = ["Message", "Outbox", "OutboxKind"]


class OutboxKind(StrEnum):
    OTP = "OTP"
    EMAIL = "EMAIL"


@dataclass
class Message:
    id: str
    kind: OutboxKind
    to: str
    body: str
    created_at: str
    otp_id: str | None = None
    beneficiary_id: int | None = None
    code: str | None = None
    subject: str | None = None

    def view(self) -> dict[str, Any]:
        """``contracts/schemas/admin-outbox-item.schema.json``."""
        fields = asdict(self)
        return {key: fields[key] for key in _VIEW_ORDER}


_VIEW_ORDER = ("id", "kind", "to", "otp_id", "beneficiary_id", "code", "subject", "body", "created_at")


class Outbox(Area):
    name = "outbox"

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.messages: deque[Message] = deque(maxlen=self.config.outbox_size)

    def send(
        self,
        kind: OutboxKind,
        to: str,
        body: str,
        *,
        otp_id: str | None = None,
        beneficiary_id: int | None = None,
        code: str | None = None,
        subject: str | None = None,
    ) -> Message:
        message = Message(
            self.ids.opaque("msg"),
            OutboxKind(kind),
            to,
            body,
            format_instant(self.clock.timestamp()),
            otp_id,
            beneficiary_id,
            code,
            subject,
        )
        self.messages.append(message)
        return message

    def items(self, *, kind: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        return [
            m.view() for m in reversed(self.messages) if (kind is None or m.kind == kind) and (to is None or m.to == to)
        ]

    def export(self) -> dict[str, Any]:
        return {"outbox": [to_plain(m) for m in self.messages]}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        self.messages.clear()
        self.messages.extend(revive(Message, item) for item in snapshot.get("outbox", []))
