"""The values the domain needs, and nothing else: the domain never reads the application's settings.

``mock_server.sandbox`` builds one :class:`DomainConfig` from the settings (CLI flags and
``OSIGU_MOCK_*`` variables) and hands it to every tenant's ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DomainConfig"]


@dataclass(frozen=True)
class DomainConfig:
    # Tenants' clocks start frozen at the start-up wall time.
    frozen_clock: bool = False
    # Access tokens (contracts/openapi.yaml, getAccessToken: expires_in 3600) and the token endpoint's
    # 10 requests a minute per client; the sandbox's 50 API requests a minute only when enabled.
    token_ttl_seconds: int = 3600
    token_requests_per_minute: int = 10
    sandbox_limits: bool = False
    api_requests_per_minute: int = 50
    # Bounded rings, so a long load test cannot exhaust memory.
    journal_size: int = 1_000
    event_log_size: int = 10_000
    delivery_log_size: int = 5_000
    outbox_size: int = 1_000
    # Webhooks: plain http:// is a tagged deviation (x-osigu-deviation in the contract) unless this is set.
    require_https_webhooks: bool = False
    # Hosts webhook URLs may point at ("*": any host).
    webhook_allow: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    webhook_timeout_seconds: float = 10.0
    # While the admin advances the clock, each due attempt waits at most this much wall time.
    webhook_advance_wait_seconds: float = 2.0
