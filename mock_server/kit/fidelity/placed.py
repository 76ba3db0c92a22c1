"""Facts that ``contracts/facts/scope.yaml`` ties to the contract: the standalone enums (the catalogue's
``enums`` no schema field names), each value checked where scope.yaml places the enum, and the
``error_codes`` entries, each checked on the operations scope.yaml ties it to.

A placed value is named like the other facts at that place (``createAuthorizationRequest:request-value:
products.product_type:MEDICATION``, ``webhook:dispensing.started:data-value:code_type:AUTHORIZATION``),
so a value the catalogue states twice (as an enum and in a field's note) is one fact. An error code is
named like an operation's error (``createPrescription@/ehr/v1/prescriptions:error:071-104``), a code-less
entry like its status (``sendOtp:status:422``). A left-out enum or entry still counts for the whole file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.facts import CONFIRMED, Origin, origin_of
from mock_server.kit.fidelity.fields import Target, check_specs, render
from mock_server.kit.fidelity.operations import Served, check_error_code, served_as
from mock_server.kit.fidelity.scope import Place, error_key
from mock_server.kit.fidelity.text import FieldSpec, is_placeholder, spec_at

__all__ = ["check_error_codes", "check_standalone_enums"]


def check_standalone_enums(ctx: Context) -> None:
    """Each value of each placed enum is a valid value at each of its places; a left-out enum's values
    are facts out of scope."""
    for name, entry in ctx.facts.get("enums", {}).items():
        values = [value for value in entry.get("values", []) if not is_placeholder(value)]
        places = ctx.scope.places.get(name)
        if places is None:
            if name in ctx.scope.names("enums", "left_out"):
                origin = origin_of(entry, ("enum", name))
                for value in values:
                    ctx.check(f"enum:{name}:{render(value)}", f"enum {name} has {render(value)}", origin, False)
            continue
        for place in places:
            check_place(ctx, place, values, origin_of(entry, place.subject))


def check_place(ctx: Context, place: Place, values: list[Any], origin: Origin) -> None:
    """Values at one place: a schema's field, an operation's request or response field or query
    parameter, a webhook event's data field, or the OAuth scopes of the token endpoint."""
    if place.kind == "oauth2":
        scheme = ctx.contract.document.get("components", {}).get("securitySchemes", {}).get("oauth2", {})
        have = scheme.get("flows", {}).get("clientCredentials", {}).get("scopes", {})
        for value in values:
            ctx.check(f"oauth:scope:{value}", f"scope {value}", origin, value in have)
        return
    spec = spec_at(place.path, tuple(values))
    if place.kind == "schema":
        node = ctx.contract.schemas.get(place.name)
        check_specs(ctx, Target.of_schema(place.name, origin), [spec], [node] if node is not None else [])
    elif place.kind == "webhook":
        envelope = ctx.contract.schemas.get("WebhookEnvelope")
        data = ctx.contract.resolve(envelope).get("$defs", {}).get(place.name) if envelope is not None else None
        check_specs(ctx, Target.of_event(place.name, origin), [spec], [data] if data is not None else [])
    else:
        for served in served_as(ctx, place.name):
            check_operation_place(ctx, place, served, spec, values, origin)


def check_operation_place(
    ctx: Context, place: Place, served: Served, spec: FieldSpec, values: list[Any], origin: Origin
) -> None:
    """Values at an operation's request or response field, or at its query parameter."""
    label, op = served.label, served.op
    if place.kind == "query":
        param = ctx.contract.parameter(op, place.path)
        for value in values:
            ok = param is not None and ctx.contract.accepts(param.get("schema", {}), value)
            ctx.check(f"{label}:query-value:{place.path}:{render(value)}", f"{label} ?{place.path}={value}", origin, ok)
        return
    nodes = ctx.contract.request_schemas(op) if place.kind == "request" else ctx.contract.response_schemas(op)
    check_specs(ctx, Target.of_operation(label, place.kind, origin), [spec], nodes)


def check_error_codes(ctx: Context) -> None:
    """Each confirmed ``error_codes`` entry, on every operation (at every documented path) scope.yaml
    ties it to: a code is one of the operation's errors with its status, a code-less entry a status it
    answers. An entry scope.yaml leaves out is a fact out of scope."""
    for entry in ctx.facts.get("error_codes", []):
        if entry.get("confidence") not in CONFIRMED:
            continue
        for item in ctx.scope.error_entry(entry):
            if "left_out" in item:
                origin = origin_of(entry, ("error_code", error_key(item)))
                ctx.check(f"error:{error_key(item)}", str(entry.get("meaning")), origin, False)
            for raw in item.get("operations", []):
                for served in served_as(ctx, raw):
                    origin = origin_of(entry, ("operation", raw))
                    check_error_entry(ctx, served, entry, origin)


def check_error_entry(ctx: Context, served: Served, entry: dict[str, Any], origin: Origin) -> None:
    """One error-code entry on one operation at one path."""
    http = entry.get("http_status")
    served = replace(served, origin=origin)
    if entry.get("code"):
        check_error_code(ctx, served, str(entry["code"]), http)
    else:
        ok = str(http) in served.op.get("responses", {})
        ctx.check(f"{served.label}:status:{http}", f"{served.label} answers {http}", origin, ok)
