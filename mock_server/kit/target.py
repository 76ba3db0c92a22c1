"""What ``osigu-mock contract`` checks: a target, and how to reach it.

Four kinds of target:

- ``inprocess`` (the default): a fresh app in this process, no socket;
- a URL (``http://127.0.0.1:8080``): any server, usually the mock served on loopback;
- ``sandbox``: the real OSIGU sandbox at ``OSIGU_BASE_URL`` (default ``https://sandbox.osigu.com``) with the
  client of ``OSIGU_CLIENT_ID`` / ``OSIGU_CLIENT_SECRET``, and the test beneficiary of ``OSIGU_TEST_*``
  (the real sandbox has no personas); without credentials it is skipped with one line;
- ``examples``: no server at all; the example payloads of OSIGU's guides (``contracts/facts/examples.yaml``)
  are read as if a server had answered them (:mod:`mock_server.kit.examples`).

The production host (``api.osigu.com``, ``contracts/facts/osigu-facts.yaml`` meta.base_urls) is refused
unless explicitly allowed. A target other than the mock gets no writes without ``allow_writes``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import yaml

from mock_server.core.resources import contracts_dir

__all__ = [
    "ADMIN_TOKEN_ENV",
    "DEMO_CLIENTS",
    "PRODUCTION_HOSTS",
    "ROLES",
    "SANDBOX_URL",
    "Beneficiary",
    "Target",
    "TargetRefused",
    "admin_headers",
    "guide_beneficiary",
    "select_target",
]

SANDBOX_URL = "https://sandbox.osigu.com"
PRODUCTION_HOSTS = frozenset({"api.osigu.com"})

# The provider each flow acts as, and its demo client on the mock (README "Demo credentials"). On the real
# sandbox every role is the one client of OSIGU_CLIENT_ID.
ROLES = ("clinic", "pharmacy", "doctors-office", "doctors-office-es", "pharmacy-do")
DEMO_CLIENTS = {
    "clinic": ("clinic-example", "demo-clinic"),
    "pharmacy": ("pharmacy-example", "demo-pharmacy"),
    "doctors-office": ("doctors-office-example", "demo-doctors-office"),
    "doctors-office-es": ("consultorio-madrid", "demo-doctors-office-es"),
    "pharmacy-do": ("farmacia-santo-domingo", "demo-pharmacy-do"),
}


# The variable the server reads for its control plane's token (`osigu-mock serve --admin-token`); the clients of
# the control plane (the kit, the pytest plugin, the scenarios) send it when it is set, so one variable serves both
# sides of a compose file.
ADMIN_TOKEN_ENV = "OSIGU_MOCK_ADMIN_TOKEN"


def admin_headers(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``Authorization: Bearer <admin token>`` for a call to ``/__admin`` when one is set, else nothing."""
    token = (os.environ if env is None else env).get(ADMIN_TOKEN_ENV, "").strip()
    return {"Authorization": f"Bearer {token}"} if token else {}


class TargetRefused(ValueError):
    """The target may not be checked as asked (the production host without ``allow_production``)."""


@dataclass(frozen=True)
class Beneficiary:
    """Who the flows pre-authorize: a sponsor, one of its search forms' values, and (optionally) the id.

    On the mock it is the guides' own example (MARIA GONZALEZ, CC 1000000001; :func:`guide_beneficiary`); on the
    real sandbox it comes from ``OSIGU_TEST_SPONSOR_SLUG``, ``OSIGU_TEST_DOCUMENT_TYPE``,
    ``OSIGU_TEST_DOCUMENT_NUMBER`` and optionally ``OSIGU_TEST_BENEFICIARY_ID`` (found by the search otherwise).
    """

    sponsor_slug: str
    search: Mapping[str, str]
    beneficiary_id: int | None = None


