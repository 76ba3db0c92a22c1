"""A tenant's ledger: everything that happens, as opposed to the reference data every tenant shares.

The ledger owns what every area shares (the clock and its timers, the id generator, the event log,
the request journal) and composes one backend per area (:class:`Area`), in the spirit of moto's
per-service backends. An area owns its typed records and indexes, the timers it schedules, its
snapshot codec and its seeded state; its operations are its methods (or functions over it). Areas
that need each other call each other's operations through :meth:`Ledger.area`, never each other's
dicts. Which areas exist is one tuple, ``mock_server.domain.areas.AREAS``.

Reset replaces the whole ledger with a fresh one; ``mock_server.domain.snapshot`` turns a ledger into
JSON and back by asking each area.

Timer handlers may return an awaitable (a webhook attempt): the ledger runs those in the background
(:meth:`spawn`) and keeps them in ``in_flight`` so an admin clock move can wait for them (:meth:`settle`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from mock_server.core.clock import Clock, Timer
from mock_server.core.events import Event, EventLog
from mock_server.core.faults import FaultSet
from mock_server.core.ids import IdGenerator
from mock_server.core.journal import Journal
from mock_server.core.records import revive, to_plain
from mock_server.domain.config import DomainConfig
from mock_server.domain.events import EventType

if TYPE_CHECKING:
    from mock_server.domain.world import World

__all__ = ["Area", "Ledger", "TimerHandler"]

log = logging.getLogger(__name__)

TimerHandler = Callable[[dict[str, Any]], Any]
A = TypeVar("A", bound="Area")


class Area:
    """One area's backend in one tenant.

    A subclass sets ``name`` and, for its records, ``tables``: snapshot key -> (the attribute holding a
    dict of records by key, the record's dataclass, the record's key field). The default :meth:`export`
    and :meth:`restore` handle those tables; an area with other state extends both. The wiring calls
    :meth:`timers` and :meth:`listeners` once, when it assembles the tenant's ledger, then :meth:`seed`,
    and on a reset :meth:`keep_through_reset`.
    """

    name: ClassVar[str]
    tables: ClassVar[Mapping[str, tuple[str, type, str]]] = {}

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # -- what the wiring registers -------------------------------------------------------------
    def timers(self) -> Mapping[str, TimerHandler]:
        """Timer action -> handler, for the timers this area schedules."""
        return {}

    def listeners(self) -> Sequence[Callable[[Event], None]]:
        """Called with every event appended to the tenant's event log."""
        return ()

    def seed(self) -> None:
        """Fill a fresh ledger with the seeded state (reference data the tenant may change)."""

    def keep_through_reset(self, previous: Area) -> None:
        """What an integrator set up and a reset keeps (``previous`` is this area in the ledger being
        replaced); the default keeps nothing. Called after :meth:`seed`."""

    # -- the snapshot codec ---------------------------------------------------------------------
    def export(self) -> dict[str, Any]:
        return {
            key: [to_plain(record) for record in getattr(self, attribute).values()]
            for key, (attribute, _, _) in self.tables.items()
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the tables a snapshot carries (an older snapshot without one keeps the seeded state)."""
        for key, (attribute, record_type, key_field) in self.tables.items():
            if key not in snapshot:
                continue
            records = getattr(self, attribute)
            records.clear()
            for item in snapshot[key]:
                record = revive(record_type, item)
                records[getattr(record, key_field)] = record
        self.reindex()

    def reindex(self) -> None:
        """Rebuild derived indexes after a restore."""

    # -- shorthands -----------------------------------------------------------------------------
    @property
    def world(self) -> World:
        return self.ledger.world

    @property
    def clock(self) -> Clock:
        return self.ledger.clock

    @property
    def ids(self) -> IdGenerator:
        return self.ledger.ids

    @property
    def config(self) -> DomainConfig:
        return self.ledger.config


class Ledger:
    """One tenant's state: the shared machinery and one backend per area of ``areas``."""

    def __init__(self, tenant_id: str, world: World, config: DomainConfig, areas: Sequence[type[Area]]) -> None:
        self.tenant_id = tenant_id
        self.world = world
        self.config = config
        self.clock = Clock(frozen=config.frozen_clock, on_fire=self._fire, spawn=self.spawn)
        self.ids = IdGenerator(seed=f"{world.seed}:{tenant_id}")
        self.events = EventLog(config.event_log_size)
        self.journal = Journal(config.journal_size)
        self.faults = FaultSet()  # the fault rules of POST /__admin/faults (a reset clears them with the ledger)
        self.in_flight: set[asyncio.Task] = set()
        self._handlers: dict[str, TimerHandler] = {}
        self._areas: dict[type[Area], Area] = {}
        for kind in areas:
            if kind in self._areas:
                raise ValueError(f"area {kind.name!r} registered twice")
            self._areas[kind] = kind(self)

    def area(self, kind: type[A]) -> A:
        """This tenant's backend of one area."""
        try:
            return cast(A, self._areas[kind])
        except KeyError:
            raise LookupError(f"area {kind.__name__} is not registered in mock_server.domain.areas") from None

    def areas(self) -> Iterator[Area]:
        return iter(self._areas.values())

    # -- timers ---------------------------------------------------------------------------------
    def on_timer(self, action: str, handler: TimerHandler) -> None:
        """What a timer of kind ``action`` does when it fires (one handler per kind)."""
        if action in self._handlers:
            raise ValueError(f"timer action {action!r} registered twice")
        self._handlers[action] = handler

    def has_timer_action(self, action: str) -> bool:
        return action in self._handlers

    def schedule(self, at: float, action: str, payload: dict[str, Any], description: str) -> Timer:
        if action not in self._handlers:
            raise KeyError(f"no handler for timer action {action!r}")
        return self.clock.schedule(at, action, payload, description=description, id=self.ids.opaque("tmr"))

    def _fire(self, timer: Timer) -> Any:
        return self._handlers[timer.action](timer.payload)

    # -- events ---------------------------------------------------------------------------------
    def emit(self, event_type: EventType, provider_slug: str, data: dict[str, Any]) -> Event:
        """Append a documented event to the tenant's event log (the one way anything becomes a webhook)."""
        event = Event(
            event_id=self.ids.opaque("evt"),
            event_type=EventType(event_type).value,
            created_at=self.clock.iso(),
            provider_slug=provider_slug,
            data=data,
        )
        return self.events.append(event)

    # -- background work ------------------------------------------------------------------------
    def spawn(self, awaitable: Awaitable[Any]) -> None:
        """Run a timer's awaitable in the background, on the running event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("no running event loop: a timer's background work was dropped")
            getattr(awaitable, "close", lambda: None)()
            return
        task = loop.create_task(awaitable)
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def settle(self) -> None:
        """Wait (at most the advance's bound) for background work already under way."""
        pending = [task for task in self.in_flight if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.config.webhook_advance_wait_seconds)

    def today(self) -> date:
        return self.clock.now().date()
