from __future__ import annotations

import pytest

from mock_server.core.events import Event, EventLog
from mock_server.core.store import Store, UnknownTenant


def test_event_log_notifies_listeners_in_order_and_is_bounded():
    log = EventLog(maxlen=2)
    seen = []
    log.subscribe(lambda event: seen.append(event.event_id))
    for n in range(3):
        log.append(Event(f"evt_{n}", "authorization.created", "2026-01-01T00:00:00.000Z", "clinic-example"))
    assert seen == ["evt_0", "evt_1", "evt_2"]
    assert [e.event_id for e in log] == ["evt_1", "evt_2"]


def test_reset_swaps_in_a_fresh_ledger_for_one_tenant_only():
    made = []
    store = Store(lambda tenant: made.append(tenant) or {"tenant": tenant, "n": len(made)})
    store.create("a")
    store.create("b")
    first_a, first_b = store.get("a"), store.get("b")
    fresh = store.reset("a")
    assert fresh is not first_a and fresh["tenant"] == "a"
    assert store.get("b") is first_b


def test_unknown_tenant_and_duplicate_tenant():
    store = Store(lambda tenant: object())
    store.create("a")
    with pytest.raises(UnknownTenant):
        store.get("zzz")
    with pytest.raises(ValueError):
        store.create("a")
