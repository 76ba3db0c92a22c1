"""What a tenant's state looks like, to prove that bad input changed nothing."""

from __future__ import annotations


def fingerprint(sandbox, tenant_id: str = "default") -> dict:
    ledger = sandbox.ledger(tenant_id)
    return {
        "now": ledger.clock.timestamp(),
        "frozen": ledger.clock.frozen,
        "timers": [(t.id, t.due, t.action) for t in ledger.clock.pending()],
        "tokens": sorted(ledger.tokens),
        "ids": ledger.ids.state(),
        "events": len(ledger.events),
        "clients": sorted((c.client_id, c.tenant_id, c.scope) for c in sandbox.clients.values()),
    }
