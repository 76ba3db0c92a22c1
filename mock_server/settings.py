"""Every knob in one dataclass, from CLI flags and ``OSIGU_MOCK_*`` environment variables.

Precedence: an explicit CLI flag, then the environment variable, then the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = ["Settings"]

MiB = 1024 * 1024


def _env_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    # The world's seed: the same seed always gives the same world (and the same ids after a reset).
    seed: int = 1234
    admin_enabled: bool = True
    # When set, every /__admin call needs ``Authorization: Bearer <admin_token>``.
    admin_token: str | None = None
    # Refuse to start without an admin token unless insecure_admin (the container image sets this).
    require_admin_token: bool = False
    insecure_admin: bool = False
    # Accept only the schema-page request shapes (no guide aliases).
    strict: bool = False
    # The sandbox's 50 requests per minute per client on the API.
    sandbox_limits: bool = False
    # Tenants' clocks start frozen at the start-up wall time.
    frozen_clock: bool = False
    # Largest request body accepted (413 above it); indication uploads (5 MiB files, Base64 or
    # multipart) get the larger limit, and the route checks the file itself.
    max_body_bytes: int = 1 * MiB
    max_upload_bytes: int = 8 * MiB
    token_ttl_seconds: int = 3600
    token_requests_per_minute: int = 10
    api_requests_per_minute: int = 50
    journal_size: int = 1_000
    event_log_size: int = 10_000
    delivery_log_size: int = 5_000
    outbox_size: int = 1_000
    # Webhooks: plain http:// is a loopback convenience (OSIGU refuses it) unless this is set.
    require_https_webhooks: bool = False
    # Hosts webhook URLs may point at ("*": any host).
    webhook_allow: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    webhook_timeout_seconds: float = 10.0
    # While the admin advances the clock, each due attempt waits at most this much wall time.
    webhook_advance_wait_seconds: float = 2.0
    # Seconds between two passes of the wall-time ticker that fires due timers.
    tick_seconds: float = 0.2
    # The public base URL for links the mock hands out; derived from host and port when unset.
    public_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``OSIGU_MOCK_<FIELD>`` variables, then the non-None ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"OSIGU_MOCK_{f.name.upper()}")
            if raw is None:
                continue
            kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
            if kind.startswith("bool"):
                values[f.name] = _env_bool(raw)
            elif kind.startswith("int"):
                values[f.name] = int(raw)
            elif kind.startswith("float"):
                values[f.name] = float(raw)
            elif kind.startswith("tuple"):
                values[f.name] = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)
