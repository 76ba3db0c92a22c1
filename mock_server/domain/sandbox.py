"""The whole mock: the shared world, the tenant store, the OAuth clients and the token index.

Routes hold one :class:`Sandbox` and call one method per operation. Nothing here awaits, so under
asyncio each call is atomic.
"""

from __future__ import annotations

import hmac
from typing import Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.core.store import DEFAULT_TENANT, Store, UnknownTenant
from mock_server.domain.ledger import Ledger
from mock_server.domain.oauth import GRANT_TYPE, Client, Principal, Token, parse_basic, sign_jwt
from mock_server.domain.world import ALL_SCOPES, World, load_world
from mock_server.settings import Settings

__all__ = ["Sandbox"]


class Sandbox:
    def __init__(self, settings: Settings, world: World | None = None) -> None:
        self.settings = settings
        self.world = world or load_world(settings.seed)
        self.store: Store[Ledger] = Store(self._new_ledger)
        self.clients: dict[str, Client] = {}
        # access token -> (tenant id, jti); the ledger holds the token itself.
        self._token_index: dict[str, tuple[str, str]] = {}
        self.store.create(DEFAULT_TENANT)
        for demo in self.world.demo_clients:
            self._add_client(
                Client(
                    demo.client_id, demo.client_secret, demo.provider_slug, demo.scope, DEFAULT_TENANT, demo.description
                )
            )

    # -- tenants -----------------------------------------------------------------------------
    def _new_ledger(self, tenant_id: str) -> Ledger:
        ledger = Ledger(tenant_id, self.world, self.settings)
        ledger.on_token_removed = self._forget_token
        return ledger

    def ledger(self, tenant_id: str = DEFAULT_TENANT) -> Ledger:
        try:
            return self.store.get(tenant_id)
        except UnknownTenant:
            raise ApiError("MOCK-404-tenant-not-found", f"No tenant {tenant_id!r}.") from None

    def reset(self, tenant_id: str = DEFAULT_TENANT) -> Ledger:
        """The tenant's ledger back to the seeded state; its OAuth clients stay."""
        old = self.ledger(tenant_id)
        for token in list(old.tokens.values()):
            self._forget_token(token)
        return self.store.reset(tenant_id)

    # -- clients -----------------------------------------------------------------------------
    def _add_client(self, client: Client) -> Client:
        if client.client_id in self.clients:
            raise ValueError(f"client {client.client_id} exists")
        self.clients[client.client_id] = client
        return client

    def create_client(
        self,
        tenant_id: str,
        provider_slug: str,
        scope: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> Client:
        ledger = self.ledger(tenant_id)
        if self.world.provider(provider_slug) is None:
            raise ApiError("MOCK-422-unknown-provider", f"No provider has the slug {provider_slug!r}.")
        scopes = tuple(scope.split()) if scope is not None else ALL_SCOPES
        unknown = [s for s in scopes if s not in ALL_SCOPES]
        if unknown:
            raise ApiError(
                "MOCK-422-validation-failed",
                errors=[FieldError("scope", f"unknown scope {s!r}; known: {' '.join(ALL_SCOPES)}") for s in unknown],
            )
        new_id = client_id or f"{provider_slug}-{ledger.ids.opaque('cli')[4:14].lower()}"
        if new_id in self.clients:
            raise ApiError("MOCK-422-validation-failed", errors=[FieldError("client_id", "is already taken")])
        secret = client_secret or ledger.ids.token(32)
        return self._add_client(Client(new_id, secret, provider_slug, scopes, tenant_id))

    def clients_of(self, tenant_id: str) -> list[Client]:
        return [c for c in self.clients.values() if c.tenant_id == tenant_id]

    # -- tokens ------------------------------------------------------------------------------
    def issue_token(self, authorization: str | None, grant_type: str | None) -> dict[str, Any]:
        client_id, secret = parse_basic(authorization)
        client = self.clients.get(client_id)
        challenge = {"WWW-Authenticate": 'Basic realm="osigu"'}
        if client is None:
            raise ApiError("MOCK-401-invalid-client", headers=challenge)
        ledger = self.ledger(client.tenant_id)
        now = ledger.clock.timestamp()
        retry_after = ledger.token_limiter.hit(client.client_id, now)
        if retry_after is not None:
            raise ApiError("MOCK-429-token-rate-limited", headers={"Retry-After": str(retry_after)})
        if not hmac.compare_digest(secret.encode(), client.client_secret.encode()):
            raise ApiError("MOCK-401-invalid-client", headers=challenge)
        if grant_type != GRANT_TYPE:
            raise ApiError("MOCK-400-invalid-grant-type")
        iat = int(now)
        exp = iat + self.settings.token_ttl_seconds
        jti = ledger.ids.uuid()
        access_token = sign_jwt(
            {
                "provider_slug": client.provider_slug,
                "client_id": client.client_id,
                "scope": client.scope_string(),
                "iat": iat,
                "exp": exp,
                "jti": jti,
            }
        )
        token = Token(access_token, jti, client.client_id, client.provider_slug, client.scope, iat, exp)
        ledger.tokens[jti] = token
        self._token_index[access_token] = (client.tenant_id, jti)
        ledger.schedule(
            exp,
            "oauth.token-expire",
            {"jti": jti, "client_id": client.client_id},
            f"access token {jti} of {client.client_id} expires",
        )
        return {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": self.settings.token_ttl_seconds,
            "scope": client.scope_string(),
        }

    def _forget_token(self, token: Token) -> None:
        self._token_index.pop(token.access_token, None)

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal behind ``Authorization: Bearer <token>``, or 401."""
        challenge = {"WWW-Authenticate": 'Bearer realm="osigu"'}
        if not authorization:
            raise ApiError("MOCK-401-missing-token", headers=challenge)
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise ApiError("MOCK-401-invalid-token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        found = self._token_index.get(value)
        if found is None:
            raise ApiError("MOCK-401-invalid-token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        tenant_id, jti = found
        ledger = self.store.get(tenant_id)
        token = ledger.tokens.get(jti)
        if token is None:
            self._token_index.pop(value, None)
            raise ApiError("MOCK-401-invalid-token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        now = ledger.clock.timestamp()
        if now >= token.expires_at:
            raise ApiError(
                "MOCK-401-expired-token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'},
            )
        if self.settings.sandbox_limits:
            retry_after = ledger.api_limiter.hit(token.client_id, now)
            if retry_after is not None:
                raise ApiError("MOCK-429-rate-limited", headers={"Retry-After": str(retry_after)})
        return Principal(token.provider_slug, token.client_id, frozenset(token.scope), tenant_id)

    # -- the wall-time ticker ------------------------------------------------------------------
    def tick(self) -> int:
        """Fire the timers wall time has made due, in every tenant; returns how many fired."""
        return sum(len(ledger.clock.fire_due()) for _, ledger in self.store.items())
