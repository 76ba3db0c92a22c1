"""Credentials in HTTP: the Basic and Bearer headers, the scope table, and the challenges (RFC 6750)
that go with 401 and 403 (``contracts/openapi.yaml``: securitySchemes, and each operation's security).

- The token endpoint takes the client's credentials as HTTP Basic ``client_id:client_secret``.
- Every other protected operation takes ``Authorization: Bearer <token>``; a missing, malformed,
  unknown or expired token is 401 with ``WWW-Authenticate``.
- The scope table: ``arc:*`` for ``/arc``, ``/v1/sponsors``, ``/medical-catalogs``, ``/otp`` and
  ``/v3/settlements``; ``dispensing:*`` for ``/dispensing``; ``ehr:*`` for ``/ehr``; any scope for
  ``/webhooks``. Reads need ``:read``, everything else ``:write``. A token without the scope is 403.
"""

from __future__ import annotations

import base64
import binascii

from mock_server.core.errors import ApiError
from mock_server.domain.tokens import Principal

__all__ = ["ANY_SCOPE", "authenticated", "bearer_token", "parse_basic", "require_scope", "required_scope"]

ANY_SCOPE = "*"
BASIC_CHALLENGE = 'Basic realm="osigu"'
# The WWW-Authenticate challenge of each 401 an access token can meet (RFC 6750): an expired token is
# told apart from a forged one, so a client knows to refresh rather than to raise the alarm.
BEARER_CHALLENGES = {
    "MOCK-401-missing-token": 'Bearer error="invalid_token", error_description="No access token was sent"',
    "MOCK-401-invalid-token": 'Bearer error="invalid_token", error_description="Malformed or unknown access token"',
    "MOCK-401-token-expired": 'Bearer error="invalid_token", error_description="The access token expired"',
}

# (path prefix, area): reads need "<area>:read", the rest "<area>:write"; an area of ANY_SCOPE takes any scope.
_SCOPE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/webhooks/", ANY_SCOPE),
    # Who the widget's token is (contracts/README.md, "Widgets").
    ("/widgets/v1/session", ANY_SCOPE),
    ("/arc/", "arc"),
    ("/v1/sponsors", "arc"),
    ("/medical-catalogs/", "arc"),
    ("/otp/", "arc"),
    ("/v1/otp/", "arc"),
    ("/v3/settlements", "arc"),
    ("/dispensing/", "dispensing"),
    ("/ehr/", "ehr"),
    # The prescription widget's LINK delivery acts on a prescription (contracts/README.md, "Widgets").
    ("/widgets/v1/prescriptions/", "ehr"),
)
_READ_METHODS = frozenset({"GET", "HEAD"})


def required_scope(method: str, path: str) -> str | None:
    """The scope an API operation needs; ``ANY_SCOPE`` for webhooks; ``None`` when not OAuth-protected."""
    for prefix, area in _SCOPE_PREFIXES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            if area == ANY_SCOPE:
                return ANY_SCOPE
            return f"{area}:{'read' if method.upper() in _READ_METHODS else 'write'}"
    return None


def require_scope(principal: Principal, scope: str | None) -> None:
    """403 with an ``insufficient_scope`` challenge when the token lacks ``scope``."""
    if scope is None or scope == ANY_SCOPE and principal.scopes:
        return
    if scope not in principal.scopes:
        carried = " ".join(sorted(principal.scopes)) or "none"
        raise ApiError(
            "MOCK-403-insufficient-scope",
            f"This operation needs the scope {scope}; the token carries: {carried}.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )


def parse_basic(header: str | None) -> tuple[str, str]:
    """``(client_id, client_secret)`` from an HTTP Basic header, or 401 ``MOCK-401-invalid-client``."""
    challenge = {"WWW-Authenticate": BASIC_CHALLENGE}
    if not header:
        raise ApiError("MOCK-401-invalid-client", headers=challenge)
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        raise ApiError("MOCK-401-invalid-client", headers=challenge)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(
            "MOCK-401-invalid-client", "The Basic credentials are not valid Base64.", headers=challenge
        ) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise ApiError("MOCK-401-invalid-client", headers=challenge)
    return client_id, secret


def with_basic_challenge(error: ApiError) -> ApiError:
    """A 401 from the token endpoint carries the Basic challenge."""
    if error.status == 401:
        error.headers.setdefault("WWW-Authenticate", BASIC_CHALLENGE)
    return error


def bearer_token(header: str | None) -> str:
    """The token of ``Authorization: Bearer <token>``, or 401 with its challenge."""
    if not header:
        raise _bearer_error("MOCK-401-missing-token")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise _bearer_error("MOCK-401-invalid-token")
    return value


def authenticated(error: ApiError) -> ApiError:
    """A domain's refusal of a token, with the challenge RFC 6750 asks for."""
    challenge = BEARER_CHALLENGES.get(error.code)
    if challenge is not None:
        error.headers.setdefault("WWW-Authenticate", challenge)
    return error


def _bearer_error(code: str) -> ApiError:
    return authenticated(ApiError(code))
