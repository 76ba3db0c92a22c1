"""The whole mock: the shared world, the tenant store, the OAuth clients and the token index.

Routes hold one :class:`Sandbox` and call one method per operation. Nothing here awaits, so under
asyncio each call is atomic.
"""

from __future__ import annotations

import hmac
import secrets
from functools import partial
from typing import Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.core.store import DEFAULT_TENANT, Store, UnknownTenant
from mock_server.domain import patients, webhooks
from mock_server.domain.ledger import Ledger
from mock_server.domain.oauth import GRANT_TYPE, Client, Principal, Token, parse_basic, sign_jwt
from mock_server.domain.snapshot import from_snapshot, to_snapshot
from mock_server.domain.world import ALL_SCOPES, World, load_world
from mock_server.settings import Settings

__all__ = ["Sandbox"]


class Sandbox:
    def __init__(self, settings: Settings, world: World | None = None) -> None:
        self.settings = settings
        self.world = world or load_world(settings.seed)
        self.transport: webhooks.Transport | None = None
        self._challenge_index: dict[str, str] = {}
        self.store: Store[Ledger] = Store(self._new_ledger)
        self.clients: dict[str, Client] = {}
        # access token -> (tenant id, jti, principal); the ledger holds the token itself, so a token
        # the ledger forgot (expiry, reset) is refused even if the index still has it.
        self._token_index: dict[str, tuple[str, str, Principal]] = {}
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
        ledger.transport = self.transport
        ledger.events.subscribe(partial(webhooks.dispatch, ledger))
        ledger.on_challenge_opened = partial(self._index_challenge, tenant_id)
        patients.seed(ledger)
        return ledger

    def _index_challenge(self, tenant_id: str, challenge_id: str) -> None:
        self._challenge_index[challenge_id] = tenant_id

    def challenge(self, challenge_id: str):
        """A challenge by id, whatever its tenant (challenge URLs work without a tenant header)."""
        tenant_id = self._challenge_index.get(challenge_id)
        ledger = self.store.find(tenant_id) if tenant_id is not None else None
        if ledger is None or challenge_id not in ledger.challenges:
            raise ApiError("MOCK-404-challenge-not-found", f"No challenge {challenge_id!r}.")
        return ledger, ledger.challenges[challenge_id]

    def set_transport(self, transport: webhooks.Transport | None) -> None:
        """What makes webhook HTTP calls, for every tenant (the app sets it while serving)."""
        self.transport = transport
        for _, ledger in self.store.items():
            ledger.transport = transport

    def ledger(self, tenant_id: str = DEFAULT_TENANT) -> Ledger:
        try:
            return self.store.get(tenant_id)
        except UnknownTenant:
            raise ApiError("MOCK-404-tenant-not-found", f"No tenant {tenant_id!r}.") from None

    def reset(self, tenant_id: str = DEFAULT_TENANT) -> Ledger:
        """The tenant's ledger back to the seeded state; its OAuth clients stay."""
        self._forget_tokens_of(self.ledger(tenant_id))
        return self.store.reset(tenant_id)

    def create_tenant(self, tenant_id: str | None = None) -> tuple[str, list[Client]]:
        """A fresh, isolated tenant with its own clients for every demo provider (new credentials)."""
        tenant_id = tenant_id or f"t-{secrets.token_hex(4)}"
        if tenant_id in self.store:
            raise ApiError("MOCK-409-tenant-exists", f"Tenant {tenant_id!r} exists.")
        self.store.create(tenant_id)
        clients = [
            self._add_client(
                Client(
                    f"{demo.client_id}.{tenant_id}",
                    secrets.token_urlsafe(24),
                    demo.provider_slug,
                    demo.scope,
                    tenant_id,
                    demo.description,
                )
            )
            for demo in self.world.demo_clients
        ]
        return tenant_id, clients

    def export_snapshot(self, tenant_id: str = DEFAULT_TENANT) -> dict[str, Any]:
        return to_snapshot(self.ledger(tenant_id))

    def import_snapshot(self, tenant_id: str, snapshot: dict[str, Any]) -> Ledger:
        """Replace the tenant's ledger with a snapshot's (same world seed only)."""
        old = self.ledger(tenant_id)
        if snapshot.get("seed") != self.world.seed:
            raise ApiError(
                "MOCK-422-snapshot-invalid",
                f"The snapshot is of world seed {snapshot.get('seed')}; this mock serves seed {self.world.seed}.",
                errors=[FieldError("seed", f"must be {self.world.seed}")],
            )
        try:
            ledger = from_snapshot(self._new_ledger(tenant_id), snapshot)
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError("MOCK-422-snapshot-invalid", f"The snapshot cannot be restored: {exc!r}.") from None
        self._forget_tokens_of(old)
        self.store.replace(tenant_id, ledger)
        for token in ledger.tokens.values():
            self._index_token(token, tenant_id)
        for challenge_id in ledger.challenges:
            self._index_challenge(tenant_id, challenge_id)
        return ledger

    def _forget_tokens_of(self, ledger: Ledger) -> None:
        for token in list(ledger.tokens.values()):
            self._forget_token(token)

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
        if client_id is not None and client_id in self.clients:
            raise ApiError("MOCK-422-validation-failed", errors=[FieldError("client_id", "is already taken")])
        new_id = client_id
        while new_id is None or new_id in self.clients:  # clients outlive resets, the id sequence does not
            new_id = f"{provider_slug}-{ledger.ids.opaque('cli')[4:14].lower()}"
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
        self._index_token(token, client.tenant_id)
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

    def _index_token(self, token: Token, tenant_id: str) -> None:
        principal = Principal(token.provider_slug, token.client_id, frozenset(token.scope), tenant_id)
        self._token_index[token.access_token] = (tenant_id, token.jti, principal)

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
        tenant_id, jti, principal = found
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
        return principal

    # -- the wall-time ticker ------------------------------------------------------------------
    def tick(self) -> int:
        """Fire the timers wall time has made due, in every tenant; returns how many fired."""
        return sum(len(ledger.clock.fire_due()) for _, ledger in self.store.items())
