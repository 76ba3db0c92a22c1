"""Facts about operations (the ``operations`` of ``contracts/facts/osigu-facts.yaml``): path and
method, request and response fields, status codes, error codes, and aliases, each checked against
the operation ``contracts/openapi.yaml`` serves under the same ``operationId``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.contract import Contract, shape
from mock_server.kit.fidelity.facts import CONFIRMED, Origin, example_keys, field_name, origin_of

__all__ = ["check_operations"]


@dataclass(frozen=True)
class Served:
    """One operation fact and the operation the contracts serve under its ``operationId``."""

    fact: dict[str, Any]
    op_id: str
    method: str
    path: str
    op: dict[str, Any]
    origin: Origin


def check_operations(ctx: Context) -> None:
    """Every kind of operation fact, for each fact (one per documented path) whose operation the
    contracts serve; the operation is then backed by a fact."""
    for op_fact in per_path(ctx.contract, ctx.facts.get("operations", [])):
        op_id = op_fact.get("operation_id", "")
        if op_id not in ctx.contract.operations:
            continue
        method, path, op = ctx.contract.operations[op_id]
        served = Served(op_fact, op_id, method, path, op, origin_of(op_fact))
        ctx.backed_ops.add(op_id)
        check_path(ctx, served)
        check_request_fields(ctx, served)
        check_response_fields(ctx, served)
        check_status_codes(ctx, served)
        check_error_codes(ctx, served)
        check_aliases(ctx, served)


def per_path(contract: Contract, op_facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def check_path(ctx: Context, served: Served) -> None:
    """Path and method: the operation is served at the documented method and path (one fact id per
    path when the fact documents several)."""
    op_fact = served.fact
    if not (op_fact.get("path") and op_fact.get("method")):
        return
    several = ":" + op_fact["path"] if op_fact.get("paths") else ""
    ctx.check(
        f"{served.op_id}:path{several}",
        f"{op_fact['method']} {op_fact['path']}",
        served.origin,
        # Path parameter names are not on the wire: {sponsorSlug} and {sponsor_slug} are one path.
        (served.method, shape(served.path)) == (op_fact["method"], shape(op_fact["path"])),
    )


def request_field_names(request: dict[str, Any]) -> list[str | None]:
    """The request field names a fact's ``request`` lists (None for cut or prose entries)."""
    names: list[str | None] = []
    for key in ("fields", "guide_fields", "guide_optional"):
        value = request.get(key)
        if isinstance(value, list):
            names += [field_name(v) for v in value]
    if isinstance(request.get("guide_minimum"), dict):
        names += list(request["guide_minimum"])
    if isinstance(request.get("fields"), str):  # "values of the chosen form, e.g. {a: 1, b: '2'}"
        names += example_keys(request["fields"])
    return names


def check_request_fields(ctx: Context, served: Served) -> None:
    """Request fields: each field the fact documents is a property of the request body."""
    request = served.fact.get("request") or {}
    if not isinstance(request, dict):
        return
    names = request_field_names(request)
    req_props = ctx.contract.request_properties(served.op)
    for name in filter(None, names):
        ctx.backed.add((served.op_id, name))
        ctx.check(f"{served.op_id}:request-field:{name}", f"request field {name}", served.origin, name in req_props)


def response_field_names(response: dict[str, Any]) -> list[str | None]:
    """The response field names a fact's ``response`` lists or quotes in its notes."""
    names: list[str | None] = []
    for key in ("fields", "guide_fields"):
        value = response.get(key)
        if isinstance(value, list):
            names += [field_name(v) for v in value]
    names += re.findall(r"`([a-z_][a-z0-9_]*)`", str(response.get("notes", "")))
    return names


