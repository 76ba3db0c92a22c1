"""The tenant store: tenant id -> ledger.

Reference data is shared by every tenant; each tenant has its own ledger of what happens.
Reset swaps in a fresh ledger from the factory (milliseconds, not a rebuild). Every state change
goes through the domain's methods on a ledger, so another store (Redis, say) can replace this one
without touching routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["DEFAULT_TENANT", "Store", "UnknownTenant"]

DEFAULT_TENANT = "default"

L = TypeVar("L")


class UnknownTenant(KeyError):
    pass


class Store(Generic[L]):
    def __init__(self, factory: Callable[[str], L]) -> None:
        self._factory = factory
        self._ledgers: dict[str, L] = {}

    def create(self, tenant_id: str) -> L:
        if tenant_id in self._ledgers:
            raise ValueError(f"tenant {tenant_id!r} exists")
        ledger = self._ledgers[tenant_id] = self._factory(tenant_id)
        return ledger

    def get(self, tenant_id: str) -> L:
        try:
            return self._ledgers[tenant_id]
        except KeyError:
            raise UnknownTenant(tenant_id) from None

    def find(self, tenant_id: str) -> L | None:
        return self._ledgers.get(tenant_id)

    def __contains__(self, tenant_id: object) -> bool:
        return tenant_id in self._ledgers

    def reset(self, tenant_id: str) -> L:
        """Swap in a fresh ledger for the tenant; returns the new one."""
        self.get(tenant_id)
        ledger = self._ledgers[tenant_id] = self._factory(tenant_id)
        return ledger

    def replace(self, tenant_id: str, ledger: L) -> None:
        self.get(tenant_id)
        self._ledgers[tenant_id] = ledger

    def items(self) -> Iterator[tuple[str, L]]:
        return iter(list(self._ledgers.items()))
