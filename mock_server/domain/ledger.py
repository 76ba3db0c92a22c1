"""A tenant's ledger: everything that happens, as opposed to the reference data everyone shares.

A ledger owns its clock (and the timers on it), its id generator, event log, journal, tokens,
rate-limit windows and provider product registrations. Reset replaces the whole ledger with a fresh
one; a snapshot is the ledger as JSON (journal, event log and rate windows left out) and back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from mock_server.core.clock import Clock, Timer
from mock_server.core.events import EventLog
from mock_server.core.ids import IdGenerator
from mock_server.core.journal import Journal
from mock_server.core.ratelimit import SlidingWindow

if TYPE_CHECKING:
    from mock_server.domain.oauth import Token
    from mock_server.domain.world import World
    from mock_server.settings import Settings

__all__ = ["Ledger", "from_snapshot", "timer_action", "to_snapshot"]

log = logging.getLogger(__name__)

TimerHandler = Callable[["Ledger", dict[str, Any]], None]
_TIMER_ACTIONS: dict[str, TimerHandler] = {}


def timer_action(name: str) -> Callable[[TimerHandler], TimerHandler]:
    """Register what a timer of kind ``name`` does when it fires (one handler per kind)."""

    def register(handler: TimerHandler) -> TimerHandler:
        if name in _TIMER_ACTIONS and _TIMER_ACTIONS[name] is not handler:
            raise ValueError(f"timer action {name!r} registered twice")
        _TIMER_ACTIONS[name] = handler
        return handler

    return register


class Ledger:
    def __init__(self, tenant_id: str, world: World, settings: Settings) -> None:
        self.tenant_id = tenant_id
        self.world = world
        self.settings = settings
        self.clock = Clock(frozen=settings.frozen_clock, on_fire=self._fire)
        self.ids = IdGenerator(seed=f"{world.seed}:{tenant_id}")
        self.events = EventLog(settings.event_log_size)
        self.journal = Journal(settings.journal_size)
        self.tokens: dict[str, Token] = {}  # by jti
        self.token_limiter = SlidingWindow(settings.token_requests_per_minute)
        self.api_limiter = SlidingWindow(settings.api_requests_per_minute)
        # Called with a token when the ledger forgets it (expiry), so indexes can follow.
        self.on_token_removed: Callable[[Token], None] | None = None
        # provider slug -> product code -> registered_at
        self.registrations: dict[str, dict[str, str]] = {
            slug: dict(items) for slug, items in world.registrations.items()
        }

    def schedule(self, at: float, action: str, payload: dict[str, Any], description: str) -> Timer:
        if action not in _TIMER_ACTIONS:
            raise KeyError(f"no handler for timer action {action!r}")
        return self.clock.schedule(at, action, payload, description=description, id=self.ids.opaque("tmr"))

    def _fire(self, timer: Timer) -> None:
        _TIMER_ACTIONS[timer.action](self, timer.payload)

    def today(self) -> date:
        return self.clock.now().date()

    def remove_token(self, jti: str) -> None:
        token = self.tokens.pop(jti, None)
        if token is not None and self.on_token_removed is not None:
            self.on_token_removed(token)


@timer_action("oauth.token-expire")
def _expire_token(ledger: Ledger, payload: dict[str, Any]) -> None:
    ledger.remove_token(payload["jti"])


SNAPSHOT_FORMAT = "osigu-mock-snapshot"
SNAPSHOT_VERSION = 1


def to_snapshot(ledger: Ledger) -> dict[str, Any]:
    """The ledger as JSON: everything a restore needs to carry on where it left off."""
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
    }


def from_snapshot(ledger: Ledger, snapshot: dict[str, Any]) -> Ledger:
    """Fill a fresh ledger from a snapshot (already checked against its schema and seed)."""
    from mock_server.domain.oauth import Token

    ledger.clock.set(now=snapshot["clock"]["timestamp"], frozen=snapshot["clock"]["frozen"])
    ledger.ids.restore(snapshot["ids"])
    for timer in snapshot["timers"]:
        if timer["action"] not in _TIMER_ACTIONS:
            raise KeyError(timer["action"])
        ledger.clock.schedule(
            timer["due"], timer["action"], timer["payload"], description=timer["description"], id=timer["id"]
        )
    for token in snapshot["tokens"]:
        record = Token(**{**token, "scope": tuple(token["scope"])})
        ledger.tokens[record.jti] = record
    ledger.registrations = {slug: dict(items) for slug, items in snapshot["registrations"].items()}
    return ledger
