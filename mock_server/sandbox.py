"""The wiring: the shared world, the tenants' ledgers, the OAuth clients and the token index.

Routes hold one :class:`Sandbox` (the HTTP layers see it through ``mock_server.api.http.SandboxPort``)
and make one domain call per operation on a tenant's ledger. Nothing here awaits, so under asyncio each
call is atomic.

:meth:`Sandbox.assemble` is the one place where a tenant's ledger is put together: its areas
(``mock_server.domain.areas.AREAS``), their timer handlers and event listeners, the hooks that keep the
cross-tenant indexes right, the webhook transport, and the seeded state. Nothing is registered by
importing a module.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.core.store import DEFAULT_TENANT, Store, UnknownTenant
from mock_server.domain.areas import AREAS
from mock_server.domain.config import DomainConfig
from mock_server.domain.ledger import Ledger
from mock_server.domain.prescriptions.backend import Prescriptions
from mock_server.domain.snapshot import from_snapshot, to_snapshot
from mock_server.domain.tokens import ALL_SCOPES, Client, Principal, Token, Tokens, signed_claims
from mock_server.domain.verification import Challenge, Verification
from mock_server.domain.webhooks import Transport, Webhooks
from mock_server.domain.world import World, load_world
from mock_server.settings import Settings

__all__ = ["Sandbox", "domain_config"]


def domain_config(settings: Settings) -> DomainConfig:
    """The values the domain needs, from the application's settings (same names on both sides)."""
    return DomainConfig(**{f.name: getattr(settings, f.name) for f in fields(DomainConfig)})


