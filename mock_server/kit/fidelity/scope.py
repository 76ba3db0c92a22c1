"""The meter's fixed denominator: ``contracts/facts/scope.yaml``.

It names every operation and schema of the catalogue the mock emulates (built or not yet), and gives a
reason for each one it leaves out; it places each standalone enum (one no schema field of the catalogue
names) where the contract holds its values, and ties each error-code entry to the operations it is
about. ``not_built_yet`` lists the in-scope operations and schemas the contract does not serve yet: the
only ones whose facts may be missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from mock_server.core.resources import contracts_dir
from mock_server.kit.fidelity.facts import CONFIRMED, Subject
from mock_server.kit.fidelity.text import field_name

__all__ = [
    "PLACE_KINDS",
    "Place",
    "Scope",
    "error_key",
    "load_scope",
    "scope_problems",
    "served_name",
    "standalone_enums",
]

# A place: "<kind> <name> [<dotted.path>]", e.g. "request createAuthorizationRequest products.product_type".
PLACE_KINDS = frozenset({"schema", "request", "response", "query", "webhook", "oauth2"})


@dataclass(frozen=True)
class Place:
    """Where a standalone enum's values live in the contract."""

    kind: str
    name: str
    path: str

    @classmethod
    def parse(cls, text: str) -> Place:
        kind, name, *path = text.split()
        return cls(kind, name, path[0] if path else "")

    @property
    def subject(self) -> Subject:
        if self.kind in ("schema", "webhook"):
            return ("schema", self.name if self.kind == "schema" else "WebhookEnvelope")
        return ("operation", self.name)


def error_key(item: dict[str, Any]) -> str:
    """A scope.yaml error-code item's name: its code, or its HTTP status and the start of the meaning."""
    return str(item["code"]) if item.get("code") else f"{item.get('http')} {item.get('meaning', '')}".strip()


def standalone_enums(facts: dict[str, Any]) -> list[str]:
    """The catalogue's enums that no schema field names in its ``enum``."""
    named = {
        entry.get("enum")
        for schema in (facts.get("schemas") or {}).values()
        for entry in schema.get("fields", [])
        if isinstance(entry.get("enum"), str)
    }
    return [name for name in facts.get("enums", {}) if name not in named]


@dataclass(frozen=True)
class Scope:
    """``contracts/facts/scope.yaml`` read."""

    raw: dict[str, Any]

    @property
    def reasons(self) -> dict[str, str]:
        return self.raw.get("reasons", {})

    def names(self, kind: str, part: str) -> dict[str, Any]:
        """``in_scope`` (name -> None) or ``left_out`` (name -> reason key) of ``operations``, ``schemas``
        or ``enums``."""
        value = (self.raw.get(kind) or {}).get(part) or {}
        return dict.fromkeys(value) if isinstance(value, list) else dict(value)

    @property
    def places(self) -> dict[str, list[Place]]:
        placed = (self.raw.get("enums") or {}).get("placed") or {}
        return {name: [Place.parse(text) for text in texts] for name, texts in placed.items()}

    @property
    def error_codes(self) -> list[dict[str, Any]]:
        return self.raw.get("error_codes") or []

    def error_entry(self, entry: dict[str, Any]) -> list[dict[str, Any]]:
        """The scope entries that match a catalogue error-code entry (by code, else by status and the
        start of its meaning)."""
        return [
            item
            for item in self.error_codes
            if (item.get("code") and item["code"] == entry.get("code"))
            or (
                not item.get("code")
                and not entry.get("code")
                and item.get("http") == entry.get("http_status")
                and str(entry.get("meaning", "")).startswith(item.get("meaning", "\0"))
            )
        ]

    @property
    def not_built_yet(self) -> set[Subject]:
        raw = self.raw.get("not_built_yet") or {}
        return {("operation", n) for n in raw.get("operations", [])} | {("schema", n) for n in raw.get("schemas", [])}

    def in_scope(self, subject: Subject) -> bool:
        kind, name = subject
        if kind in ("operation", "schema"):
            return name in self.names(f"{kind}s", "in_scope")
        return False  # standalone enums and error codes in scope are checked through their places

    def reason(self, subject: Subject) -> str | None:
        """The reason key a left-out subject is out of scope (None when scope.yaml does not leave it out)."""
        kind, name = subject
        if kind == "error_code":
            return next((item.get("left_out") for item in self.error_codes if error_key(item) == name), None)
        return self.names(f"{kind}s", "left_out").get(name)


