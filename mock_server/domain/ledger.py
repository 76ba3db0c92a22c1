"""A tenant's ledger: everything that happens, as opposed to the reference data everyone shares.

A ledger owns its clock (and the timers on it), its id generator, event log, journal, tokens,
rate-limit windows and provider product registrations. Reset replaces the whole ledger with a fresh
one (``mock_server.domain.snapshot`` turns a ledger into JSON and back).

Timer handlers may return an awaitable (a webhook attempt): the ledger runs those in the background
(``spawn``) and keeps them in ``in_flight`` so an admin clock move can wait for them (``settle``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
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

__all__ = ["Ledger", "timer_action"]

log = logging.getLogger(__name__)

TimerHandler = Callable[["Ledger", dict[str, Any]], Any]
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
        self.clock = Clock(frozen=settings.frozen_clock, on_fire=self._fire, spawn=self.spawn)
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
        # Webhooks (mock_server.domain.webhooks): subscriptions by id, deliveries by id (insertion order,
        # bounded), the transport that makes the HTTP calls (set by the app), and attempts in flight.
        self.subscriptions: dict[int, Any] = {}
        self.deliveries: dict[str, Any] = {}
        self.transport: Callable[..., Awaitable[Any]] | None = None
        self.in_flight: set[asyncio.Task] = set()
        # Pre-authorizations (mock_server.domain.authorizations): requests and authorizations by id,
        # every redeemable code -> (kind, id), units used per beneficiary/plan/product type/month,
        # one-shot outcomes forced by the admin plane.
        self.authorization_requests: dict[int, Any] = {}
        self.authorizations: dict[int, Any] = {}
        self.codes: dict[str, tuple[str, int]] = {}
        self.benefit_usage: dict[str, int] = {}
        self.next_outcomes: dict[int, dict[str, Any]] = {}
        # Verification: OTPs by id, verification tokens, challenges by id, and the outbox.
        self.otps: dict[str, Any] = {}
        self.otp_tokens: dict[str, Any] = {}
        self.challenges: dict[str, Any] = {}
        self.on_challenge_opened: Callable[[str], None] | None = None
        self.outbox: deque[dict[str, Any]] = deque(maxlen=settings.outbox_size)
        # ePrescription: the patient registry (by id and by document) and prescriptions by id.
        self.patients: dict[int, Any] = {}
        self.patients_by_document: dict[tuple[str, str], int] = {}
        self.prescriptions: dict[int, Any] = {}

    def schedule(self, at: float, action: str, payload: dict[str, Any], description: str) -> Timer:
        if action not in _TIMER_ACTIONS:
            raise KeyError(f"no handler for timer action {action!r}")
        return self.clock.schedule(at, action, payload, description=description, id=self.ids.opaque("tmr"))

    def _fire(self, timer: Timer) -> Any:
        return _TIMER_ACTIONS[timer.action](self, timer.payload)

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
            await asyncio.wait(pending, timeout=self.settings.webhook_advance_wait_seconds)

    def has_timer_action(self, action: str) -> bool:
        return action in _TIMER_ACTIONS

    def today(self) -> date:
        return self.clock.now().date()

    def remove_token(self, jti: str) -> None:
        token = self.tokens.pop(jti, None)
        if token is not None and self.on_token_removed is not None:
            self.on_token_removed(token)


@timer_action("oauth.token-expire")
def _expire_token(ledger: Ledger, payload: dict[str, Any]) -> None:
    ledger.remove_token(payload["jti"])
