"""What every check of the meter shares: the contracts, the facts, the scope, and what the checks found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_server.kit.fidelity.contract import Contract
from mock_server.kit.fidelity.facts import CONFIRMED, Fact, Origin, Result
from mock_server.kit.fidelity.scope import Scope

__all__ = ["Context"]


@dataclass
class Context:
    """The contract, catalogue and scope under check, the results so far (one per fact id, in the order
    first checked), and what the facts back, for the converse check."""

    contract: Contract
    facts: dict[str, Any]
    scope: Scope
    results: dict[str, Result] = field(default_factory=dict)
    # (schema title or operationId, field name) backed by a confirmed fact
    backed: set[tuple[str, str]] = field(default_factory=set)
    backed_ops: set[str] = field(default_factory=set)

    def check(self, fact_id: str, description: str, origin: Origin, ok: bool) -> None:
        """Record whether a fact holds; only confirmed facts count. A fact id checked again is the same
        fact: it holds only if every one of its checks holds."""
        if origin.confidence not in CONFIRMED:
            return
        result = self.results.get(fact_id)
        if result is None:
            fact = Fact(fact_id, description, origin.confidence, origin.source)
            self.results[fact_id] = Result(fact, ok, {origin.subject})
        else:
            result.ok = result.ok and ok
            result.subjects.add(origin.subject)

    def back(self, origin: Origin, owner: str | None, name: str) -> None:
        """Mark ``owner.name`` (a schema title or an operationId) as backed by a fact, when it is confirmed."""
        if owner and origin.confidence in CONFIRMED:
            self.backed.add((owner, name))
