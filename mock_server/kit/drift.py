"""Drift: what a target answered, compared with the contract fact by fact, each classed by its confidence.

Every response the kit sees (and every example payload of OSIGU's guides) goes through :meth:`Drift.observe`.
It finds the operation in the bundled ``contracts/openapi.yaml``, then records, per operation, per status and
per field, what the contract says, what was observed, and a class:

- ``confirmed-held`` / ``confirmed-violated``: a fact tagged ``schema-page``, ``operation-page`` or ``guide``
  (``x-osigu-confidence``; see contracts/README.md) that the target bore out, or did not;
- ``inferred-held`` / ``inferred-contradicted``: the same for an item tagged ``inferred`` (the project's guess);
- ``new``: what the contract does not know: a field no schema names, a value outside a field's enum, a status
  code the operation does not document, a path no operation serves.

A field's tag is its own ``x-osigu-confidence``, else the tag of the schema it is a property of (a schema's tag
vouches for its untagged fields, as the fidelity meter checks), else its response's, else the operation's. The
operation's documented statuses are one fact under the operation's tag. A value outside an enum is ``new`` and
also violates (or contradicts) the field's enum; an undocumented status is ``new`` and also violates the
operation's documented statuses. A field tagged ``mock`` (the mock's own control plane) is a fact of the mock:
it is held or violated as confirmed.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from jsonschema import Draft202012Validator

from mock_server.core.contracts import bundled_openapi
from mock_server.kit.checker import ResponseChecker
from mock_server.kit.fidelity.contract import json_type, types_of

__all__ = ["CLASSES", "Drift", "Entry", "trust_of"]

TAG = "x-osigu-confidence"
CONFIRMED_TAGS = frozenset({"schema-page", "operation-page", "guide", "mock"})
CLASSES = ("confirmed-held", "confirmed-violated", "inferred-held", "inferred-contradicted", "new")
LEAF_KEYWORDS = (
    "type",
    "enum",
    "const",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "multipleOf",
)
MAX_OBSERVED = 6  # distinct observations kept per entry


def trust_of(tag: str | None) -> str:
    """``confirmed`` for a documented fact (and the mock's own control plane), ``inferred`` otherwise."""
    return "confirmed" if tag in CONFIRMED_TAGS else "inferred"


@dataclass
class Entry:
    """One fact about one operation, with every observation of it."""

    operation: str
    method: str
    path: str
    status: str  # the HTTP status, "request" for a request body, "" for the operation's status fact
    aspect: str  # status | field | new-field | new-value | new-status | new-operation
    field: str  # a dotted path into the body ([] for array items); "" for status facts
    confidence: str  # the x-osigu-confidence tag that applies ("" for new things)
    contract: str  # what the contract says
    observed: list[str] = field(default_factory=list)
    seen: int = 0
    violations: int = 0
    sources: list[str] = field(default_factory=list)

    @property
    def cls(self) -> str:
        if self.aspect.startswith("new"):
            return "new"
        trust = trust_of(self.confidence)
        if self.violations:
            return "confirmed-violated" if trust == "confirmed" else "inferred-contradicted"
        return f"{trust}-held"

    def note(self, observed: str, violated: bool, source: str | None) -> None:
        self.seen += 1
        self.violations += violated
        # A violation's observation is kept ahead of held ones, so the report shows what went wrong.
        if observed not in self.observed:
            if violated:
                self.observed.insert(0, observed)
                del self.observed[MAX_OBSERVED:]
            elif len(self.observed) < MAX_OBSERVED:
                self.observed.append(observed)
        if source and source not in self.sources and len(self.sources) < 3:
            self.sources.append(source)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "aspect": self.aspect,
            "field": self.field,
            "class": self.cls,
            "confidence": self.confidence,
            "contract": self.contract,
            "observed": list(self.observed),
            "seen": self.seen,
            "violations": self.violations,
            "sources": list(self.sources),
        }


def _types(node: dict[str, Any]) -> set[str]:
    return set(types_of(node))


