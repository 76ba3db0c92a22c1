"""The mock clock and its timer queue.

One :class:`Clock` per tenant. It follows wall time plus an offset by default, or is frozen and
moves only when told. Everything time-based in the mock (token expiry, rate-limit windows, OTP
expiry, sponsor decisions, webhook retries...) reads this clock and schedules work on its timer
queue, so QA can drive every time-based outcome by advancing it.

Advancing fires every due timer synchronously, in time order; while a timer fires, the clock reads
the timer's due time, so whatever it records is stamped with the simulated moment it happened.

A timer's handler may return an awaitable (a webhook delivery attempt, say). The asynchronous moves
(:meth:`Clock.advance_async`, :meth:`Clock.set_async`, what the admin plane uses) await it before the
next timer fires, so attempts and the retries they schedule happen in order; the synchronous moves and
the wall-time ticker hand it to ``spawn`` to run in the background instead.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

__all__ = [
    "EARLIEST",
    "LATEST",
    "Clock",
    "ClockRangeError",
    "Timer",
    "format_instant",
    "format_optional_instant",
    "month_bounds",
    "month_of",
    "parse_instant",
]

log = logging.getLogger(__name__)


# The clock stays between these instants, so every timer it schedules (days or years ahead) can
# still be written as an ISO-8601 date.
EARLIEST = 0.0  # 1970-01-01T00:00:00Z
LATEST = 221845392000.0  # 9000-01-01T00:00:00Z


class ClockRangeError(ValueError):
    pass


def format_optional_instant(ts: float | None) -> str | None:
    """:func:`format_instant`, or None for a moment that has not come (``decided_at`` of a pending challenge)."""
    return None if ts is None else format_instant(ts)


def month_of(ts: float) -> str:
    """``YYYY-MM`` (UTC) of an instant: a settlement period."""
    return format_instant(ts)[:7]


def month_bounds(period: str) -> tuple[float, float]:
    """The first instant of a ``YYYY-MM`` month (UTC) and the first of the next: ``month_of(ts) == period``
    exactly when ``start <= ts < end`` (ts rounded to the millisecond, as written)."""
    year, month = int(period[:4]), int(period[5:7])
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=UTC).timestamp(), datetime(*following, 1, tzinfo=UTC).timestamp()


def format_instant(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and a ``Z``, the way OSIGU writes dates."""
    return _format_millisecond(round(ts, 3))


@lru_cache(maxsize=1024)
def _format_millisecond(ts: float) -> str:
    # One request writes the same instant many times (created_at, updated_at, its events' created_at...): cached.
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}."
        f"{dt.microsecond // 1000:03d}Z"
    )


