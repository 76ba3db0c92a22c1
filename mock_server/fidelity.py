"""The fidelity meter: how many of OSIGU's confirmed facts the contracts reproduce.

The facts are a copy of the public-documentation catalogue (``contracts/facts/osigu-facts.yaml``).
A fact is *confirmed* when its confidence is ``schema-page``, ``operation-page`` or ``guide``.
The meter looks only at facts about what the contracts already serve (an operation whose
``operationId`` is in ``contracts/openapi.yaml``, a schema whose ``title`` is a facts schema name,
and the conventions those touch), then checks, under the same names:

- operations: path and method (aliases too), request and response fields, documented status codes
  and error codes;
- schemas: every field, its JSON type and format, its required flag, its enum values;
- conventions: the error body, pagination links, OAuth scopes.

It also checks the converse: every operation and field in the contracts that no confirmed fact
backs is tagged ``x-osigu-confidence: inferred`` (or ``mock`` for the mock's own control plane).
A confirmed fact the contracts deliberately do not reproduce must be listed, with its reason, in
``contracts/facts/deviations.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from mock_server.core.contracts import bundled_openapi
from mock_server.core.resources import contracts_dir

__all__ = ["Fact", "Report", "measure"]

CONFIRMED = frozenset({"schema-page", "operation-page", "guide"})
UNTRUSTED = frozenset({"inferred", "mock"})
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_IDENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)")
_JSON_TYPES = {"integer": "integer", "string": "string", "number": "number", "boolean": "boolean", "object": "object"}


@dataclass(frozen=True)
class Fact:
    id: str
    description: str
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
    return yaml.safe_load((contracts_dir() / "facts" / "osigu-facts.yaml").read_text(encoding="utf-8"))


@cache
def load_deviations() -> dict[str, str]:
    path = contracts_dir() / "facts" / "deviations.yaml"
    if not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {item["fact"]: item["reason"] for item in raw.get("deviations", [])}


def field_name(text: Any) -> str | None:
    """``access_token`` from ``"access_token (JWT, RS256...)"``; None for cut or prose entries."""
    if isinstance(text, dict):
        text = text.get("name", "")
    match = _IDENT.match(str(text))
    return match.group(1) if match else None


class Contract:
    """Read-only views of the bundled document that the checks need."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.operations: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for path, item in document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    op = item[method]
                    self.operations[op.get("operationId", f"{method} {path}")] = (method.upper(), path, op)

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            ref = node["$ref"]
            target: Any = self.document
            for part in ref.lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra} if extra else target
            seen += 1
        return node

    def properties(self, node: Any) -> dict[str, Any]:
        node = self.resolve(node)
        props: dict[str, Any] = {}
        if not isinstance(node, dict):
            return props
        layers = [self.properties(sub) for sub in node.get("allOf", [])] + [node.get("properties", {})]
        for layer in layers:
            for name, prop in layer.items():
                # allOf narrows a property (a page's content items): merge, do not replace
                if name in props and isinstance(props[name], dict) and isinstance(prop, dict):
                    props[name] = {**self.resolve(props[name]), **prop}
                else:
                    props[name] = prop
        return props

    def response_schemas(self, op: dict[str, Any]) -> list[Any]:
        return [
            media.get("schema", {})
            for status, response in op.get("responses", {}).items()
            if status.startswith("2")
            for media in response.get("content", {}).values()
        ]

    def request_properties(self, op: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for media in op.get("requestBody", {}).get("content", {}).values():
            props.update(self.properties(media.get("schema", {})))
        return props

    def response_properties(self, op: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for status, response in op.get("responses", {}).items():
            if status.startswith("2"):
                for media in response.get("content", {}).values():
                    props.update(self.properties(media.get("schema", {})))
        return props

    def operation_at(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for op_id, (op_method, op_path, op) in self.operations.items():
            if op_method == method.upper() and _shape(op_path) == _shape(path):
                return op_id, op
        return None

    def paths_of(self, method: str, path: str) -> bool:
        shapes = {_shape(p): item for p, item in self.document.get("paths", {}).items()}
        return method.lower() in shapes.get(_shape(path), {})


def _note_schema_facts(contract, entry: dict[str, Any], confidence, source, backed, check) -> None:
    """A field note that describes an embedded schema, "Title: a int64, b, c (x)": facts about that
    schema's fields, when the contracts have a schema with that title."""
    note = str(entry.get("note", ""))
    title, sep, rest = note.partition(":")
    if not sep or title.strip() not in contract.schemas:
        return
    title = title.strip()
    props = contract.properties(contract.schemas[title])
    for fname in filter(None, map(field_name, _split_outside_brackets(rest))):
        backed.add((title, fname))
        check(f"{title}:field:{fname}", f"{title}.{fname}", confidence, source, fname in props)


def _nested_note_facts(contract, owner: str, fname: str, prop, entry, confidence, source, backed, check) -> None:
    """A field note "{a int64, b, c}" lists the fields of the object the field holds (of its items,
    for an array): each must exist there, and the nested schema's fields it names are backed."""
    note = str(entry.get("note", "")).strip()
    if not note.startswith("{") or "}" not in note:
        return
    node = contract.resolve(prop)
    if node.get("type") == "array" or "array" in (node.get("type") or []):
        node = contract.resolve(node.get("items", {}))
    title = node.get("title") if isinstance(node, dict) else None
    props = contract.properties(node)
    for name in filter(None, map(field_name, _split_outside_brackets(note[1 : note.rfind("}")]))):
        if title:
            backed.add((title, name))
        check(f"{owner}:field:{fname}.{name}", f"{owner}.{fname}.{name}", confidence, source, name in props)


def _split_outside_brackets(text: str) -> list[str]:
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


def _example_keys(text: str) -> list[str]:
    inner = text[text.find("{") + 1 : text.rfind("}")] if "{" in text else ""
    return re.findall(r"([a-z_][a-z0-9_]*)\s*:", inner)


def _check_example(contract, op_id, node, example, prefix, backed, check, confidence, source) -> None:
    """Every key of a guide's example response exists in the response schema, nested keys included;
    the schema (by title) that holds each key is marked as backed by the fact."""
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    title = ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None
    props = contract.properties(node)
    for key, value in example.items():
        backed.add((op_id, key) if not prefix else (title or op_id, key))
        if title:
            backed.add((title, key))
        check(
            f"{op_id}:response-field:{prefix}{key}", f"response field {prefix}{key}", confidence, source, key in props
        )
        if isinstance(value, dict) and key in props:
            _check_example(contract, op_id, props[key], value, f"{prefix}{key}.", backed, check, confidence, source)


def _per_path(contract: Contract, op_facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A fact documenting one operation at several paths (``paths: [/ehr/v1/..., /ehr/v2/...]``) as one
    fact per path, each about the operation the contracts serve there (the fact's own operationId
    when none is, so that its path check fails)."""
    out = []
    for op_fact in op_facts:
        paths, method = op_fact.get("paths"), op_fact.get("method")
        if not (isinstance(paths, list) and method):
            out.append(op_fact)
            continue
        for path in paths:
            found = contract.operation_at(method, path)
            out.append({**op_fact, "path": path, "operation_id": found[0] if found else op_fact.get("operation_id")})
    return out


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _confidence(node: dict[str, Any], default: str) -> str:
    return node.get("x-osigu-confidence", default)


def measure(document: dict[str, Any] | None = None) -> Report:
    contract = Contract(document or bundled_openapi())
    facts = load_facts()
    deviations = load_deviations()
    report = Report()
    checks: list[tuple[Fact, bool]] = []
    backed: set[tuple[str, str]] = set()  # (schema title or operationId, field name) backed by a fact
    backed_ops: set[str] = set()

    def check(fact_id: str, description: str, confidence: str, source: str, ok: bool) -> None:
        if confidence in CONFIRMED:
            checks.append((Fact(fact_id, description, confidence, source), ok))

    # -- operations ------------------------------------------------------------------------------
    for op_fact in _per_path(contract, facts.get("operations", [])):
        op_id = op_fact.get("operation_id", "")
        if op_id not in contract.operations:
            continue
        method, path, op = contract.operations[op_id]
        confidence = op_fact.get("confidence", "inferred")
        source = op_fact.get("source_url") or ", ".join(op_fact.get("source_urls", []))
        backed_ops.add(op_id)
        if op_fact.get("path") and op_fact.get("method"):
            several = ":" + op_fact["path"] if op_fact.get("paths") else ""  # one fact id per documented path
            check(
                f"{op_id}:path{several}",
                f"{op_fact['method']} {op_fact['path']}",
                confidence,
                source,
                # Path parameter names are not on the wire: {sponsorSlug} and {sponsor_slug} are one path.
                (method, _shape(path)) == (op_fact["method"], _shape(op_fact["path"])),
            )
        request = op_fact.get("request") or {}
        if isinstance(request, dict):
            names = []
            for key in ("fields", "guide_fields", "guide_optional"):
                value = request.get(key)
                if isinstance(value, list):
                    names += [field_name(v) for v in value]
            if isinstance(request.get("guide_minimum"), dict):
                names += list(request["guide_minimum"])
            if isinstance(request.get("fields"), str):  # "values of the chosen form, e.g. {a: 1, b: '2'}"
                names += _example_keys(request["fields"])
            req_props = contract.request_properties(op)
            for name in filter(None, names):
                backed.add((op_id, name))
                check(f"{op_id}:request-field:{name}", f"request field {name}", confidence, source, name in req_props)
        response = op_fact.get("response") or {}
        if isinstance(response, dict):
            names = []
            for key in ("fields", "guide_fields"):
                value = response.get(key)
                if isinstance(value, list):
                    names += [field_name(v) for v in value]
            names += re.findall(r"`([a-z_][a-z0-9_]*)`", str(response.get("notes", "")))
            res_props = contract.response_properties(op)
            for name in filter(None, names):
                backed.add((op_id, name))
                check(f"{op_id}:response-field:{name}", f"response field {name}", confidence, source, name in res_props)
            example = response.get("guide_example")
            if isinstance(example, dict):
                for schema_node in contract.response_schemas(op):
                    _check_example(contract, op_id, schema_node, example, "", backed, check, confidence, source)
            if isinstance(response.get("status"), int):
                status = str(response["status"])
                check(f"{op_id}:status:{status}", f"answers {status}", confidence, source, status in op["responses"])
        statuses = op_fact.get("status_codes")
        if isinstance(statuses, dict):
            for status in statuses:
                check(
                    f"{op_id}:status:{status}",
                    f"documents status {status}",
                    confidence,
                    source,
                    str(status) in op["responses"],
                )
        for error in op_fact.get("errors", []) or []:
            code = error.get("error_code")
            if code:
                codes = op.get("x-osigu-errors", [])
                ok = code in codes and str(error.get("http")) in op["responses"]
                check(f"{op_id}:error:{code}", f"error {code} with {error.get('http')}", confidence, source, ok)
        for alt in op_fact.get("conflicts", []) or []:
            if isinstance(alt, dict) and alt.get("path") and alt.get("confidence") in CONFIRMED:
                alias_ok = contract.paths_of(op_fact.get("method", method), alt["path"])
                check(
                    f"{op_id}:alias:{alt['path']}",
                    f"alias {alt['path']}",
                    alt["confidence"],
                    alt.get("source_url", source),
                    alias_ok,
                )
                alias = contract.operation_at(op_fact.get("method", method), alt["path"])
                if alias is None:
                    continue
                alias_id, alias_op = alias
                backed_ops.add(alias_id)
                alt_source = alt.get("source_url", source)
                for kind, key, props in (
                    ("request", "request_fields", contract.request_properties(alias_op)),
                    ("response", "response_fields", contract.response_properties(alias_op)),
                ):
                    for fname in filter(None, (field_name(v) for v in alt.get(key, []))):
                        backed.add((alias_id, fname))
                        check(
                            f"{alias_id}:{kind}-field:{fname}",
                            f"{alt['path']} {kind} field {fname}",
                            alt["confidence"],
                            alt_source,
                            fname in props,
                        )

    # -- schemas ---------------------------------------------------------------------------------
    enums = facts.get("enums", {})
    for name, schema_fact in (facts.get("schemas") or {}).items():
        confidence = schema_fact.get("confidence", "inferred")
        source = schema_fact.get("source_url") or ", ".join(schema_fact.get("source_urls", []))
        for entry in schema_fact.get("fields", []):  # notes may describe an embedded schema we serve
            _note_schema_facts(contract, entry, confidence, source, backed, check)
        if name not in contract.schemas:
            continue
        node = contract.resolve(contract.schemas[name])
        props = contract.properties(node)
        required = set(node.get("required", []))
        for entry in schema_fact.get("fields", []):
            if str(entry.get("name", "")).startswith(("(", "...")):
                continue
            names = [field_name(part) for part in str(entry.get("name", "")).split("/")]
            if len(names) > 1:  # "payment_type / status / products": existence only
                for extra in filter(None, names):
                    backed.add((name, extra))
                    check(f"{name}:field:{extra}", f"{name}.{extra}", confidence, source, extra in props)
                continue
            fname = field_name(entry.get("name"))
            if not fname or str(entry.get("name", "")).startswith(("(", "...")):
                continue
            backed.add((name, fname))
            prop = contract.resolve(props.get(fname)) if fname in props else None
            check(f"{name}:field:{fname}", f"{name}.{fname}", confidence, source, prop is not None)
            if prop is None:
                continue
            _nested_note_facts(contract, name, fname, props[fname], entry, confidence, source, backed, check)
            fact_type = str(entry.get("type", ""))
            expected = "array" if fact_type.endswith("[]") else _JSON_TYPES.get(fact_type)
            if expected:
                types = prop.get("type")
                types = types if isinstance(types, list) else [types]
                check(f"{name}:type:{fname}", f"{name}.{fname} is {expected}", confidence, source, expected in types)
            if entry.get("format"):
                check(
                    f"{name}:format:{fname}",
                    f"{name}.{fname} format {entry['format']}",
                    confidence,
                    source,
                    prop.get("format") == entry["format"],
                )
            if entry.get("required"):
                check(f"{name}:required:{fname}", f"{name}.{fname} required", confidence, source, fname in required)
            enum_name = entry.get("enum")
            values = enums.get(enum_name, {}).get("values") if isinstance(enum_name, str) else enum_name
            if isinstance(values, list):
                have = set(prop.get("enum", []) or contract.resolve(prop.get("items", {})).get("enum", []))
                for value in values:
                    if isinstance(value, str) and not value.startswith("..."):
                        check(
                            f"{name}:enum:{fname}:{value}",
                            f"{name}.{fname} allows {value}",
                            confidence,
                            source,
                            value in have,
                        )

    # -- conventions -----------------------------------------------------------------------------
    conventions = facts.get("conventions", {})
    error_schema = contract.schemas.get("ErrorResponse")
    if error_schema is not None:
        props = contract.properties(error_schema)
        item_props = contract.properties(props.get("errors", {}).get("items", {})) if "errors" in props else {}
        for seen in conventions.get("error_bodies_seen", []):
            if seen.get("confidence") not in CONFIRMED or "071-" in seen.get("shape", ""):
                continue
            shape = seen["shape"]
            names = re.findall(r"[a-z_]+", shape.split("[")[0])
            for fname in names:
                backed.add(("ErrorResponse", fname))
                check(
                    f"ErrorResponse:field:{fname}",
                    f"error body has {fname} ({seen['where']})",
                    seen["confidence"],
                    seen["source_url"],
                    fname in props,
                )
            if "path" in shape and "errors" in shape:
                for fname in ("path", "message"):
                    check(
                        f"ErrorResponse:errors-item:{fname}",
                        f"errors[] items have {fname}",
                        seen["confidence"],
                        seen["source_url"],
                        fname in item_props,
                    )
    link = contract.schemas.get("Link")
    paged = (facts.get("schemas") or {}).get("PagedModelProviderAuthorizationAbridgedResource")
    if link is not None and paged:
        props = contract.properties(link)
        note = next((f["note"] for f in paged["fields"] if str(f["name"]).startswith("links")), "")
        inner = note[note.find("{") + 1 : note.find("}")]
        for fname in [field_name(part) for part in inner.split(",")]:
            if fname:
                backed.add(("Link", fname))
                check(
                    f"Link:field:{fname}",
                    f"pagination link has {fname}",
                    paged["confidence"],
                    paged["source_url"],
                    fname in props,
                )
        for rel in re.findall(r"'([a-z]+)'", note):
            check(
                f"Link:rel:{rel}",
                f"link rel {rel}",
                paged["confidence"],
                paged["source_url"],
                rel in contract.resolve(props.get("rel", {})).get("enum", []),
            )
    oauth2 = contract.document.get("components", {}).get("securitySchemes", {}).get("oauth2")
    scopes_fact = enums.get("oauth_scopes")
    if oauth2 and scopes_fact:
        have = oauth2.get("flows", {}).get("clientCredentials", {}).get("scopes", {})
        for scope in scopes_fact["values"]:
            check(
                f"oauth:scope:{scope}",
                f"scope {scope}",
                scopes_fact["confidence"],
                scopes_fact["source_url"],
                scope in have,
            )

    envelope = contract.schemas.get("WebhookEnvelope")
    if envelope is not None:
        defs = contract.resolve(envelope).get("$defs", {})
        for event in facts.get("webhook_events", []):
            if event.get("confidence") not in CONFIRMED:
                continue
            event_type = event["event_type"]
            data = defs.get(event_type)
            check(
                f"webhook:{event_type}",
                f"event type {event_type}",
                event["confidence"],
                event["source_url"],
                data is not None,
            )
            props = contract.properties(data) if data is not None else {}
            for entry in event.get("data_fields", []):
                fname = field_name(entry)
                if not fname or str(entry).startswith("("):
                    continue
                backed.add((f"WebhookEnvelope/{event_type}", fname))
                check(
                    f"webhook:{event_type}:data:{fname}",
                    f"{event_type} data.{fname}",
                    event["confidence"],
                    event["source_url"],
                    fname in props,
                )

    # -- tally -----------------------------------------------------------------------------------
    seen_ids: set[str] = set()
    for fact, ok in checks:
        if fact.id in seen_ids:
            continue
        seen_ids.add(fact.id)
        if ok:
            report.reproduced.append(fact)
        elif fact.id in deviations:
            report.deviations.append((fact, deviations[fact.id]))
        else:
            report.missing.append(fact)
    reproduced_ids = {f.id for f in report.reproduced}
    report.stale_deviations = sorted(d for d in deviations if d in reproduced_ids)

    # -- the converse: everything unbacked is tagged ---------------------------------------------
    for op_id, (method, path, op) in contract.operations.items():
        confidence = _confidence(op, "")
        if confidence in UNTRUSTED:
            continue
        if op_id not in backed_ops:
            report.untagged.append(
                f"operation {op_id} ({method} {path}) has no confirmed fact and is not tagged inferred"
            )
            continue
    for title, node in contract.schemas.items():
        node = contract.resolve(node)
        confidence = _confidence(node, "")
        if confidence in UNTRUSTED or not confidence:
            if not confidence:
                report.untagged.append(f"schema {title} has no x-osigu-confidence")
            continue
        for fname, prop in contract.properties(node).items():
            if (title, fname) in backed or any((op_id, fname) in backed for op_id in _users(contract, title)):
                continue
            if _confidence(contract.resolve(prop), "") not in UNTRUSTED:
                report.untagged.append(f"{title}.{fname} is backed by no fact and not tagged inferred")
    return report


def _users(contract: Contract, title: str) -> list[str]:
    """Operations whose request or 2xx response uses the schema titled ``title`` directly."""
    ref = f"#/components/schemas/{title}"
    users = []
    for op_id, (_, _, op) in contract.operations.items():
        media = [m for m in op.get("requestBody", {}).get("content", {}).values()]
        for status, response in op.get("responses", {}).items():
            if status.startswith("2"):
                media += list(response.get("content", {}).values())
        if any(m.get("schema", {}).get("$ref") == ref for m in media):
            users.append(op_id)
    return users