def check_response_fields(ctx: Context, served: Served) -> None:
    """Response fields: each field the fact documents is a property of a 2xx response, and every key
    of a guide's example response exists there too."""
    response = served.fact.get("response") or {}
    if not isinstance(response, dict):
        return
    names = response_field_names(response)
    res_props = ctx.contract.response_properties(served.op)
    for name in filter(None, names):
        ctx.backed.add((served.op_id, name))
        ctx.check(f"{served.op_id}:response-field:{name}", f"response field {name}", served.origin, name in res_props)
    example = response.get("guide_example")
    if isinstance(example, dict):
        for schema_node in ctx.contract.response_schemas(served.op):
            check_example(ctx, served, schema_node, example, "")


def check_example(ctx: Context, served: Served, node: Any, example: dict[str, Any], prefix: str) -> None:
    """Every key of a guide's example response exists in the response schema, nested keys included;
    the schema (by title) that holds each key is marked as backed by the fact."""
    op_id = served.op_id
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    title = ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None
    props = ctx.contract.properties(node)
    for key, value in example.items():
        ctx.backed.add((op_id, key) if not prefix else (title or op_id, key))
        if title:
            ctx.backed.add((title, key))
        ctx.check(f"{op_id}:response-field:{prefix}{key}", f"response field {prefix}{key}", served.origin, key in props)
        if isinstance(value, dict) and key in props:
            check_example(ctx, served, props[key], value, f"{prefix}{key}.")


def check_status_codes(ctx: Context, served: Served) -> None:
    """Status codes: the status of the documented response, and every documented status code, is a
    response of the operation."""
    op_id, op = served.op_id, served.op
    response = served.fact.get("response") or {}
    if isinstance(response, dict) and isinstance(response.get("status"), int):
        status = str(response["status"])
        ctx.check(f"{op_id}:status:{status}", f"answers {status}", served.origin, status in op["responses"])
    statuses = served.fact.get("status_codes")
    if isinstance(statuses, dict):
        for status in statuses:
            documented = str(status) in op["responses"]
            ctx.check(f"{op_id}:status:{status}", f"documents status {status}", served.origin, documented)


def check_error_codes(ctx: Context, served: Served) -> None:
    """Error codes: each documented error code is in the operation's ``x-osigu-errors`` and its HTTP
    status is a response of the operation."""
    for error in served.fact.get("errors", []) or []:
        code = error.get("error_code")
        if code:
            codes = served.op.get("x-osigu-errors", [])
            ok = code in codes and str(error.get("http")) in served.op["responses"]
            ctx.check(f"{served.op_id}:error:{code}", f"error {code} with {error.get('http')}", served.origin, ok)


def check_aliases(ctx: Context, served: Served) -> None:
    """Aliases: each confirmed conflicting path the fact records is served too, with the request and
    response fields documented for it; the alias operation is then backed by a fact."""
    method = served.fact.get("method", served.method)
    for alt in served.fact.get("conflicts", []) or []:
        if not (isinstance(alt, dict) and alt.get("path") and alt.get("confidence") in CONFIRMED):
            continue
        origin = Origin(alt["confidence"], alt.get("source_url", served.origin.source))
        alias_ok = ctx.contract.paths_of(method, alt["path"])
        ctx.check(f"{served.op_id}:alias:{alt['path']}", f"alias {alt['path']}", origin, alias_ok)
        alias = ctx.contract.operation_at(method, alt["path"])
        if alias is None:
            continue
        ctx.backed_ops.add(alias[0])
        check_alias_fields(ctx, alt, alias, origin)


def check_alias_fields(ctx: Context, alt: dict[str, Any], alias: tuple[str, dict[str, Any]], origin: Origin) -> None:
    """Alias request and response fields: each field documented for the alias path is a property of
    the alias operation's request body or 2xx response."""
    alias_id, alias_op = alias
    for kind, key, props in (
        ("request", "request_fields", ctx.contract.request_properties(alias_op)),
        ("response", "response_fields", ctx.contract.response_properties(alias_op)),
    ):
        for fname in filter(None, (field_name(v) for v in alt.get(key, []))):
            ctx.backed.add((alias_id, fname))
            ctx.check(f"{alias_id}:{kind}-field:{fname}", f"{alt['path']} {kind} field {fname}", origin, fname in props)