class Sandbox:
    """The whole mock.

    Parameters:
        settings: the application's settings; the domain gets :func:`domain_config` of them.
        world: the reference data (default: the world of ``settings.seed``).
    """

    def __init__(self, settings: Settings, world: World | None = None) -> None:
        self.settings = settings
        self.config = domain_config(settings)
        self.world = world or load_world(settings.seed)
        self.transport: Transport | None = None
        self.store: Store[Ledger] = Store(self.assemble)
        self.clients: dict[str, Client] = {}
        # access token -> (tenant id, jti, principal); the tenant's Tokens area holds the token itself,
        # so a token the tenant forgot (expiry, reset) is refused even if the index still has it.
        self._token_index: dict[str, tuple[str, str, Principal]] = {}
        self.store.create(DEFAULT_TENANT)
        for demo in self.world.demo_clients:
            self._add_client(
                Client(
                    demo.client_id, demo.client_secret, demo.provider_slug, demo.scope, DEFAULT_TENANT, demo.description
                )
            )

    # -- tenants -------------------------------------------------------------------------------
    def assemble(self, tenant_id: str) -> Ledger:
        """A fresh, seeded ledger for ``tenant_id``, with every area's timers and listeners registered."""
        ledger = Ledger(tenant_id, self.world, self.config, AREAS)
        for area in ledger.areas():
            for action, handler in area.timers().items():
                ledger.on_timer(action, handler)
            for listener in area.listeners():
                ledger.events.subscribe(listener)
        ledger.area(Tokens).on_removed = self._forget_token
        ledger.area(Webhooks).transport = self.transport
        for area in ledger.areas():
            area.seed()
        return ledger

    def ledger(self, tenant_id: str = DEFAULT_TENANT) -> Ledger:
        try:
            return self.store.get(tenant_id)
        except UnknownTenant:
            raise ApiError("MOCK-404-tenant-not-found", f"No tenant {tenant_id!r}.") from None

    def find_ledger(self, tenant_id: str) -> Ledger | None:
        return self.store.find(tenant_id)

    def set_transport(self, transport: Transport | None) -> None:
        """What makes webhook HTTP calls, for every tenant (the app sets it while serving)."""
        self.transport = transport
        for _, ledger in self.store.items():
            ledger.area(Webhooks).transport = transport

    def _in_any_tenant(self, lookup: Callable[[Ledger], Any]) -> tuple[Ledger, Any] | None:
        """The first tenant whose ledger ``lookup`` finds something in, and what (pages opened without credentials
        or a tenant header: a challenge, a patient's link)."""
        for _, ledger in self.store.items():
            found = lookup(ledger)
            if found is not None:
                return ledger, found
        return None

    def challenge(self, challenge_id: str) -> tuple[Ledger, Challenge]:
        """A challenge by id, whatever its tenant (challenge URLs work without a tenant header)."""
        found = self._in_any_tenant(lambda ledger: ledger.area(Verification).challenges.get(challenge_id))
        if found is None:
            raise ApiError("MOCK-404-challenge-not-found", f"No challenge {challenge_id!r}.")
        return found

    def patient_link(self, link_id: str) -> dict[str, Any] | None:
        """The prescription behind a patient's link, whatever its tenant (the page has no credentials)."""
        found = self._in_any_tenant(lambda ledger: ledger.area(Prescriptions).linked(link_id))
        return None if found is None else found[1]

    def reset(self, tenant_id: str = DEFAULT_TENANT, *, everything: bool = False) -> Ledger:
        """The tenant's ledger back to the seeded state, its clock back to wall time.

        What an integrator set up stays: OAuth clients, issued tokens (valid until their ``exp``) and
        webhook subscriptions with their secrets (each area's ``keep_through_reset``). With ``everything``
        the tokens are revoked and the subscriptions deleted too; the clients always stay.
        """
        previous = self.ledger(tenant_id)
        fresh = self.store.reset(tenant_id)
        if everything:
            self._forget_tokens_of(previous)
        else:
            for area in fresh.areas():
                area.keep_through_reset(previous.area(type(area)))
        return fresh

    def create_tenant(self, tenant_id: str | None = None) -> tuple[str, list[Client]]:
        """A fresh, isolated tenant with its own clients for every demo provider (new credentials)."""
        tenant_id = tenant_id or f"t-{secrets.token_hex(4)}"
        if tenant_id in self.store:
            raise ApiError(
                "MOCK-409-tenant-exists", f"Tenant {tenant_id!r} exists.", errors=[FieldError("tenant_id", "is taken")]
            )
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
            ledger = from_snapshot(self.assemble(tenant_id), snapshot)
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError("MOCK-422-snapshot-invalid", f"The snapshot cannot be restored: {exc!r}.") from None
        self._forget_tokens_of(old)
        self.store.replace(tenant_id, ledger)
        for token in ledger.area(Tokens).tokens.values():
            self._index_token(token, tenant_id)
        return ledger

    # -- clients -------------------------------------------------------------------------------
    def _add_client(self, client: Client) -> Client:
        if client.client_id in self.clients:
            raise ValueError(f"client {client.client_id} exists")
        self.clients[client.client_id] = client
        return client

    def client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)

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
            raise ApiError(
                "MOCK-422-unknown-provider",
                f"No provider has the slug {provider_slug!r}.",
                errors=[FieldError("provider_slug", "is not a provider of the seeded world")],
            )
        scopes = tuple(scope.split()) if scope is not None else ALL_SCOPES
        unknown = [s for s in scopes if s not in ALL_SCOPES]
        if unknown:
            raise ApiError(
                "MOCK-422-validation-failed",
                errors=[FieldError("scope", f"unknown scope {s!r}; known: {' '.join(ALL_SCOPES)}") for s in unknown],
            )
        if client_id is not None and client_id in self.clients:
            raise ApiError(
                "MOCK-409-client-exists",
                f"The client_id {client_id!r} is taken.",
                errors=[FieldError("client_id", "is already taken")],
            )
        new_id = client_id
        while new_id is None or new_id in self.clients:  # clients outlive resets, the id sequence does not
            new_id = f"{provider_slug}-{ledger.ids.opaque('cli')[4:14].lower()}"
        secret = client_secret or ledger.ids.token(32)
        return self._add_client(Client(new_id, secret, provider_slug, scopes, tenant_id))

    def clients_of(self, tenant_id: str) -> list[Client]:
        return [c for c in self.clients.values() if c.tenant_id == tenant_id]

    # -- tokens --------------------------------------------------------------------------------
    def issue_token(self, client_id: str, secret: str, grant_type: str | None) -> dict[str, Any]:
        """Client credentials -> an access token on the client's tenant (401 for an unknown client)."""
        client = self.clients.get(client_id)
        if client is None:
            raise ApiError("MOCK-401-invalid-client")
        token = self.ledger(client.tenant_id).area(Tokens).issue(client, secret, grant_type)
        self._index_token(token, client.tenant_id)
        return {
            "access_token": token.access_token,
            "token_type": "bearer",
            "expires_in": self.config.token_ttl_seconds,
            "scope": client.scope_string(),
        }

    def _index_token(self, token: Token, tenant_id: str) -> None:
        principal = Principal(token.provider_slug, token.client_id, frozenset(token.scope), tenant_id)
        self._token_index[token.access_token] = (tenant_id, token.jti, principal)

    def _forget_token(self, token: Token) -> None:
        self._token_index.pop(token.access_token, None)

    def _forget_tokens_of(self, ledger: Ledger) -> None:
        for token in list(ledger.area(Tokens).tokens.values()):
            self._forget_token(token)

    def tenant_for(self, authorization: str) -> str:
        """The tenant a request belongs to, from its Authorization header alone (for the fault rules, which act
        before the route authenticates): a known token's tenant, a known client's, else the default tenant."""
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer":
            found = self._token_index.get(credentials.strip())
            return found[0] if found else DEFAULT_TENANT
        if scheme.lower() == "basic":
            try:
                client_id = base64.b64decode(credentials.strip()).decode("utf-8").partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                return DEFAULT_TENANT
            client = self.clients.get(client_id)
            return client.tenant_id if client else DEFAULT_TENANT
        return DEFAULT_TENANT

    def authenticate(self, access_token: str) -> Principal:
        """The principal behind an access token: 401 for an unknown, forgotten or expired one."""
        found = self._token_index.get(access_token)
        if found is None:
            raise self._refusal(access_token)
        tenant_id, jti, principal = found
        try:
            self.store.get(tenant_id).area(Tokens).check(jti)
        except ApiError as error:
            if error.code != "MOCK-401-invalid-token":
                raise
            self._token_index.pop(access_token, None)  # the tenant forgot it (reset with everything)
            raise self._refusal(access_token) from None
        return principal

    def _refusal(self, access_token: str) -> ApiError:
        """Why a token nobody holds is refused: expired (one this mock signed, past its ``exp`` on its
        tenant's clock) or invalid (anything else, a revoked token included)."""
        claims = signed_claims(access_token)
        client = self.clients.get(claims["client_id"]) if claims else None
        ledger = self.store.find(client.tenant_id) if client else None
        if ledger is not None and ledger.clock.timestamp() >= claims["exp"]:
            return ApiError("MOCK-401-token-expired")
        return ApiError("MOCK-401-invalid-token")

    # -- the wall-time ticker ------------------------------------------------------------------
    def tick(self) -> int:
        """Fire the timers wall time has made due, in every tenant; returns how many fired."""
        return sum(len(ledger.clock.fire_due()) for _, ledger in self.store.items())
