"""Redeeming an authorization: what a dispensation or a claim may take of it, and what taking it does.

- Redeemable: ``READY`` or ``PARTIALLY_CLAIMED``, before ``expires_at``, with units left; otherwise 422
  ``MOCK-422-code-not-redeemable`` (voided, expired, fully claimed, awaiting manual review).
- While a dispensation is ``STARTED`` it holds the authorization (``locked_by``): another start on the
  code is 409 ``MOCK-409-code-locked``, and so is a void.
- A claim takes units line by line: ``claimed_quantity`` grows, each line becomes ``PARTIALLY_CLAIMED``
  or ``CLAIMED``, and so does the authorization. Never beyond ``authorized_quantity``.
- A voided claim gives its units back (inferred).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.authorizations.records import (
    AUTHORIZATION_STATES,
    Authorization,
    AuthorizationLine,
    AuthorizationStatus,
    LineStatus,
)

if TYPE_CHECKING:
    from mock_server.domain.authorizations.backend import Authorizations

__all__ = [
    "REDEEMABLE",
    "Wanted",
    "check_redeemable",
    "claim",
    "lock",
    "open_lines",
    "pay",
    "pick",
    "remaining",
    "unclaim",
    "unlock",
]

REDEEMABLE = (AuthorizationStatus.READY, AuthorizationStatus.PARTIALLY_CLAIMED)
_CLAIMABLE_LINES = (LineStatus.APPROVED, LineStatus.PARTIALLY_CLAIMED)


def remaining(line: AuthorizationLine) -> int:
    return max(0, line.authorized_quantity - line.claimed_quantity)


def open_lines(authorization: Authorization) -> list[AuthorizationLine]:
    """The lines with units left to redeem."""
    return [line for line in authorization.lines if line.status in _CLAIMABLE_LINES and remaining(line) > 0]


@dataclass(frozen=True)
class Wanted:
    """What a caller asks of an authorization: a line by id (or by product code), and how many units;
    ``path`` names the request's item in errors (``products[0]``)."""

    path: str
    line_id: int | None
    product_code: str | None
    quantity: int
    id_field: str = "id"


def pick(authorization: Authorization, wanted: list[Wanted]) -> list[tuple[AuthorizationLine, int]]:
    """``(line, units)`` for each item asked: a line with units left, never more units than it has left
    (items asking for the same line add up). One 422 naming every item that asks too much or names no line."""
    lines = {line.id: line for line in open_lines(authorization)}
    by_code = {line.product_code: line for line in reversed(open_lines(authorization))}
    problems: list[FieldError] = []
    picked: list[tuple[AuthorizationLine, int]] = []
    asked: dict[int, int] = {}
    for item in wanted:
        line = lines.get(item.line_id) if item.line_id is not None else by_code.get(item.product_code or "")
        if line is None:
            what = f"line {item.line_id}" if item.line_id is not None else f"product {item.product_code}"
            field = item.id_field if item.line_id is not None else "product_code"
            problems.append(FieldError(f"{item.path}.{field}", f"{what} is not an open line of {authorization.code}"))
            continue
        asked[line.id] = asked.get(line.id, 0) + item.quantity
        if asked[line.id] > remaining(line):
            problems.append(
                FieldError(f"{item.path}.quantity", f"{remaining(line)} unit(s) of {line.product_code} are left")
            )
            continue
        picked.append((line, item.quantity))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    return picked


def check_redeemable(authz: Authorizations, authorization: Authorization, *, held_by: int | None = None) -> None:
    """422 when the authorization cannot be redeemed now; 409 while a dispensation other than
    ``held_by`` holds it."""
    code = authorization.code
    if authorization.status == AuthorizationStatus.VOIDED:
        raise ApiError("MOCK-422-code-not-redeemable", f"Authorization {code} is VOIDED.")
    if authorization.status in REDEEMABLE and authz.clock.timestamp() >= authorization.expires_at:
        raise ApiError("MOCK-422-code-not-redeemable", f"Authorization {code} has expired.")
    if authorization.status in (AuthorizationStatus.CLAIMED, AuthorizationStatus.PAID) or (
        authorization.status in REDEEMABLE and not open_lines(authorization)
    ):
        raise ApiError("MOCK-422-code-not-redeemable", f"Authorization {code} was fully claimed.")
    if authorization.status not in REDEEMABLE:
        raise ApiError("MOCK-422-code-not-redeemable", f"Authorization {code} is {authorization.status}.")
    if not open_lines(authorization):
        raise ApiError("MOCK-422-code-not-redeemable", f"Authorization {code} was fully claimed.")
    if authorization.locked_by is not None and authorization.locked_by != held_by:
        raise ApiError("MOCK-409-code-locked", f"Authorization {code} is being dispensed elsewhere.")


def lock(authz: Authorizations, authorization: Authorization, dispensation_id: int) -> None:
    check_redeemable(authz, authorization)
    authorization.locked_by = dispensation_id


def unlock(authorization: Authorization, dispensation_id: int) -> None:
    if authorization.locked_by == dispensation_id:
        authorization.locked_by = None


def claim(authz: Authorizations, authorization: Authorization, taken: dict[int, int]) -> None:
    """Take ``{line id: units}``: the caller has checked each against :func:`remaining`."""
    lines = {line.id: line for line in authorization.lines}
    for line_id, units in taken.items():
        line = lines[line_id]
        if units > remaining(line):  # a bug in the caller, never a client's mistake
            raise ValueError(f"line {line_id}: {units} units asked, {remaining(line)} left")
        line.claimed_quantity += units
        line.status = LineStatus.CLAIMED if remaining(line) == 0 else LineStatus.PARTIALLY_CLAIMED
    _follow_lines(authz, authorization)


def unclaim(authz: Authorizations, authorization: Authorization, given_back: dict[int, int]) -> None:
    """A voided claim gives ``{line id: units}`` back."""
    lines = {line.id: line for line in authorization.lines}
    for line_id, units in given_back.items():
        line = lines.get(line_id)
        if line is None:
            continue
        line.claimed_quantity = max(0, line.claimed_quantity - units)
        line.status = LineStatus.PARTIALLY_CLAIMED if line.claimed_quantity else LineStatus.APPROVED
    if authorization.status in (AuthorizationStatus.PARTIALLY_CLAIMED, AuthorizationStatus.CLAIMED):
        _follow_lines(authz, authorization)


def pay(authorization: Authorization) -> bool:
    """A settled authorization: ``CLAIMED`` -> ``PAID`` (the caller has checked that every claim on it is
    paid). A partly claimed one keeps its open units and stays as it is (inferred). Whether it moved."""
    if authorization.status != AuthorizationStatus.CLAIMED:
        return False
    AUTHORIZATION_STATES.move(authorization, AuthorizationStatus.PAID)
    return True


def _follow_lines(authz: Authorizations, authorization: Authorization) -> None:
    claimed = any(line.claimed_quantity for line in authorization.lines)
    if not claimed:
        target = AuthorizationStatus.READY
    elif open_lines(authorization):
        target = AuthorizationStatus.PARTIALLY_CLAIMED
    else:
        target = AuthorizationStatus.CLAIMED
    if target != authorization.status or target == AuthorizationStatus.PARTIALLY_CLAIMED:
        AUTHORIZATION_STATES.move(authorization, target)
    if target == AuthorizationStatus.CLAIMED and authorization.expiry_timer_id:
        authz.clock.cancel(authorization.expiry_timer_id)
        authorization.expiry_timer_id = None
    authorization.updated_at = authz.clock.timestamp()
