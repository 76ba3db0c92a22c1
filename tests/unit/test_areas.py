"""The per-area pattern: a new area is one module and one registration line. Its records travel in
snapshots, its timers fire, its seeded state comes back on reset, and nothing is registered by
importing a module (ARCHITECTURE.md, "Adding an area")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from mock_server import sandbox as wiring
from mock_server.domain.areas import AREAS
from mock_server.domain.config import DomainConfig
from mock_server.domain.events import EventType
from mock_server.domain.ledger import Area, Ledger
from mock_server.domain.webhooks import Webhooks
from mock_server.domain.world import load_world
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings


@dataclass
class Parcel:
    parcel_id: int
    label: str
    delivered: bool = False


class Parcels(Area):
    """An area as a newcomer would add it: records in a table, one timer, a seeded record."""

    name = "parcels"
    tables = {"parcels": ("parcels", Parcel, "parcel_id")}

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.parcels: dict[int, Parcel] = {}
        self.seen_events: list[str] = []

    def seed(self) -> None:
        self.parcels[1] = Parcel(1, "seeded")

    def timers(self) -> Mapping[str, Any]:
        return {"parcel.deliver": self._deliver}

    def listeners(self):
        return (lambda event: self.seen_events.append(event.event_type),)

    def send(self, label: str) -> Parcel:
        parcel = Parcel(self.ids.next_id("parcel"), label)
        self.parcels[parcel.parcel_id] = parcel
        self.ledger.schedule(self.clock.timestamp() + 60, "parcel.deliver", {"id": parcel.parcel_id}, "delivery")
        return parcel

    def _deliver(self, payload: dict[str, Any]) -> None:
        self.parcels[payload["id"]].delivered = True


@pytest.fixture
def sandbox(monkeypatch) -> Sandbox:
    monkeypatch.setattr(wiring, "AREAS", (*AREAS, Parcels))  # the one registration line
    return Sandbox(Settings(frozen_clock=True))


def test_a_registered_area_is_in_every_tenant_seeded(sandbox):
    assert sandbox.ledger().area(Parcels).parcels == {1: Parcel(1, "seeded")}
    tenant, _ = sandbox.create_tenant("t-parcels")
    assert sandbox.ledger(tenant).area(Parcels).parcels == {1: Parcel(1, "seeded")}


def test_its_timers_are_registered_and_fire_on_the_clock(sandbox):
    parcels = sandbox.ledger().area(Parcels)
    parcel = parcels.send("box")
    sandbox.ledger().clock.advance(59)
    assert not parcel.delivered
    sandbox.ledger().clock.advance(1)
    assert parcel.delivered


def test_its_listeners_hear_the_tenants_events(sandbox):
    ledger = sandbox.ledger()
    ledger.emit(EventType.AUTHORIZATION_CREATED, "clinic-example", {})
    assert ledger.area(Parcels).seen_events == ["authorization.created"]


def test_its_records_travel_in_snapshots_and_reset_brings_back_the_seed(sandbox):
    parcel = sandbox.ledger().area(Parcels).send("box")
    snapshot = sandbox.export_snapshot()
    assert {"parcel_id": parcel.parcel_id, "label": "box", "delivered": False} in snapshot["parcels"]
    sandbox.reset()
    assert list(sandbox.ledger().area(Parcels).parcels) == [1]
    sandbox.import_snapshot("default", snapshot)
    restored = sandbox.ledger().area(Parcels)
    assert restored.parcels[parcel.parcel_id] == parcel
    sandbox.ledger().clock.advance(60)  # the pending timer came back with the snapshot
    assert restored.parcels[parcel.parcel_id].delivered


def test_an_area_that_is_not_registered_is_a_clear_error():
    ledger = Sandbox(Settings(frozen_clock=True)).ledger()
    with pytest.raises(LookupError, match="Parcels is not registered"):
        ledger.area(Parcels)


def test_two_areas_handling_the_same_timer_action_are_refused(monkeypatch):
    class Twin(Parcels):
        name = "twin"

    monkeypatch.setattr(wiring, "AREAS", (*AREAS, Parcels, Twin))
    with pytest.raises(ValueError, match="timer action 'parcel.deliver' registered twice"):
        Sandbox(Settings(frozen_clock=True))


def test_two_areas_exporting_the_same_snapshot_key_are_refused(monkeypatch):
    class Twin(Parcels):
        name = "twin"

        def timers(self):
            return {}

    monkeypatch.setattr(wiring, "AREAS", (*AREAS, Parcels, Twin))
    with pytest.raises(ValueError, match="exports keys another part already exports"):
        Sandbox(Settings(frozen_clock=True)).export_snapshot()


def test_nothing_is_registered_until_the_wiring_assembles_the_ledger():
    """Importing every area registers no timer handler and no listener: a bare ledger has none."""
    bare = Ledger("bare", load_world(), DomainConfig(frozen_clock=True), AREAS)
    assert not bare.has_timer_action("authorization.expire")
    assert not bare.has_timer_action("webhook.attempt")
    assert bare.events._listeners == []
    assembled = Sandbox(Settings(frozen_clock=True)).ledger()
    assert assembled.has_timer_action("authorization.expire") and assembled.has_timer_action("webhook.attempt")
    assert assembled.area(Webhooks).dispatch in assembled.events._listeners


def test_every_registered_area_has_a_unique_name():
    names = [area.name for area in AREAS]
    assert len(names) == len(set(names))
    assert {"dispensing", "claims", "settlements"} <= set(names)