def _type_ok(value: Any, allowed: set[str]) -> bool:
    actual = json_type(value)
    return not allowed or actual in allowed or (actual == "integer" and "number" in allowed)


def _show(value: Any) -> str:
    """An observed value, short: strings and numbers as themselves, containers by type."""
    if isinstance(value, (dict, list)):
        return json_type(value)
    text = orjson.dumps(value).decode()
    return text if len(text) <= 48 else text[:45] + "..."


Nodes = list[tuple[dict[str, Any], str]]  # schema nodes that all apply to one value, each with its tag


class Drift:
    """Every observation of a run, as entries keyed by operation, status, aspect and field."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.document = document if document is not None else bundled_openapi()
        self.checker = ResponseChecker(self.document)
        self.entries: dict[tuple[str, ...], Entry] = {}
        self._leaf_validators: dict[int, Draft202012Validator] = {}
        self._partial = False

    # -- what goes in -----------------------------------------------------------------------------------
    def observe(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        *,
        content_type: str = "application/json",
        source: str | None = None,
        partial: bool = False,
    ) -> None:
        """One response: ``body`` is the raw bytes, or an already parsed JSON value. ``partial``: the body names
        only some of its fields (a guide that lists fields, not a whole answer), so an absent field says nothing."""
        self._partial = partial
        op = self.checker.operation(method, path)
        if op is None:
            key = f"{method.upper()} {path}"
            self._entry(key, method.upper(), path, str(status), "new-operation", "", "", "no operation").note(
                str(status), False, source
            )
            return
        op_tag = op.definition.get(TAG, "")
        responses = op.definition.get("responses", {})
        documented = sorted(responses)
        status_entry = self._entry(
            op.operation_id, op.method, op.template, "", "status", "", op_tag, "documented: " + ", ".join(documented)
        )
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        if response is None:
            status_entry.note(str(status), True, source)
            self._entry(
                op.operation_id, op.method, op.template, str(status), "new-status", "", "", "not documented"
            ).note(str(status), False, source)
            return
        status_entry.note(str(status), False, source)
        schema = (response.get("content") or {}).get("application/json", {}).get("schema")
        if schema is None or content_type.split(";")[0].strip().lower() != "application/json":
            return
        value = self._parse(body)
        if value is _UNPARSABLE:
            self._entry(
                op.operation_id, op.method, op.template, str(status), "field", "$", response.get(TAG, op_tag), "JSON"
            ).note("not JSON", True, source)
            return
        self._walk(
            (op.operation_id, op.method, op.template, str(status)),
            self._expand(schema, response.get(TAG, op_tag)),
            value,
            "",
            source,
        )

    def observe_request(self, method: str, path: str, body: Any, *, source: str | None = None) -> None:
        """A request body (a guide's example), against the operation's request schema."""
        self._partial = False
        op = self.checker.operation(method, path)
        if op is None:
            self._entry(f"{method.upper()} {path}", method.upper(), path, "request", "new-operation", "", "", "").note(
                "request", False, source
            )
            return
        op_tag = op.definition.get(TAG, "")
        content = (op.definition.get("requestBody") or {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is not None:
            self._walk(
                (op.operation_id, op.method, op.template, "request"), self._expand(schema, op_tag), body, "", source
            )

    def observe_webhook(self, event_type: str, body: Any, *, source: str | None = None) -> None:
        """A webhook delivery, against the contract's ``webhooks`` entry for its event type."""
        self._partial = False
        item = self.document.get("webhooks", {}).get(event_type, {}).get("post")
        if item is None:
            self._entry(f"webhook {event_type}", "WEBHOOK", event_type, "delivery", "new-operation", "", "", "").note(
                "delivery", False, source
            )
            return
        schema = item["requestBody"]["content"]["application/json"]["schema"]
        where = (item.get("operationId", event_type), "WEBHOOK", event_type, "delivery")
        value = self._parse(body)
        if value is _UNPARSABLE:
            self._entry(*where, "field", "$", item.get(TAG, ""), "JSON").note("not JSON", True, source)
            return
        self._walk(where, self._expand(schema, item.get(TAG, "")), value, "", source)

    # -- what comes out ---------------------------------------------------------------------------------
    def counts(self) -> Counter[str]:
        return Counter(entry.cls for entry in self.entries.values())

    def of_class(self, cls: str) -> list[Entry]:
        return [entry for entry in self.entries.values() if entry.cls == cls]

    def by_operation(self) -> dict[tuple[str, str, str], list[Entry]]:
        grouped: dict[tuple[str, str, str], list[Entry]] = {}
        for entry in self.entries.values():
            grouped.setdefault((entry.operation, entry.method, entry.path), []).append(entry)
        return dict(sorted(grouped.items(), key=lambda item: (item[0][2], item[0][1])))

    # -- the walk ---------------------------------------------------------------------------------------
    def _entry(
        self, operation: str, method: str, path: str, status: str, aspect: str, name: str, tag: str, contract: str
    ) -> Entry:
        key = (operation, status, aspect, name)
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = Entry(operation, method, path, status, aspect, name, tag, contract)
        return entry

    @staticmethod
    def _parse(body: Any) -> Any:
        if not isinstance(body, (bytes, bytearray, str)):
            return body
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return _UNPARSABLE

    def _resolve(self, node: Any) -> dict[str, Any]:
        for _ in range(20):
            if not isinstance(node, dict) or "$ref" not in node:
                break
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node if isinstance(node, dict) else {}

    def _expand(self, node: Any, tag: str) -> Nodes:
        """The nodes that apply to one value: ``$ref`` followed, ``allOf`` unfolded; each with the tag that
        applies inside it (its own, else the one it inherits)."""
        node = self._resolve(node)
        tag = node.get(TAG, tag)
        nodes: Nodes = []
        for part in node.get("allOf", []):
            nodes.extend(self._expand(part, tag))
        nodes.append((node, tag))
        return nodes

    def _choose(self, nodes: Nodes, value: Any) -> Nodes:
        """``oneOf`` / ``anyOf``: the first branch whose type fits the value (the contract's unions are of
        distinct types, or of objects told apart by their required fields)."""
        chosen: Nodes = []
        for node, tag in nodes:
            branches = node.get("oneOf") or node.get("anyOf")
            if not branches:
                chosen.append((node, tag))
                continue
            expanded = [self._expand(branch, tag) for branch in branches]
            fitting = [
                b
                for b in expanded
                if all(_type_ok(value, _types(n)) for n, _ in b)
                and (not isinstance(value, dict) or all(r in value for n, _ in b for r in n.get("required", [])))
            ]
            pick = (fitting or [b for b in expanded if all(_type_ok(value, _types(n)) for n, _ in b)] or expanded)[0]
            chosen.extend(self._choose(pick, value))
        return chosen

    def _walk(self, where: tuple[str, str, str, str], nodes: Nodes, value: Any, name: str, source: str | None) -> None:
        nodes = self._choose(nodes, value)
        if isinstance(value, dict):
            self._walk_object(where, nodes, value, name, source)
        elif isinstance(value, list):
            items = [
                (item, tag) for node, tag in nodes if isinstance(node.get("items"), dict) for item in [node["items"]]
            ]
            expanded = [pair for item, tag in items for pair in self._expand(item, tag)]
            for element in value:
                self._walk(where, expanded, element, f"{name}[]", source)

    def _walk_object(
        self, where: tuple[str, str, str, str], nodes: Nodes, value: dict[str, Any], name: str, source: str | None
    ) -> None:
        properties: dict[str, list[tuple[Any, str]]] = {}
        required: dict[str, str] = {}
        extra: Nodes = []
        described = False
        for node, tag in nodes:
            for prop, sub in (node.get("properties") or {}).items():
                properties.setdefault(prop, []).append((sub, tag))
                described = True
            for prop in node.get("required", []):
                required.setdefault(prop, tag)
            if isinstance(node.get("additionalProperties"), dict):
                extra.extend(self._expand(node["additionalProperties"], tag))
                described = True
        for prop in sorted(set(properties) | set(required)):
            path = f"{name}.{prop}" if name else prop
            subs = properties.get(prop, [])
            # The field's own tag, else the tag of the schema it is a property of.
            field_tag = next((sub[TAG] for sub, _ in subs if isinstance(sub, dict) and TAG in sub), None)
            field_tag = field_tag or (subs[0][1] if subs else required[prop])
            inner: Nodes = [
                pair
                for sub, tag in subs
                for pair in self._expand(sub, sub.get(TAG, tag) if isinstance(sub, dict) else tag)
            ]
            entry = self._entry(*where, "field", path, field_tag, self._describe(inner, prop in required))
            if prop not in value:
                if prop in required and not self._partial:
                    entry.note("missing", True, source)
                continue
            self._check_value(where, entry, inner, value[prop], path, source)
        for prop in sorted(set(value) - set(properties)):
            path = f"{name}.{prop}" if name else prop
            if extra:
                # A map's values: one fact for all of them, under the map's tag.
                star = f"{name}.*" if name else "*"
                entry = self._entry(*where, "field", star, extra[-1][1], self._describe(extra, False))
                self._check_value(where, entry, extra, value[prop], star, source)
            elif described:
                self._entry(*where, "new-field", path, "", "no such field").note(json_type(value[prop]), False, source)

    def _check_value(
        self, where: tuple[str, str, str, str], entry: Entry, nodes: Nodes, value: Any, path: str, source: str | None
    ) -> None:
        """A present value against its nodes: noted held or violated (a value outside an enum is also new), and
        walked into when it holds."""
        problem = self._leaf_problem(nodes, value)
        if problem is not None:
            entry.note(problem[1], True, source)
            if problem[0] == "enum":
                self._entry(*where, "new-value", f"{path}={_show(value)}", "", "not in the enum").note(
                    _show(value), False, source
                )
            return
        entry.note(self._observed(nodes, value), False, source)
        self._walk(where, nodes, value, path, source)

    def _leaf_problem(self, nodes: Nodes, value: Any) -> tuple[str, str] | None:
        """``(kind, what was observed)`` when the value breaks a node's own keywords (type, enum, format...)."""
        for node, _ in self._choose(nodes, value):
            if not _type_ok(value, _types(node)):
                return "type", f"{json_type(value)} {_show(value)}"
            if "enum" in node and value not in node["enum"]:
                return "enum", _show(value)
            if isinstance(value, (dict, list)):
                continue
            validator = self._leaf_validator(node)
            error = next(iter(validator.iter_errors(value)), None)
            if error is not None:
                return str(error.validator), f"{_show(value)} ({error.validator})"
        return None

    def _leaf_validator(self, node: dict[str, Any]) -> Draft202012Validator:
        validator = self._leaf_validators.get(id(node))
        if validator is None:
            local = {key: copy.deepcopy(node[key]) for key in LEAF_KEYWORDS if key in node}
            validator = Draft202012Validator(local, format_checker=Draft202012Validator.FORMAT_CHECKER)
            self._leaf_validators[id(node)] = validator
        return validator

    @staticmethod
    def _observed(nodes: Nodes, value: Any) -> str:
        """What a held field showed: the value itself for an enum or a boolean, its type otherwise."""
        if any("enum" in node or "const" in node for node, _ in nodes) or isinstance(value, bool):
            return _show(value)
        return json_type(value)

    @staticmethod
    def _describe(nodes: Nodes, required: bool) -> str:
        kinds: list[str] = []
        for node, _ in nodes:
            for kind in sorted(_types(node)):
                if kind not in kinds:
                    kinds.append(kind)
        text = " | ".join(kinds) or "any"
        for node, _ in nodes:
            if node.get("format"):
                text += f" ({node['format']})"
                break
        enums = [value for node, _ in nodes for value in node.get("enum", [])]
        if enums:
            text += " enum [" + ", ".join(map(str, dict.fromkeys(enums))) + "]"
        return text + (", required" if required else "")


_UNPARSABLE = object()
