"""The request journal: a bounded ring of what the mock was asked and what it answered.

Recording is on every API request's path, so entries are stored as plain tuples and turned into
:class:`JournalEntry` objects (and ISO dates) only when someone reads the journal.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from mock_server.core.clock import format_instant

__all__ = ["Journal", "JournalEntry"]


@dataclass(slots=True)
class JournalEntry:
    id: int
    at: float  # POSIX seconds on the tenant's clock; written as ISO-8601 in as_dict()
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
        return {**asdict(self), "at": format_instant(self.at)}


class Journal:
    def __init__(self, maxlen: int = 1_000) -> None:
        self._entries: deque[tuple] = deque(maxlen=maxlen)
        self._next = 0

    def record(
        self,
        at: float,
        request_id: str,
        method: str,
        path: str,
        query: str,
        status: int,
        client_id: str | None,
        provider_slug: str | None,
        duration_ms: float,
        error_code: str | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self._next += 1
        self._entries.append(
            (
                self._next,
                at,
                request_id,
                method,
                path,
                query,
                status,
                client_id,
                provider_slug,
                duration_ms,
                error_code,
                warnings or [],
            )
        )

    def find(
        self, *, path: str | None = None, status: int | None = None, client_id: str | None = None
    ) -> list[JournalEntry]:
        """Newest first. ``path`` is an exact path or a glob (``/v1/oauth/*``)."""
        out = []
        for raw in reversed(self._entries):
            entry = JournalEntry(*raw)
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
