"""Facts about operations (the ``operations`` of ``contracts/facts/osigu-facts.yaml``): path and method,
request and response fields (nested ones and documented values included), request content type, query
parameters, the OAuth scope required, status codes, error codes, and aliases, each checked against the
operation ``contracts/openapi.yaml`` serves under the same ``operationId`` (or, for a fact documenting
several paths, at each path).

Every fact is named from the catalogue alone, whether or not the contract serves the operation: the
facts of an operation the contract lacks are missing, not left uncounted. A fact documenting several
paths gives one fact per path, named ``<operationId>@<path>:...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.contract import Contract, shape
from mock_server.kit.fidelity.facts import CONFIRMED, Origin, origin_of
from mock_server.kit.fidelity.fields import Target, check_specs, render
from mock_server.kit.fidelity.scope import served_name
from mock_server.kit.fidelity.text import FieldSpec, inline_example, parse_field, specs_from_example

__all__ = ["Served", "check_error_code", "check_operations", "served_as"]


@dataclass(frozen=True)
class Served:
    """One operation fact at one documented path, and what the contracts serve for it."""

    fact: dict[str, Any]
    name: str  # the operationId the catalogue names
    label: str  # the prefix of its fact ids: the operationId, or operationId@path for one of several paths
    path: str | None
    found: tuple[str, str, dict[str, Any]] | None  # (method, path, operation) the contract serves
    served_id: str | None  # the contract's operationId for it
    origin: Origin

    @property
    def op(self) -> dict[str, Any]:
        return self.found[2] if self.found else {}


def served_of(contract: Contract, op_fact: dict[str, Any]) -> list[Served]:
    """An operation fact as served: one per documented path when it documents several (each about the
    operation the contracts serve at that path), else the operation under its ``operationId``."""
    raw = str(op_fact.get("operation_id", ""))
    name, origin = served_name(raw), origin_of(op_fact, ("operation", raw))
    paths, method = op_fact.get("paths"), op_fact.get("method")
    if not (isinstance(paths, list) and method):
        found = contract.operations.get(name)
        return [Served(op_fact, name, name, op_fact.get("path"), found, name if found else None, origin)]
    served = []
    for path in paths:
        at = contract.operation_at(method, path)
        found = contract.operations[at[0]] if at else None
        served.append(Served(op_fact, name, f"{name}@{path}", path, found, at[0] if at else None, origin))
    return served


def served_as(ctx: Context, raw_name: str) -> list[Served]:
    """The operation the catalogue calls ``raw_name``, as served (at every documented path)."""
    facts = [op for op in ctx.facts.get("operations", []) if op.get("operation_id") == raw_name]
    return [served for op_fact in facts or [{"operation_id": raw_name}] for served in served_of(ctx.contract, op_fact)]


def check_operations(ctx: Context) -> None:
    """Every kind of operation fact, for each operation fact at each of its documented paths; an
    operation the contracts serve is then backed by the fact when it is confirmed."""
    for op_fact in ctx.facts.get("operations", []):
        for served in served_of(ctx.contract, op_fact):
            if served.served_id and served.origin.confidence in CONFIRMED:
                ctx.backed_ops.add(served.served_id)
            check_path(ctx, served)
            check_request(ctx, served)
            check_response(ctx, served)
            check_status_codes(ctx, served)
            check_query(ctx, served)
            check_scope(ctx, served)
            for error in served.fact.get("errors", []) or []:
                if error.get("error_code"):
                    check_error_code(ctx, served, error["error_code"], error.get("http"))
        check_aliases(ctx, op_fact)


def check_path(ctx: Context, served: Served) -> None:
    """Path and method: the operation is served at the documented method and path (one fact id per
    path when the fact documents several)."""
    method = served.fact.get("method")
    if not (served.path and method):
        return
    several = ":" + served.path if served.fact.get("paths") else ""
    # Path parameter names are not on the wire: {sponsorSlug} and {sponsor_slug} are one path.
    ok = served.found is not None and (served.found[0], shape(served.found[1])) == (method, shape(served.path))
    ctx.check(f"{served.name}:path{several}", f"{method} {served.path}", served.origin, ok)


def request_specs(request: dict[str, Any]) -> list[FieldSpec]:
    """The request fields a fact documents: its field lists, and the keys and values of its examples."""
    specs: list[FieldSpec] = []
    for key in ("fields", "guide_fields", "guide_optional", "optional"):
        value = request.get(key)
        if isinstance(value, list):
            specs += filter(None, map(parse_field, value))
        elif isinstance(value, str):  # "values of the chosen form, e.g. {a: 1, b: '2'}"
            specs += specs_from_example(inline_example(value))
    if isinstance(request.get("guide_minimum"), dict):
        specs += specs_from_example(request["guide_minimum"])
    return specs


def check_request(ctx: Context, served: Served) -> None:
    """Request fields (nested ones and their documented values) are properties of the request body, and
    the documented content type is one the operation takes."""
    request, label = served.fact.get("request") or {}, served.label
    if not isinstance(request, dict):
        return
    target = Target.of_operation(label, "request", served.origin, served.served_id)
    check_specs(ctx, target, request_specs(request), ctx.contract.request_schemas(served.op))
    content_type = request.get("content_type")
    if content_type:
        ok = content_type in served.op.get("requestBody", {}).get("content", {})
        ctx.check(f"{label}:content-type:{content_type}", f"{label} takes {content_type}", served.origin, ok)


def response_specs(response: dict[str, Any]) -> list[FieldSpec]:
    """The response fields a fact documents: its field lists, the fields its notes quote, and the keys
    and values of a guide's example response."""
    specs: list[FieldSpec] = []
    for key in ("fields", "guide_fields"):
        if isinstance(response.get(key), list):
            specs += filter(None, map(parse_field, response[key]))
    specs += [FieldSpec(name) for name in re.findall(r"`([a-z_][a-z0-9_]*)`", str(response.get("notes", "")))]
    if isinstance(response.get("guide_example"), dict):
        specs += specs_from_example(response["guide_example"])
    return specs


