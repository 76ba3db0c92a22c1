"""The one pagination helper (Spring HATEOAS ``PagedModel``; ``contracts/schemas/page.schema.json``).

Query ``page`` (0-based, default 0) and ``size`` (default 15, at most 100); the response is
``{content, page: {size, total_elements, total_pages, number}, links: [{rel, href}]}`` with rels
``self``, ``first``, ``last`` and, where they exist, ``next`` and ``prev``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mock_server.core.errors import ApiError, FieldError

__all__ = ["DEFAULT_SIZE", "MAX_SIZE", "PageRequest", "Viewed", "paginate"]

DEFAULT_SIZE = 15
MAX_SIZE = 100
MAX_PAGE = 2**31 - 1  # Spring's page number is a Java int


@dataclass(frozen=True)
class PageRequest:
    number: int = 0
    size: int = DEFAULT_SIZE

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> PageRequest:
        problems: list[FieldError] = []
        number = _int_param(query, "page", 0, problems)
        size = _int_param(query, "size", DEFAULT_SIZE, problems)
        if number is not None and not 0 <= number <= MAX_PAGE:
            problems.append(FieldError("page", f"must be between 0 and {MAX_PAGE}"))
        if size is not None and not 1 <= size <= MAX_SIZE:
            problems.append(FieldError("size", f"must be between 1 and {MAX_SIZE}"))
        if problems:
            raise ApiError("MOCK-400-invalid-parameter", errors=problems)
        return cls(number or 0, size or DEFAULT_SIZE)


def _int_param(query: Mapping[str, str], name: str, default: int, problems: list[FieldError]) -> int | None:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        return int(raw.strip(), 10)
    except ValueError:
        problems.append(FieldError(name, "must be an integer"))
        return None


class Viewed(Sequence):
    """Records shown through ``view`` only when a page takes them: a long list pays for one page of views."""

    def __init__(self, records: Sequence[Any], view: Callable[[Any], Any]) -> None:
        self._records, self._view = records, view

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._view(record) for record in self._records[index]]
        return self._view(self._records[index])


def paginate(
    items: Sequence[Any],
    request: PageRequest,
    path: str,
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One page of ``items`` (already filtered and ordered) with its metadata and links.

    ``path`` and ``query`` are the request's own, so links keep the caller's filters.
    """
    total = len(items)
    size = request.size
    total_pages = (total + size - 1) // size
    start = request.number * size
    content = list(items[start : start + size])
    kept = {k: v for k, v in (query or {}).items() if k not in ("page", "size")}

    def href(number: int) -> str:
        return f"{path}?{urlencode({**kept, 'page': number, 'size': size})}"

    last = max(total_pages - 1, 0)
    links = [{"rel": "self", "href": href(request.number)}, {"rel": "first", "href": href(0)}]
    if request.number > 0:
        links.append({"rel": "prev", "href": href(min(request.number - 1, last))})
    if request.number < last:
        links.append({"rel": "next", "href": href(request.number + 1)})
    links.append({"rel": "last", "href": href(last)})
    return {
        "content": content,
        "page": {"size": size, "total_elements": total, "total_pages": total_pages, "number": request.number},
        "links": links,
    }
