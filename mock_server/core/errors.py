"""The one error builder.

Every error the mock returns is an :class:`ApiError` whose ``code`` is in the catalogue
(``contracts/errors.yaml``): the catalogue gives the HTTP status and the default message, and the
one exception handler renders OSIGU's body ``{code, message, errors: [{path, message}]}``.
Domain code raises these; it never builds a response.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from mock_server.core.resources import contracts_dir

__all__ = ["ApiError", "CatalogueEntry", "FieldError", "catalogue"]


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    status: int
    message: str
    confidence: str


@cache
def catalogue() -> dict[str, CatalogueEntry]:
    raw = yaml.safe_load((contracts_dir() / "errors.yaml").read_text(encoding="utf-8"))
    entries: dict[str, CatalogueEntry] = {}
    for item in raw["errors"]:
        entry = CatalogueEntry(str(item["code"]), int(item["status"]), item["message"], item["confidence"])
        if entry.code in entries:
            raise ValueError(f"error code {entry.code} is listed twice in errors.yaml")
        entries[entry.code] = entry
    return entries


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class ApiError(Exception):
    """An error from the catalogue.

    Parameters:
        code: a catalogue code; an unknown code is a programming error and fails at once.
        message: overrides the catalogue's default message with a more specific one.
        errors: one entry per problem (``path`` in ``a.b[0].c`` form, ``$`` for the whole body).
        headers: response headers (``Allow``, ``WWW-Authenticate``...): the HTTP layers' business;
            the domain never sets them.
        extra: further top-level fields of the body (``verification_required``, ``challenge_id``).
        retry_after: seconds until a rate-limited caller may try again (rendered as ``Retry-After``).
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        entry = catalogue().get(code)
        if entry is None:
            raise KeyError(f"error code {code!r} is not in contracts/errors.yaml")
        self.entry = entry
        self.code = code
        self.status = entry.status
        self.message = message or entry.message
        self.errors = list(errors or [])
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)
        super().__init__(f"{code}: {self.message}")

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": [e.as_dict() for e in self.errors], **self.extra}
