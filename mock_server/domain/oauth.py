"""OAuth 2.0 client credentials, exactly as API.md section 1 pins them.

- ``POST /v1/oauth/token`` with HTTP Basic ``client_id:client_secret`` and
  ``grant_type=client_credentials`` in a form body or the query string.
- The access token is a JWT (RS256, with a ``kid``) whose payload carries ``provider_slug``,
  ``client_id``, ``scope`` (one space-separated string), ``iat``, ``exp`` and ``jti``; it lives
  3600 s on the tenant's clock. Tokens are authenticated by lookup in the tenant's ledger, never by
  re-verifying the signature, so revocation (reset) is immediate.
- The scope table (:func:`required_scope`): ``arc:*`` for ``/arc``, ``/v1/sponsors``,
  ``/medical-catalogs``, ``/otp`` and ``/v3/settlements``; ``dispensing:*`` for ``/dispensing``;
  ``ehr:*`` for ``/ehr``; any scope for ``/webhooks``. Reads need ``:read``, everything else
  ``:write``.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_server.core.errors import ApiError

__all__ = [
    "ANY_SCOPE",
    "Client",
    "Principal",
    "Token",
    "parse_basic",
    "required_scope",
    "sign_jwt",
]

ANY_SCOPE = "*"
GRANT_TYPE = "client_credentials"
KEY_ID = "osigu-mock-rs256-1"

_SCOPE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/arc/", "arc"),
    ("/v1/sponsors", "arc"),
    ("/medical-catalogs/", "arc"),
    ("/otp/", "arc"),
    ("/v1/otp/", "arc"),
    ("/v3/settlements", "arc"),
    ("/dispensing/", "dispensing"),
    ("/ehr/", "ehr"),
)
_READ_METHODS = frozenset({"GET", "HEAD"})


def required_scope(method: str, path: str) -> str | None:
    """The scope an API operation needs; ``ANY_SCOPE`` for webhooks; ``None`` when not OAuth-protected."""
    if path.startswith("/webhooks/"):
        return ANY_SCOPE
    for prefix, area in _SCOPE_PREFIXES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return f"{area}:{'read' if method.upper() in _READ_METHODS else 'write'}"
    return None


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    provider_slug: str
    scope: tuple[str, ...]
    tenant_id: str
    description: str = ""

    def scope_string(self) -> str:
        return " ".join(self.scope)


@dataclass(frozen=True)
class Token:
    access_token: str
    jti: str
    client_id: str
    provider_slug: str
    scope: tuple[str, ...]
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class Principal:
    """Who is calling: derived from the bearer token, never from the request body."""

    provider_slug: str
    client_id: str
    scopes: frozenset[str]
    tenant_id: str

    def require(self, scope: str | None) -> None:
        if scope is None or scope == ANY_SCOPE and self.scopes:
            return
        if scope not in self.scopes:
            carried = " ".join(sorted(self.scopes)) or "none"
            raise ApiError(
                "MOCK-403-insufficient-scope",
                f"This operation needs the scope {scope}; the token carries: {carried}.",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
            )


def parse_basic(header: str | None) -> tuple[str, str]:
    """``(client_id, client_secret)`` from an HTTP Basic header, or 401 ``MOCK-401-invalid-client``."""
    challenge = {"WWW-Authenticate": 'Basic realm="osigu"'}
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


_key_lock = threading.Lock()
_private_key: rsa.RSAPrivateKey | None = None


def signing_key() -> rsa.RSAPrivateKey:
    """The process's RS256 key, made on first use (integrators decode tokens; nobody verifies them)."""
    global _private_key
    with _key_lock:
        if _private_key is None:
            _private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _private_key


def sign_jwt(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, signing_key(), algorithm="RS256", headers={"kid": KEY_ID})
