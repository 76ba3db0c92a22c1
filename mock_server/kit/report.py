"""The drift report of one ``osigu-mock contract`` run: JSON (its schema is ``contracts/drift-report.schema.json``)
and Markdown, from the same data.

The outcome: ``failed`` when a flow step failed, a confirmed fact was violated, the fuzzer found a failure, or,
with ``strict``, an inferred item was contradicted; ``skipped`` when the target could not be checked at all
(the real sandbox without credentials); ``passed`` otherwise. ``new`` things never fail a run: they are what the
contract should learn. Mock-only checks are counted apart, never as passes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from mock_server import __version__
from mock_server.kit.drift import CLASSES, Drift, Entry
from mock_server.kit.flows import Check

__all__ = ["CHECK_STATUSES", "DriftReport", "report_paths"]

CHECK_STATUSES = ("passed", "failed", "mock-only", "skipped")
REPORT_VERSION = 1


@dataclass
class DriftReport:
    target: dict[str, Any]
    drift: Drift
    checks: list[Check] = field(default_factory=list)
    fidelity: dict[str, Any] | None = None
    fuzz: dict[str, Any] | None = None
    strict: bool = False
    skipped: str | None = None
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    # -- verdict ----------------------------------------------------------------------------------------
    def observed_entries(self) -> list[Entry]:
        return [entry for entry in self.drift.entries.values() if entry.seen]

    def class_counts(self) -> dict[str, int]:
        counts = Counter(entry.cls for entry in self.observed_entries())
        return {cls: counts.get(cls, 0) for cls in CLASSES}

    def check_counts(self) -> dict[str, int]:
        counts = Counter(check.status for check in self.checks)
        return {status: counts.get(status, 0) for status in CHECK_STATUSES}

    def failures(self) -> list[str]:
        reasons = [f"{c.flow}: {c.step}: {c.detail}" for c in self.checks if c.status == "failed"]
        failing = ("confirmed-violated", "inferred-contradicted") if self.strict else ("confirmed-violated",)
        reasons += [
            f"{e.cls}: {_where(e)}: contract {e.contract}; observed {', '.join(e.observed)}"
            for e in self.observed_entries()
            if e.cls in failing
        ]
        if self.fuzz is not None:
            reasons += [f"fuzz: {failure}" for failure in self.fuzz.get("failures", [])]
        return reasons

    @property
    def outcome(self) -> str:
        if self.skipped:
            return "skipped"
        return "failed" if self.failures() else "passed"

    # -- JSON -------------------------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        operations = []
        for (operation_id, method, path), entries in self.drift.by_operation().items():
            seen = [entry.as_dict() for entry in sorted(entries, key=_order) if entry.seen]
            if seen:
                operations.append({"operation_id": operation_id, "method": method, "path": path, "facts": seen})
        return {
            "report_version": REPORT_VERSION,
            "tool": {"name": "osigu-mock contract", "version": __version__},
            "generated_at": self.generated_at,
            "target": self.target,
            "strict": self.strict,
            "outcome": self.outcome,
            "skipped": self.skipped,
            "summary": {
                "classes": self.class_counts(),
                "checks": self.check_counts(),
                "failures": self.failures(),
            },
            "fidelity": self.fidelity,
            "fuzz": self.fuzz,
            "checks": [check.as_dict() for check in self.checks],
            "operations": operations,
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2)

    # -- Markdown ---------------------------------------------------------------------------------------
    def to_markdown(self) -> str:
        counts, checks = self.class_counts(), self.check_counts()
        lines = [
            f"# Contract drift report: {self.target.get('label', '')}",
            "",
            f"- Outcome: **{self.outcome}**"
            + (f" ({self.skipped})" if self.skipped else "")
            + (" (strict)" if self.strict else ""),
            f"- Generated {self.generated_at} by osigu-mock contract {__version__}",
        ]
        if self.fidelity:
            lines.append(f"- Fidelity of the contract to OSIGU's documentation: {self.fidelity['summary']}")
        lines += ["", "## Facts by class", "", "| class | facts |", "|---|---|"]
        lines += [f"| {cls} | {counts[cls]} |" for cls in CLASSES]
        if self.checks:
            lines += ["", "## Checks", "", "| status | count |", "|---|---|"]
            lines += [f"| {status} | {checks[status]} |" for status in CHECK_STATUSES]
        if self.fuzz is not None:
            lines += ["", "## Fuzzing", "", f"- {self.fuzz.get('summary', '')}"]
            lines += [f"- failure: {failure}" for failure in self.fuzz.get("failures", [])]
        failures = self.failures()
        if failures:
            lines += ["", "## Failures", ""] + [f"- {_md(reason)}" for reason in failures]
        for title, classes in (
            ("Violated or contradicted", ("confirmed-violated", "inferred-contradicted")),
            ("New: what the contract does not know", ("new",)),
        ):
            chosen = sorted(
                (e for e in self.observed_entries() if e.cls in classes), key=lambda e: (e.path, e.method, _order(e))
            )
            if not chosen:
                continue
            lines += [
                "",
                f"## {title}",
                "",
                "| operation | status | field | class | contract says | observed | source |",
                "|---|---|---|---|---|---|---|",
            ]
            lines += [_row(e) for e in chosen]
        if self.checks:
            lines += ["", "## Flows", "", "| flow | step | status | detail |", "|---|---|---|---|"]
            lines += [f"| {c.flow} | {_md(c.step)} | {c.status} | {_md(c.detail)} |" for c in self.checks]
        lines += ["", "## Held, by operation", "", "| operation | confirmed-held | inferred-held |", "|---|---|---|"]
        for (operation_id, method, path), entries in self.drift.by_operation().items():
            held = Counter(e.cls for e in entries if e.seen)
            if held["confirmed-held"] or held["inferred-held"]:
                lines.append(
                    f"| {operation_id} `{method} {path}` | {held['confirmed-held']} | {held['inferred-held']} |"
                )
        return "\n".join(lines) + "\n"

    def summary_lines(self) -> list[str]:
        counts, checks = self.class_counts(), self.check_counts()
        lines = [
            "facts: " + ", ".join(f"{counts[cls]} {cls}" for cls in CLASSES),
        ]
        if self.checks:
            lines.append("checks: " + ", ".join(f"{checks[status]} {status}" for status in CHECK_STATUSES))
        if self.fidelity:
            lines.append(f"fidelity: {self.fidelity['summary']}")
        if self.fuzz is not None:
            lines.append(f"fuzz: {self.fuzz.get('summary', '')}")
        lines.append(f"outcome: {self.outcome}" + (f" ({self.skipped})" if self.skipped else ""))
        return lines

    def write(self, path: str | Path) -> tuple[Path, Path]:
        json_path, markdown_path = report_paths(path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_bytes(self.to_json())
        markdown_path.write_text(self.to_markdown(), encoding="utf-8")
        return json_path, markdown_path


def report_paths(path: str | Path) -> tuple[Path, Path]:
    """``--report drift`` writes drift.json and drift.md; ``--report out/drift.json`` the same in out/."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".json", ".md") else path
    return stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".md")


def _row(e: Entry) -> str:
    tagged = f"{e.cls} ({e.confidence})" if e.confidence else e.cls
    cells = [
        f"{e.operation} `{e.method} {e.path}`",
        e.status or "any",
        _md(e.field) or "(status)",
        tagged,
        _md(e.contract),
        _md(", ".join(e.observed)),
        _md(", ".join(e.sources)),
    ]
    return "| " + " | ".join(cells) + " |"


def _where(entry: Entry) -> str:
    status = f" {entry.status}" if entry.status else ""
    return f"{entry.operation} ({entry.method} {entry.path}){status} {entry.field or '(status)'}".rstrip()


def _order(entry: Entry) -> tuple[str, str, str]:
    return (entry.status, entry.aspect, entry.field)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
