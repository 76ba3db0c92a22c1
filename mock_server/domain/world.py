"""Reference data: the seeded world, built once per seed, frozen and shared by every tenant.

Providers and their demo OAuth clients come from ``fixtures/world/``. (Sponsors, beneficiaries,
catalogues and personas join in the sponsor-world issue.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from mock_server.core.resources import fixtures_dir

__all__ = ["ALL_SCOPES", "Branch", "DemoClient", "Provider", "World", "load_world"]

ALL_SCOPES = ("arc:read", "arc:write", "dispensing:read", "dispensing:write", "ehr:read", "ehr:write")


@dataclass(frozen=True)
class Branch:
    branch_id: int
    name: str


@dataclass(frozen=True)
class Provider:
    provider_id: int
    provider_slug: str
    name: str
    provider_kind: str
    country_code: str
    branches: tuple[Branch, ...] = ()


@dataclass(frozen=True)
class DemoClient:
    client_id: str
    client_secret: str
    provider_slug: str
    scope: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class World:
    seed: int
    providers: MappingProxyType[str, Provider]
    demo_clients: tuple[DemoClient, ...] = field(default=())

    def provider(self, slug: str) -> Provider | None:
        return self.providers.get(slug)


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def load_world(seed: int) -> World:
    """The world for ``seed``. The same seed always gives the same world."""
    raw = _load_yaml(fixtures_dir() / "world" / "providers.yaml")
    providers = {}
    for item in raw["providers"]:
        branches = tuple(Branch(int(b["branch_id"]), b["name"]) for b in item.get("branches", []))
        providers[item["provider_slug"]] = Provider(
            provider_id=int(item["provider_id"]),
            provider_slug=item["provider_slug"],
            name=item["name"],
            provider_kind=item["provider_kind"],
            country_code=item["country_code"],
            branches=branches,
        )
    clients = tuple(
        DemoClient(
            client_id=c["client_id"],
            client_secret=c["client_secret"],
            provider_slug=c["provider_slug"],
            scope=tuple(c["scope"].split()),
            description=c.get("description", ""),
        )
        for c in raw["clients"]
    )
    for client in clients:
        if client.provider_slug not in providers:
            raise ValueError(f"demo client {client.client_id} names unknown provider {client.provider_slug}")
    return World(seed=seed, providers=MappingProxyType(providers), demo_clients=clients)