@cache
def guide_beneficiary() -> Beneficiary:
    """The guides' example beneficiary (``contracts/facts/examples.yaml``), which the mock's world holds."""
    with (contracts_dir() / "facts" / "examples.yaml").open(encoding="utf-8") as handle:
        found = yaml.safe_load(handle)["guide_beneficiary"]
    return Beneficiary(found["sponsor_slug"], dict(found["search"]))


@dataclass(frozen=True)
class Target:
    kind: str  # inprocess | url | sandbox | examples
    base_url: str | None
    credentials: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # role -> (client_id, secret)
    beneficiary: Beneficiary | None = None
    allow_writes: bool = False
    skip_reason: str | None = None

    @property
    def label(self) -> str:
        return self.kind if self.base_url is None else f"{self.kind} {self.base_url}"

    @property
    def polite(self) -> bool:
        """Throttled to the sandbox's 50 requests a minute: any target but the mock (not known to be one)."""
        return self.kind != "inprocess"


def _demo_credentials() -> dict[str, tuple[str, str]]:
    return {role: (client_id, f"{client_id}-secret") for role, (_, client_id) in DEMO_CLIENTS.items()}


def select_target(
    spec: str = "inprocess",
    *,
    allow_writes: bool = False,
    allow_production: bool = False,
    env: Mapping[str, str] | None = None,
) -> Target:
    """The target named by ``spec``: ``inprocess``, ``sandbox``, ``examples`` or a URL."""
    env = os.environ if env is None else env
    spec = spec.strip()
    if spec in ("inprocess", "examples"):
        return Target(spec, None, _demo_credentials(), guide_beneficiary(), allow_writes=True)
    if spec == "sandbox":
        base_url = (env.get("OSIGU_BASE_URL") or SANDBOX_URL).rstrip("/")
        _refuse_production(base_url, allow_production)
        client_id, secret = env.get("OSIGU_CLIENT_ID", ""), env.get("OSIGU_CLIENT_SECRET", "")
        skip = None if client_id and secret else "no OSIGU_CLIENT_ID / OSIGU_CLIENT_SECRET in the environment"
        return Target(
            "sandbox",
            base_url,
            {role: (client_id, secret) for role in ROLES},
            _beneficiary_from(env),
            allow_writes=allow_writes,
            skip_reason=skip,
        )
    parts = urlsplit(spec)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"a target is inprocess, sandbox, examples or an http(s) URL, not {spec!r}")
    base_url = spec.rstrip("/")
    _refuse_production(base_url, allow_production)
    # A URL is the mock or not: that is found out by asking it (mock_server.kit.connection); until then,
    # the demo clients, and OSIGU_CLIENT_ID / OSIGU_CLIENT_SECRET for every role when they are set.
    credentials = _demo_credentials()
    if env.get("OSIGU_CLIENT_ID") and env.get("OSIGU_CLIENT_SECRET"):
        credentials = {role: (env["OSIGU_CLIENT_ID"], env["OSIGU_CLIENT_SECRET"]) for role in ROLES}
    return Target(
        "url", base_url, credentials, _beneficiary_from(env) or guide_beneficiary(), allow_writes=allow_writes
    )


def _refuse_production(base_url: str, allow_production: bool) -> None:
    host = (urlsplit(base_url).hostname or "").lower()
    if host in PRODUCTION_HOSTS and not allow_production:
        raise TargetRefused(
            f"{base_url} is OSIGU's production host: refused (pass --allow-production to check it anyway)"
        )


def _beneficiary_from(env: Mapping[str, str]) -> Beneficiary | None:
    sponsor = env.get("OSIGU_TEST_SPONSOR_SLUG", "")
    document_type, document_number = env.get("OSIGU_TEST_DOCUMENT_TYPE", ""), env.get("OSIGU_TEST_DOCUMENT_NUMBER", "")
    if not (sponsor and document_number):
        return None
    search = {"document_number": document_number, **({"document_type": document_type} if document_type else {})}
    raw_id = env.get("OSIGU_TEST_BENEFICIARY_ID", "")
    return Beneficiary(sponsor, search, int(raw_id) if raw_id.isdigit() else None)
