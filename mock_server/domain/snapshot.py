"""A tenant's ledger as JSON and back (``GET/POST /__admin/snapshot``;
``contracts/schemas/admin-snapshot.schema.json``).

The ledger's shared machinery travels here: the clock, the id generator (so ids and codes keep coming
in the same sequence) and pending timers. Everything else is each area's: every area exports its own
top-level keys and restores from them (``Area.export`` / ``Area.restore``), so a new area travels
without touching this module. The journal, the event log and the rate-limit windows are left out.
"""

from __future__ import annotations

from typing import Any

from mock_server.domain.ledger import Ledger

__all__ = ["SHARED_KEYS", "SNAPSHOT_FORMAT", "SNAPSHOT_VERSION", "from_snapshot", "to_snapshot"]

SNAPSHOT_FORMAT = "osigu-mock-snapshot"
SNAPSHOT_VERSION = 2  # 1 carried no pre-authorization, verification or prescription state; still accepted
SHARED_KEYS = ("format", "version", "seed", "tenant_id", "exported_at", "clock", "ids", "timers")


def to_snapshot(ledger: Ledger) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
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
    }
    for area in ledger.areas():
        exported = area.export()
        clash = (set(exported) & set(snapshot)) | (set(exported) & set(SHARED_KEYS))
        if clash:
            raise ValueError(f"area {area.name!r} exports keys another part already exports: {sorted(clash)}")
        snapshot.update(exported)
    return snapshot


def from_snapshot(ledger: Ledger, snapshot: dict[str, Any]) -> Ledger:
    """Fill a fresh, wired ledger from a snapshot already checked against its schema and seed."""
    ledger.clock.set(now=snapshot["clock"]["timestamp"], frozen=snapshot["clock"]["frozen"])
    ledger.ids.restore(snapshot["ids"])
    for timer in snapshot["timers"]:
        if not ledger.has_timer_action(timer["action"]):
            raise KeyError(f"unknown timer action {timer['action']!r}")
        ledger.clock.schedule(
            timer["due"], timer["action"], timer["payload"], description=timer["description"], id=timer["id"]
        )
    for area in ledger.areas():
        area.restore(snapshot)
    return ledger
