"""Tokens and clients: OAuth 2.0 client credentials (``contracts/openapi.yaml``, getAccessToken).

- A :class:`Client` holds ``client_id``, ``client_secret``, the provider it acts for, its scopes and
  its tenant. Clients outlive resets, so ``mock_server.sandbox`` keeps them, not the ledger.
- The access token is a JWT (RS256, with a ``kid``) whose payload carries ``provider_slug``,
  ``client_id``, ``scope`` (one space-separated string), ``iat``, ``exp`` and ``jti``; it lives
  3600 s on the tenant's clock. Tokens are authenticated by lookup in the tenant's :class:`Tokens`
  area, never by re-verifying the signature, so revocation (reset) is immediate.
- The token endpoint allows 10 requests a minute per client (429 with a retry delay); with the
  sandbox limits on, API calls allow 50 a minute per client.
- A token past its ``exp`` on the tenant's clock is ``MOCK-401-token-expired``; any other bad token is
  ``MOCK-401-invalid-token``.

How credentials and tokens travel in HTTP headers, and which scope an operation needs, is the API
layer's business (``mock_server.api.auth``); this module deals in client ids, secrets and tokens.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.core.ratelimit import SlidingWindow

if TYPE_CHECKING:  # pyjwt and cryptography are imported on the first token, not at launch
    from cryptography.hazmat.primitives.asymmetric import rsa
from mock_server.domain.ledger import Area, TimerHandler

__all__ = ["ALL_SCOPES", "GRANT_TYPE", "Client", "Principal", "Token", "Tokens", "sign_jwt", "signed_claims"]

ALL_SCOPES = ("arc:read", "arc:write", "dispensing:read", "dispensing:write", "ehr:read", "ehr:write")
GRANT_TYPE = "client_credentials"
KEY_ID = "osigu-mock-rs256-1"
EXPIRE = "oauth.token-expire"


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
    """Who is calling: derived from the access token, never from the request body."""

    provider_slug: str
    client_id: str
    scopes: frozenset[str]
    tenant_id: str


class Tokens(Area):
    """The tenant's issued access tokens, by ``jti``, and its rate-limit windows."""

    name = "tokens"

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.tokens: dict[str, Token] = {}
        self.token_limiter = SlidingWindow(self.config.token_requests_per_minute)
        self.api_limiter = SlidingWindow(self.config.api_requests_per_minute)
        # Told about each token the tenant forgets (expiry), so the cross-tenant index can follow.
        self.on_removed: Callable[[Token], None] | None = None

    def timers(self) -> Mapping[str, TimerHandler]:
        return {EXPIRE: self._expire}

    def issue(self, client: Client, secret: str, grant_type: str | None) -> Token:
        """A new access token for ``client``: 429 past the token rate, 401 for a wrong secret, 400 for a
        grant type other than ``client_credentials``."""
        now = self.clock.timestamp()
        retry_after = self.token_limiter.hit(client.client_id, now)
        if retry_after is not None:
            raise ApiError("MOCK-429-token-rate-limited", retry_after=retry_after)
        if not hmac.compare_digest(secret.encode(), client.client_secret.encode()):
            raise ApiError("MOCK-401-invalid-client")
        if grant_type != GRANT_TYPE:
            raise ApiError("MOCK-400-invalid-grant-type", errors=[FieldError("grant_type", f"must be {GRANT_TYPE}")])
        iat = int(now)
        exp = iat + self.config.token_ttl_seconds
        jti = self.ids.uuid()
        claims = {
            "provider_slug": client.provider_slug,
            "client_id": client.client_id,
            "scope": client.scope_string(),
            "iat": iat,
            "exp": exp,
            "jti": jti,
        }
        token = Token(sign_jwt(claims), jti, client.client_id, client.provider_slug, client.scope, iat, exp)
        self.tokens[jti] = token
        self.ledger.schedule(
            exp,
            EXPIRE,
            {"jti": jti, "client_id": client.client_id},
            f"access token {jti} of {client.client_id} expires",
        )
        return token

    def check(self, jti: str) -> Token:
        """The live token ``jti``: 401 when the tenant forgot it or it expired on the tenant's clock,
        429 past the sandbox's API rate when those limits are on."""
        token = self.tokens.get(jti)
        if token is None:
            raise ApiError("MOCK-401-invalid-token")
        now = self.clock.timestamp()
        if now >= token.expires_at:
            raise ApiError("MOCK-401-token-expired")
        if self.config.sandbox_limits:
            retry_after = self.api_limiter.hit(token.client_id, now)
            if retry_after is not None:
                raise ApiError("MOCK-429-rate-limited", retry_after=retry_after)
        return token

    def remove(self, jti: str) -> None:
        token = self.tokens.pop(jti, None)
        if token is not None and self.on_removed is not None:
            self.on_removed(token)

    def _expire(self, payload: dict[str, Any]) -> None:
        self.remove(payload["jti"])

    def keep_through_reset(self, previous: Tokens) -> None:
        """Issued tokens stay valid until their ``exp``: a suite may authenticate once and reset often."""
        for token in previous.tokens.values():
            self.tokens[token.jti] = token
            self.ledger.schedule(
                token.expires_at,
                EXPIRE,
                {"jti": token.jti, "client_id": token.client_id},
                f"access token {token.jti} of {token.client_id} expires",
            )

    # -- snapshot -------------------------------------------------------------------------------
    tables = {"tokens": ("tokens", Token, "jti")}


_key_lock = threading.Lock()
_private_key: rsa.RSAPrivateKey | None = None


def signing_key() -> rsa.RSAPrivateKey:
    """The process's RS256 key, made on first use (integrators decode tokens; nobody verifies them)."""
    global _private_key
    with _key_lock:
        if _private_key is None:
            from cryptography.hazmat.primitives.asymmetric import rsa

            _private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _private_key


def sign_jwt(claims: dict[str, Any]) -> str:
    import jwt

    return jwt.encode(claims, signing_key(), algorithm="RS256", headers={"kid": KEY_ID})


def signed_claims(access_token: str) -> dict[str, Any] | None:
    """The claims of a token this process signed, whatever its ``exp``; None for anything else.

    A tenant forgets a token when it expires (so memory stays bounded), yet a client that presents it
    later must still hear that it expired rather than that it was forged: the signature tells.
    """
    import jwt

    try:
        return jwt.decode(
            access_token,
            signing_key().public_key(),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "require": ["exp", "client_id", "jti"]},
        )
    except jwt.PyJWTError:
        return None
