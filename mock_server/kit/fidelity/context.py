"""What every check of the meter shares: the contracts, the facts, and what the checks found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_server.kit.fidelity.contract import Contract
from mock_server.kit.fidelity.facts import CONFIRMED, Fact, Origin

__all__ = ["Context"]


@dataclass
class Context:
    """The contract and the catalogue under check, the checks made so far (in order: the first
    check of a fact id counts), and what the facts back, for the converse check."""

    contract: Contract
    facts: dict[str, Any]
    checks: list[tuple[Fact, bool]] = field(default_factory=list)
    # (schema title or operationId, field name) backed by a fact
    backed: set[tuple[str, str]] = field(default_factory=set)
    backed_ops: set[str] = field(default_factory=set)

    def check(self, fact_id: str, description: str, origin: Origin, ok: bool) -> None:
        """Record whether a fact holds; only confirmed facts count."""
        if origin.confidence in CONFIRMED:
            self.checks.append((Fact(fact_id, description, origin.confidence, origin.source), ok))
