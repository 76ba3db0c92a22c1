"""The request journal: a bounded ring of what the mock was asked and what it answered."""

from __future__ import annotations

import fnmatch
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Journal", "JournalEntry"]


@dataclass
class JournalEntry:
    id: int
    at: str
    request_id: str
    method: str
    path: str
    query: str
    status: int
    client_id: str | None
    provider_slug: str | None
    duration_ms: float
    error_code: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Journal:
    def __init__(self, maxlen: int = 1_000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._next = 0

    def record(self, **fields: Any) -> JournalEntry:
        self._next += 1
        entry = JournalEntry(id=self._next, **fields)
        self._entries.append(entry)
        return entry

    def find(
        self, *, path: str | None = None, status: int | None = None, client_id: str | None = None
    ) -> list[JournalEntry]:
        """Newest first. ``path`` is an exact path or a glob (``/v1/oauth/*``)."""
        out = []
        for entry in reversed(self._entries):
            if path is not None and not (entry.path == path or fnmatch.fnmatchcase(entry.path, path)):
                continue
            if status is not None and entry.status != status:
                continue
            if client_id is not None and entry.client_id != client_id:
                continue
            out.append(entry)
        return out

    def __len__(self) -> int:
        return len(self._entries)
