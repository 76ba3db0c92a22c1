"""The facts side of the meter: the catalogue, the deviations, and what one fact is.

The catalogue is ``contracts/facts/osigu-facts.yaml``; the deliberate deviations are
``contracts/facts/deviations.yaml``. Every fact is *about* a subject of the catalogue (an operation, a
schema, a standalone enum or an error-code entry), which ``contracts/facts/scope.yaml`` puts in or out
of the mock's scope.
"""

from __future__ import annotations

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
    "Result",
    "Subject",
    "load_deviations",
    "load_facts",
    "origin_of",
]

CONFIRMED = frozenset({"schema-page", "operation-page", "guide"})
UNTRUSTED = frozenset({"inferred", "mock"})

# ("operation", operationId) | ("schema", name) | ("enum", name) | ("error_code", key), names as the catalogue has them
Subject = tuple[str, str]


@dataclass(frozen=True)
class Fact:
    id: str
    description: str
    confidence: str
    source: str


@dataclass(frozen=True)
class Origin:
    """Where a fact comes from: its confidence, its source URL(s), and the catalogue subject it is about."""

    confidence: str
    source: str
    subject: Subject = ("", "")


@dataclass
class Result:
    """One fact and whether the contracts reproduce it. A fact the catalogue states more than once (or
    that the meter checks in more than one place) is one result: it holds only if every check holds,
    and it is about every subject that stated it."""

    fact: Fact
    ok: bool
    subjects: set[Subject] = field(default_factory=set)


@cache
def load_facts() -> dict[str, Any]:
    """The catalogue, ``contracts/facts/osigu-facts.yaml``."""
    return yaml.safe_load((contracts_dir() / "facts" / "osigu-facts.yaml").read_text(encoding="utf-8"))


@cache
def load_deviations() -> dict[str, str]:
    """Fact id -> reason, from ``contracts/facts/deviations.yaml`` (empty when the file is absent). An
    entry names one fact (``fact``) or several with one reason (``facts``)."""
    path = contracts_dir() / "facts" / "deviations.yaml"
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    deviations: dict[str, str] = {}
    for item in raw.get("deviations", []):
        for fact_id in [item["fact"]] if "fact" in item else item["facts"]:
            deviations[fact_id] = item["reason"]
    return deviations


def origin_of(entry: dict[str, Any], subject: Subject) -> Origin:
    """The origin of a catalogue entry (``inferred`` when it says no confidence)."""
    confidence = entry.get("confidence", "inferred")
    source = entry.get("source_url") or ", ".join(entry.get("source_urls", []))
    return Origin(confidence, source, subject)
