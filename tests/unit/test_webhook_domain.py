"""The delivery state machine without HTTP: a fake transport answers, the clock drives retries."""

from __future__ import annotations

import asyncio

import pytest

from mock_server.core.clock import Clock
from mock_server.core.errors import ApiError
from mock_server.domain.webhooks import AttemptResult, Webhooks, next_retry
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings


class FakeTransport:
    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = []

    async def __call__(self, url, headers, body, timeout):
        self.calls.append((url, headers, body, timeout))
        status = self.statuses.pop(0) if self.statuses else 200
        return AttemptResult(status, 1.0, "ok")


def setup(statuses=()):
    sandbox = Sandbox(Settings(frozen_clock=True))
    transport = FakeTransport(statuses)
    sandbox.set_transport(transport)
    ledger = sandbox.ledger()
    return ledger, transport


def test_the_retry_schedule_is_1m_5m_30m_2h_6h_then_12h_for_72h():
    start = 1000.0
    at, due = start, []
    for attempts in range(1, 20):
        nxt = next_retry(start, at, attempts)
        if nxt is None:
            break
        due.append(nxt - start)
        at = nxt
    assert due == [60, 360, 2160, 9360, 30960, 74160, 117360, 160560, 203760, 246960]


def test_an_event_becomes_one_delivery_per_matching_subscription():
    ledger, _ = setup()
    ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:1/a", ["authorization.*"])
    ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:1/b", ["*"])
    ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:1/c", ["dispensing.*"])
    ledger.area(Webhooks).create_subscription("pharmacy-example", "http://127.0.0.1:1/d", ["*"])
    ledger.emit("authorization.created", "clinic-example", {"x": 1})
    assert sorted(d.url for d in ledger.area(Webhooks).deliveries.values()) == [
        "http://127.0.0.1:1/a",
        "http://127.0.0.1:1/b",
    ]


def test_advance_awaits_each_attempt_and_the_retries_it_schedules_in_order():
    ledger, transport = setup([500, 500, 200])
    ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:1/a", ["*"])
    ledger.emit("authorization.created", "clinic-example", {})
    asyncio.run(ledger.clock.advance_async(400, settle=ledger.settle))
    [delivery] = ledger.area(Webhooks).deliveries.values()
    assert [a.status_code for a in delivery.attempts] == [500, 500, 200] and delivery.status == "DELIVERED"
    assert [a.at - delivery.attempts[0].at for a in delivery.attempts] == [0, 60, 360]
    assert {call[3] for call in transport.calls} == {2.0}  # the advance's wall-time bound


def test_without_a_transport_an_attempt_fails_and_is_retried():
    sandbox = Sandbox(Settings(frozen_clock=True))
    ledger = sandbox.ledger()
    ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:1/a", ["*"])
    ledger.emit("authorization.created", "clinic-example", {})
    asyncio.run(ledger.clock.advance_async(0))
    [delivery] = ledger.area(Webhooks).deliveries.values()
    assert delivery.status == "RETRYING" and "no transport" in delivery.attempts[0].error


def test_the_delivery_log_is_bounded():
    sandbox = Sandbox(Settings(frozen_clock=True, delivery_log_size=3))
    ledger = sandbox.ledger()
    ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:1/a", ["*"])
    for _ in range(5):
        ledger.emit("authorization.created", "clinic-example", {})
    assert len(ledger.area(Webhooks).deliveries) == 3
    assert len([t for t in ledger.clock.pending() if t.action == "webhook.attempt"]) == 3


def test_emitting_an_undocumented_event_type_is_a_programming_error():
    ledger, _ = setup()
    with pytest.raises(ValueError):
        ledger.emit("invoice.paid", "clinic-example", {})


def test_other_providers_cannot_touch_a_subscription():
    ledger, _ = setup()
    subscription = ledger.area(Webhooks).create_subscription("clinic-example", "http://127.0.0.1:1/a", ["*"])
    with pytest.raises(ApiError):
        ledger.area(Webhooks).delete_subscription("pharmacy-example", subscription.id)


def test_async_clock_moves_run_awaitables_in_timer_order():
    clock = Clock(frozen=True)
    seen = []

    def on_fire(timer):
        async def work():
            await asyncio.sleep(0)
            seen.append((timer.id, clock.timestamp()))

        return work()

    clock.on_fire = on_fire
    start = clock.timestamp()
    clock.schedule(start + 2, "x", id="second")
    clock.schedule(start + 1, "x", id="first")
    asyncio.run(clock.advance_async(5))
    assert seen == [("first", start + 1), ("second", start + 2)]


def test_sync_moves_hand_awaitables_to_spawn():
    spawned = []
    clock = Clock(frozen=True, spawn=spawned.append)

    async def work():
        return None

    clock.on_fire = lambda timer: work()
    clock.schedule(clock.timestamp(), "x", id="now")
    clock.fire_due()
    assert len(spawned) == 1
    spawned[0].close()