def parse_instant(text: str) -> float:
    """Parse an RFC 3339 date-time (``Z`` or an offset) into a POSIX timestamp."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError("a time zone (Z or an offset) is required")
    return dt.timestamp()


@dataclass(order=True)
class Timer:
    """Something that will happen at ``due`` (POSIX seconds on the mock clock)."""

    due: float
    seq: int
    id: str = field(compare=False)
    action: str = field(compare=False)
    payload: dict[str, Any] = field(compare=False, default_factory=dict)
    description: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "due_at": format_instant(self.due),
            "action": self.action,
            "description": self.description,
            "payload": self.payload,
        }


class Clock:
    """Wall time plus an offset, or frozen; with a queue of timers.

    Parameters:
        frozen: start frozen at the current wall time instead of following it.
        wall: the wall-time source (``time.time``); tests may pass their own.
        on_fire: called with each due timer, in order, while the clock reads the timer's due time.
            The owner (the tenant's ledger) dispatches on ``timer.action``; it may return an awaitable.
        spawn: where awaitables from synchronous firing go (run in the background). Without one they
            are closed unrun, with a warning.
    """

    def __init__(
        self,
        *,
        frozen: bool = False,
        wall: Callable[[], float] = time.time,
        on_fire: Callable[[Timer], Any] | None = None,
        spawn: Callable[[Awaitable[Any]], None] | None = None,
    ) -> None:
        self._wall = wall
        self._offset = 0.0
        self._frozen_at: float | None = wall() if frozen else None
        self._heap: list[Timer] = []
        self._by_id: dict[str, Timer] = {}
        self._seq = 0
        self._firing = False
        self._lock: asyncio.Lock | None = None
        # True while an asynchronous move is firing timers: handlers use it to bound their waits.
        self.advancing = False
        self.on_fire = on_fire
        self.spawn = spawn

    # -- reading -----------------------------------------------------------------------------
    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def timestamp(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._wall() + self._offset

    def wall(self) -> float:
        """The machine's time, whatever the mock clock reads (what outside parties compare against)."""
        return self._wall()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=UTC)

    def iso(self) -> str:
        return format_instant(self.timestamp())

    def as_dict(self) -> dict[str, Any]:
        return {"now": self.iso(), "frozen": self.frozen, "pending_timers": len(self._by_id)}

    # -- moving ------------------------------------------------------------------------------
    def _jump(self, ts: float) -> None:
        if self._frozen_at is not None:
            self._frozen_at = ts
        else:
            self._offset = ts - self._wall()

    @staticmethod
    def _check_range(target: float) -> None:
        if not EARLIEST <= target <= LATEST:
            raise ClockRangeError(
                f"the mock clock stays between {format_instant(EARLIEST)} and {format_instant(LATEST)}"
            )

    def set(self, *, now: float | None = None, frozen: bool | None = None) -> list[Timer]:
        """Set the time and/or freeze or unfreeze; moving forward fires the timers it passes."""
        target = self.timestamp() if now is None else now
        self._check_range(target)
        if frozen is True and self._frozen_at is None:
            self._frozen_at = target
        elif frozen is False and self._frozen_at is not None:
            self._frozen_at = None
            self._offset = target - self._wall()
        return self._move_to(target)

    def advance(self, seconds: float) -> list[Timer]:
        """Move forward ``seconds``, firing every timer due on the way, in time order."""
        if seconds < 0:
            raise ValueError("the clock only advances forward")
        target = self.timestamp() + seconds
        self._check_range(target)
        return self._move_to(target)

    def fire_due(self) -> list[Timer]:
        """Fire the timers already due at the current time (the wall-time ticker calls this)."""
        if self.busy:
            return []
        return self._move_to(self.timestamp(), jump=False)

    @property
    def busy(self) -> bool:
        """An asynchronous move is under way (the ticker leaves the clock alone meanwhile)."""
        return self._firing or (self._lock is not None and self._lock.locked())

    async def set_async(
        self,
        *,
        now: float | None = None,
        frozen: bool | None = None,
        settle: Callable[[], Awaitable[Any]] | None = None,
    ) -> list[Timer]:
        """:meth:`set`, awaiting what each fired timer returns before firing the next one."""
        async with self._get_lock():
            target = self.timestamp() if now is None else now
            self._check_range(target)
            if frozen is True and self._frozen_at is None:
                self._frozen_at = self.timestamp()
            elif frozen is False and self._frozen_at is not None:
                self._offset = self._frozen_at - self._wall()
                self._frozen_at = None
            return await self._move_to_async(target, settle)

    async def advance_async(self, seconds: float, *, settle: Callable[[], Awaitable[Any]] | None = None) -> list[Timer]:
        """:meth:`advance`, awaiting what each fired timer returns before firing the next one.

        ``settle`` is awaited first and after each timer: the owner waits there for work already in
        flight (deliveries the ticker started), so the advance sees its outcome.
        """
        if seconds < 0:
            raise ValueError("the clock only advances forward")
        async with self._get_lock():
            target = self.timestamp() + seconds
            self._check_range(target)
            return await self._move_to_async(target, settle)

    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _move_to_async(self, target: float, settle: Callable[[], Awaitable[Any]] | None) -> list[Timer]:
        fired: list[Timer] = []
        self._firing = self.advancing = True
        try:
            if settle is not None:
                await settle()
            while self._heap and self._heap[0].due <= target:
                timer = heapq.heappop(self._heap)
                if timer.cancelled:
                    continue
                self._by_id.pop(timer.id, None)
                if timer.due > self.timestamp():
                    self._jump(timer.due)
                result = self._fire(timer)
                if inspect.isawaitable(result):
                    try:
                        await result
                    except Exception:  # the handler bounds its own wait; a failure must not stop the clock
                        log.exception("timer %s (%s) failed", timer.id, timer.action)
                if settle is not None:
                    await settle()
                fired.append(timer)
            if target != self.timestamp():
                self._jump(target)
        finally:
            self._firing = self.advancing = False
        return fired

    def _move_to(self, target: float, *, jump: bool = True) -> list[Timer]:
        fired: list[Timer] = []
        if self._firing:  # a timer that moves the clock must not re-enter the queue
            if jump:
                self._jump(target)
            return fired
        self._firing = True
        try:
            while self._heap and self._heap[0].due <= target:
                timer = heapq.heappop(self._heap)
                if timer.cancelled:
                    continue
                self._by_id.pop(timer.id, None)
                if jump and timer.due > self.timestamp():
                    self._jump(timer.due)
                result = self._fire(timer)
                if inspect.isawaitable(result):
                    self._hand_off(result)
                fired.append(timer)
            if jump and target != self.timestamp():
                self._jump(target)
        finally:
            self._firing = False
        return fired

    def _fire(self, timer: Timer) -> Any:
        if self.on_fire is None:
            return None
        try:
            return self.on_fire(timer)
        except Exception:  # one broken timer must not stop the clock
            log.exception("timer %s (%s) failed", timer.id, timer.action)
            return None

    def _hand_off(self, awaitable: Awaitable[Any]) -> None:
        if self.spawn is not None:
            self.spawn(awaitable)
            return
        log.warning("no spawn for an awaitable timer result; dropped")
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()

    # -- timers ------------------------------------------------------------------------------
    def schedule(
        self, at: float, action: str, payload: dict[str, Any] | None = None, *, description: str = "", id: str
    ) -> Timer:
        self._seq += 1
        timer = Timer(due=at, seq=self._seq, id=id, action=action, payload=payload or {}, description=description)
        heapq.heappush(self._heap, timer)
        self._by_id[id] = timer
        return timer

    def cancel(self, timer_id: str) -> bool:
        timer = self._by_id.pop(timer_id, None)
        if timer is None:
            return False
        timer.cancelled = True
        return True

    def pending(self) -> list[Timer]:
        """Pending timers in the order they will fire."""
        return sorted(self._by_id.values())

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].due if self._heap else None
