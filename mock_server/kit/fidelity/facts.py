"""The facts side of the meter: the catalogue, the deviations, the report, and the text helpers
that read names out of the catalogue's entries.

The catalogue is ``contracts/facts/osigu-facts.yaml``; the deliberate deviations are
``contracts/facts/deviations.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from mock_server.core.resources import contracts_dir

__all__ = [
    "CONFIRMED",
    "UNTRUSTED",
    "Fact",
    "Origin",
    "Report",
    "example_keys",
    "field_name",
    "load_deviations",
    "load_facts",
    "origin_of",
    "split_outside_brackets",
]

CONFIRMED = frozenset({"schema-page", "operation-page", "guide"})
UNTRUSTED = frozenset({"inferred", "mock"})
_IDENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Fact:
    id: str
    description: str
    confidence: str
    source: str


@dataclass(frozen=True)
class Origin:
    """Where a fact comes from: its confidence and its source URL(s)."""

    confidence: str
    source: str


@dataclass
class Report:
    reproduced: list[Fact] = field(default_factory=list)
    missing: list[Fact] = field(default_factory=list)
    deviations: list[tuple[Fact, str]] = field(default_factory=list)
    untagged: list[str] = field(default_factory=list)
    stale_deviations: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.reproduced) + len(self.missing) + len(self.deviations)

    def summary(self) -> str:
        line = f"{len(self.reproduced)}/{self.total} confirmed facts reproduced"
        if self.deviations:
            line += f" ({len(self.deviations)} documented deviations)"
        return line


@cache
def load_facts() -> dict[str, Any]:
    """The catalogue, ``contracts/facts/osigu-facts.yaml``."""
    return yaml.safe_load((contracts_dir() / "facts" / "osigu-facts.yaml").read_text(encoding="utf-8"))


@cache
def load_deviations() -> dict[str, str]:
    """Fact id -> reason, from ``contracts/facts/deviations.yaml`` (empty when the file is absent)."""
    path = contracts_dir() / "facts" / "deviations.yaml"
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {item["fact"]: item["reason"] for item in raw.get("deviations", [])}


def origin_of(entry: dict[str, Any]) -> Origin:
    """The origin of an operation or schema entry of the catalogue (``inferred`` when it says none)."""
    confidence = entry.get("confidence", "inferred")
    source = entry.get("source_url") or ", ".join(entry.get("source_urls", []))
    return Origin(confidence, source)


def field_name(text: Any) -> str | None:
    """``access_token`` from ``"access_token (JWT, RS256...)"``; None for cut or prose entries."""
    if isinstance(text, dict):
        text = text.get("name", "")
    match = _IDENT.match(str(text))
    return match.group(1) if match else None


def split_outside_brackets(text: str) -> list[str]:
    """``"a, b (x, y), c{d, e}"`` -> ``["a", " b (x, y)", " c{d, e}"]``."""
    depth, current, items = 0, "", []
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return items


def example_keys(text: str) -> list[str]:
    """The keys of an inline example, ``"e.g. {a: 1, b: '2'}"`` -> ``["a", "b"]``."""
    inner = text[text.find("{") + 1 : text.rfind("}")] if "{" in text else ""
    return re.findall(r"([a-z_][a-z0-9_]*)\s*:", inner)
