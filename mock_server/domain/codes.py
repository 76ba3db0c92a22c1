"""The 12-digit redemption codes: one namespace for authorization and prescription codes.

A pharmacy scans a code without saying what it is; OSIGU detects the type. ``ledger.codes`` maps each
issued code to ``(code_type, record id)``; this module answers what a code is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.errors import ApiError
from mock_server.domain import authorizations, prescriptions

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = ["CODE_TYPES", "explain", "lookup"]

CODE_TYPES = ("AUTHORIZATION", "PRESCRIPTION")


def lookup(ledger: Ledger, code: str) -> tuple[str, int]:
    """``(code_type, record id)`` of an issued code; 404 ``MOCK-404-code-not-found`` otherwise."""
    found = ledger.codes.get(str(code).strip().upper())
    if found is None:
        raise ApiError("MOCK-404-code-not-found", f"No authorization or prescription has the code {code!r}.")
    return found


def explain(ledger: Ledger, code: str) -> dict[str, Any]:
    """What redeeming ``code`` would do now, whichever kind of code it is."""
    code_type, _ = lookup(ledger, code)
    module = prescriptions if code_type == "PRESCRIPTION" else authorizations
    return module.explain_code(ledger, code)