def check_response(ctx: Context, served: Served) -> None:
    """Response fields (nested ones and their documented values) are properties of a 2xx response."""
    response, label = served.fact.get("response") or {}, served.label
    if not isinstance(response, dict):
        return
    target = Target.of_operation(label, "response", served.origin, served.served_id)
    check_specs(ctx, target, response_specs(response), ctx.contract.response_schemas(served.op))


def check_status_codes(ctx: Context, served: Served) -> None:
    """Status codes: the status of the documented response, every documented status code, and the HTTP
    status of every documented error, is a response of the operation."""
    statuses: list[tuple[str, str]] = []
    response = served.fact.get("response")
    if isinstance(response, dict) and isinstance(response.get("status"), int):
        statuses.append((str(response["status"]), "answers"))
    if isinstance(served.fact.get("status_codes"), dict):
        statuses += [(str(status), "documents status") for status in served.fact["status_codes"]]
    statuses += [
        (str(error["http"]), "errs with") for error in served.fact.get("errors", []) or [] if error.get("http")
    ]
    for status, verb in statuses:
        ok = status in served.op.get("responses", {})
        ctx.check(f"{served.label}:status:{status}", f"{served.label} {verb} {status}", served.origin, ok)


def check_error_code(ctx: Context, served: Served, code: str, http: Any) -> None:
    """An error code: it is in the operation's ``x-osigu-errors`` and its HTTP status is a response of it."""
    ok = code in served.op.get("x-osigu-errors", []) and str(http) in served.op.get("responses", {})
    ctx.check(f"{served.label}:error:{code}", f"{served.label} errs with {code} ({http})", served.origin, ok)


def check_query(ctx: Context, served: Served) -> None:
    """Query parameters: each is a query parameter of the operation, taking each documented value."""
    for spec in filter(None, map(parse_field, served.fact.get("query") or [])):
        param = ctx.contract.parameter(served.op, spec.name)
        ctx.check(f"{served.label}:query:{spec.name}", f"{served.label} ?{spec.name}", served.origin, param is not None)
        for value in spec.values:
            ok = param is not None and ctx.contract.accepts(param.get("schema", {}), value)
            description = f"{served.label} ?{spec.name}={render(value)}"
            ctx.check(f"{served.label}:query-value:{spec.name}:{render(value)}", description, served.origin, ok)


def check_scope(ctx: Context, served: Served) -> None:
    """Scopes: the OAuth scope the fact says the operation requires is in its security requirement."""
    scope = served.fact.get("scope_required")
    if scope:
        ok = scope in Contract.scopes(served.op)
        ctx.check(f"{served.label}:scope:{scope}", f"{served.label} requires {scope}", served.origin, ok)


def check_aliases(ctx: Context, op_fact: dict[str, Any]) -> None:
    """Aliases: each confirmed conflicting path the fact records is served too, with the request and
    response fields documented for it (facts ``<operationId>@<alias path>:...``); the alias operation is
    then backed by a fact."""
    raw = str(op_fact.get("operation_id", ""))
    name, method = served_name(raw), op_fact.get("method", "")
    for alt in op_fact.get("conflicts", []) or []:
        if not (isinstance(alt, dict) and alt.get("path") and alt.get("confidence") in CONFIRMED):
            continue
        origin = Origin(alt["confidence"], alt.get("source_url", ""), ("operation", raw))
        served = ctx.contract.paths_of(method, alt["path"])
        ctx.check(f"{name}:alias:{alt['path']}", f"alias {alt['path']}", origin, served)
        alias_id, alias_op = ctx.contract.operation_at(method, alt["path"]) or (None, {})
        if alias_id:
            ctx.backed_ops.add(alias_id)
        label = f"{name}@{alt['path']}"
        for kind, nodes in (
            ("request", ctx.contract.request_schemas(alias_op)),
            ("response", ctx.contract.response_schemas(alias_op)),
        ):
            specs = filter(None, map(parse_field, alt.get(f"{kind}_fields", [])))
            check_specs(ctx, Target.of_operation(label, kind, origin, alias_id), specs, nodes)
