"""The event log: the one source of every webhook event.

Domain operations append events; nothing else produces them. Listeners (the webhook dispatcher)
are called synchronously on append and must not block: they schedule their own work.
The log is a bounded ring, so a long load test cannot exhaust memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Event", "EventLog"]


@dataclass(frozen=True)
class Event:
    event_id: str
    event_type: str
    created_at: str
    provider_slug: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "created_at": self.created_at,
            "provider_slug": self.provider_slug,
            "data": self.data,
        }


class EventLog:
    def __init__(self, maxlen: int = 10_000) -> None:
        self._events: deque[Event] = deque(maxlen=maxlen)
        self._listeners: list[Callable[[Event], None]] = []

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def append(self, event: Event) -> Event:
        self._events.append(event)
        for listener in self._listeners:
            listener(event)
        return event

    def __iter__(self):
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)