def served_name(name: str) -> str:
    """The operationId a catalogue name stands for: ``getDispensation`` for ``"getDispensation (older portal)"``."""
    return field_name(name) or name


@cache
def load_scope() -> Scope:
    """``contracts/facts/scope.yaml``."""
    return Scope(yaml.safe_load((contracts_dir() / "facts" / "scope.yaml").read_text(encoding="utf-8")) or {})


def scope_problems(facts: dict[str, Any], scope: Scope) -> list[str]:
    """What keeps scope.yaml from being a complete, consistent decision about the catalogue: a subject
    neither in scope nor left out (or both), a name the catalogue lacks, a reason never defined, an enum
    placed under a subject out of scope, an error-code entry matched by no item or by several."""
    operations = [str(op.get("operation_id")) for op in facts.get("operations", [])]
    return [
        *_named_problems("operations", operations, scope),
        *_named_problems("schemas", list(facts.get("schemas") or {}), scope),
        *_enum_problems(facts, scope),
        *_error_code_problems(facts, scope),
        *(f"not_built_yet: {n!r} is not in scope" for k, n in scope.not_built_yet if not scope.in_scope((k, n))),
    ]


def _named_problems(kind: str, catalogue: list[str], scope: Scope) -> list[str]:
    inside, outside = scope.names(kind, "in_scope"), scope.names(kind, "left_out")
    problems = [
        f"{kind}: {name!r} must be either in_scope or left_out with a reason"
        for name in catalogue
        if (name in inside) == (name in outside)
    ]
    problems += [
        f"{kind}: {name!r} is not in osigu-facts.yaml" for name in [*inside, *outside] if name not in catalogue
    ]
    problems += [
        f"{kind}: {name!r}: undefined reason {why!r}" for name, why in outside.items() if why not in scope.reasons
    ]
    return problems


def _enum_problems(facts: dict[str, Any], scope: Scope) -> list[str]:
    standalone, placed, outside = standalone_enums(facts), scope.places, scope.names("enums", "left_out")
    problems = [
        f"enums: {name!r} must be either placed or left_out with a reason"
        for name in standalone
        if (name in placed) == (name in outside)
    ]
    problems += [
        f"enums: {name!r} is not in osigu-facts.yaml" for name in [*placed, *outside] if name not in facts["enums"]
    ]
    problems += [
        f"enums: {name!r} is a field's enum: it follows its schema" for name in outside if name not in standalone
    ]
    problems += [
        f"enums: {name!r}: undefined reason {why!r}" for name, why in outside.items() if why not in scope.reasons
    ]
    for name, places in placed.items():
        for place in places:
            if place.kind not in PLACE_KINDS or not place.name:
                problems.append(f"enums: {name!r}: bad place {place}")
            elif not scope.in_scope(place.subject):
                problems.append(f"enums: {name!r} is placed under {place.subject}, which is not in scope")
    return problems


def _error_code_problems(facts: dict[str, Any], scope: Scope) -> list[str]:
    entries = [entry for entry in facts.get("error_codes", []) if entry.get("confidence") in CONFIRMED]
    problems = [
        f"error_codes: {entry.get('code') or entry.get('meaning')!r} matches {len(matches)} items, not one"
        for entry in entries
        if len(matches := scope.error_entry(entry)) != 1
    ]
    for item in scope.error_codes:
        label = error_key(item)
        if not any(item in scope.error_entry(entry) for entry in entries):
            problems.append(f"error_codes: {label!r} matches no confirmed entry of osigu-facts.yaml")
        if ("operations" in item) == ("left_out" in item):
            problems.append(f"error_codes: {label!r} needs either operations or left_out")
        if "left_out" in item and item["left_out"] not in scope.reasons:
            problems.append(f"error_codes: {label!r}: undefined reason {item['left_out']!r}")
        problems += [
            f"error_codes: {label!r}: operation {op!r} is not in scope"
            for op in item.get("operations", [])
            if not scope.in_scope(("operation", op))
        ]
    return problems
