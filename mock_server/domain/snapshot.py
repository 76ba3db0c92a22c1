"""A tenant's ledger as JSON and back (``GET/POST /__admin/snapshot``).

What a restore needs to carry on where the export left off: the clock, the id generator (so codes
keep coming in the same sequence), pending timers, tokens, provider product registrations, webhook
subscriptions (with their secrets) and deliveries. The journal, the event log and the rate-limit
windows are left out.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mock_server.domain.ledger import Ledger
from mock_server.domain.oauth import Token
from mock_server.domain.webhooks import Attempt, Delivery, Subscription

__all__ = ["SNAPSHOT_FORMAT", "SNAPSHOT_VERSION", "from_snapshot", "to_snapshot"]

SNAPSHOT_FORMAT = "osigu-mock-snapshot"
SNAPSHOT_VERSION = 1


def to_snapshot(ledger: Ledger) -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "seed": ledger.world.seed,
        "tenant_id": ledger.tenant_id,
        "exported_at": ledger.clock.iso(),
        "clock": {"timestamp": ledger.clock.timestamp(), "frozen": ledger.clock.frozen},
        "ids": ledger.ids.state(),
        "timers": [
            {"id": t.id, "due": t.due, "action": t.action, "payload": t.payload, "description": t.description}
            for t in ledger.clock.pending()
        ],
        "tokens": [asdict(t) for t in ledger.tokens.values()],
        "registrations": {slug: dict(items) for slug, items in ledger.registrations.items()},
        "subscriptions": [asdict(s) for s in ledger.subscriptions.values()],
        "deliveries": [asdict(d) for d in ledger.deliveries.values()],
    }


def from_snapshot(ledger: Ledger, snapshot: dict[str, Any]) -> Ledger:
    """Fill a fresh ledger from a snapshot already checked against its schema and seed."""
    ledger.clock.set(now=snapshot["clock"]["timestamp"], frozen=snapshot["clock"]["frozen"])
    ledger.ids.restore(snapshot["ids"])
    for timer in snapshot["timers"]:
        if not ledger.has_timer_action(timer["action"]):
            raise KeyError(f"unknown timer action {timer['action']!r}")
        ledger.clock.schedule(
            timer["due"], timer["action"], timer["payload"], description=timer["description"], id=timer["id"]
        )
    for token in snapshot["tokens"]:
        record = Token(**{**token, "scope": tuple(token["scope"])})
        ledger.tokens[record.jti] = record
    ledger.registrations = {slug: dict(items) for slug, items in snapshot["registrations"].items()}
    for item in snapshot.get("subscriptions", []):
        subscription = Subscription(**item)
        ledger.subscriptions[subscription.id] = subscription
    for item in snapshot.get("deliveries", []):
        delivery = Delivery(**{**item, "attempts": [Attempt(**a) for a in item["attempts"]]})
        ledger.deliveries[delivery.id] = delivery
    return ledger
