"""The meter's report: the in-scope figure, the whole-file figure, and what is out of scope and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from mock_server.kit.fidelity.facts import Fact, Subject

__all__ = ["UNCLASSIFIED", "Report"]

UNCLASSIFIED = "unclassified"  # the reason of a fact about a subject scope.yaml neither keeps nor leaves out


@dataclass
class Report:
    """Every confirmed fact of the catalogue, once. In scope (a fact about at least one operation or
    schema scope.yaml keeps): reproduced, a documented deviation, not built yet (every in-scope subject
    it is about is in ``not_built_yet``), or missing. Out of scope: by the reason scope.yaml gives."""

    reproduced: list[Fact] = field(default_factory=list)
    missing: list[Fact] = field(default_factory=list)
    not_built: list[Fact] = field(default_factory=list)
    deviations: list[tuple[Fact, str]] = field(default_factory=list)
    out_of_scope: dict[str, list[tuple[Fact, bool]]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    subjects: dict[str, set[Subject]] = field(default_factory=dict)  # fact id -> the in-scope subjects it is about
    untagged: list[str] = field(default_factory=list)
    stale_deviations: list[str] = field(default_factory=list)
    unknown_deviations: list[str] = field(default_factory=list)
    allowance_problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The in-scope denominator: fixed by the catalogue and scope.yaml, whatever the contract serves."""
        return len(self.reproduced) + len(self.missing) + len(self.not_built) + len(self.deviations)

    @property
    def whole_total(self) -> int:
        return self.total + sum(len(facts) for facts in self.out_of_scope.values())

    @property
    def whole_reproduced(self) -> int:
        return len(self.reproduced) + sum(ok for facts in self.out_of_scope.values() for _, ok in facts)

    def summary(self) -> str:
        lines = [
            f"{len(self.reproduced)}/{self.total} in scope ({len(self.deviations)} documented deviations, "
            f"{len(self.not_built)} not built yet, {len(self.missing)} missing); "
            f"{self.whole_reproduced}/{self.whole_total} of the whole file",
            f"out of scope: {self.whole_total - self.total} facts",
        ]
        for reason, facts in sorted(self.out_of_scope.items(), key=lambda item: -len(item[1])):
            reproduced = sum(ok for _, ok in facts)
            text = self.reasons.get(reason, "not named in contracts/facts/scope.yaml")
            lines.append(f"  {reason}: {len(facts)} facts ({reproduced} reproduced anyway): {text}")
        return "\n".join(lines)
