"""Facts about conventions that cut across operations (``conventions`` and ``webhook_events`` of
``contracts/facts/osigu-facts.yaml``): the error bodies seen, pagination links, the documented format of
authorization and prescription codes, and webhook events, checked against ``contracts/openapi.yaml``."""

from __future__ import annotations

import re
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.facts import CONFIRMED, Origin, Subject
from mock_server.kit.fidelity.fields import Target, check_specs, render
from mock_server.kit.fidelity.text import FieldSpec, parse_field, parse_fields, spec_at

__all__ = ["check_conventions"]

MONITOR = "OutpatientCareClaimMonitorResponse"
PAGED = "PagedModelProviderAuthorizationAbridgedResource"
# conventions.ids.codes says "<kind> code <example>": the field that holds such a code.
CODE_FIELDS = {"authorization": "AuthorizationResource", "prescription": "PrescriptionResource"}


def _origin(entry: dict[str, Any], subject: Subject) -> Origin:
    """The origin of a conventions or webhook entry (each has ``confidence`` and ``source_url(s)``)."""
    source = entry.get("source_url") or ", ".join(entry.get("source_urls", []))
    return Origin(entry.get("confidence", "inferred"), source, subject)


def check_conventions(ctx: Context) -> None:
    """Every kind of convention fact, in turn."""
    check_error_bodies(ctx)
    check_pagination(ctx)
    check_code_formats(ctx)
    check_webhook_events(ctx)


def check_error_bodies(ctx: Context) -> None:
    """Error bodies: the fields of each confirmed error body the documentation shows. The async claim
    monitor's ``{error, error_code, error_details[...]}`` is the monitor's embedded error, so it is checked
    against ``OutpatientCareClaimMonitorResponse.monitor_resource`` (the same facts as that schema's field
    note); every other body against ``ErrorResponse``, about the operation it was seen on. The body seen
    with code ``071-104`` is the error code, checked with the operations' error codes."""
    operations = {str(op.get("operation_id")) for op in ctx.facts.get("operations", [])}
    for seen in ctx.facts.get("conventions", {}).get("error_bodies_seen", []):
        shape, where = str(seen.get("shape", "")), str(seen.get("where", ""))
        if seen.get("confidence") not in CONFIRMED or "071-" in shape:
            continue
        specs = parse_fields(shape.strip().strip("{}").replace(":[", "["))
        if "claim monitor" in where:
            target = Target.of_schema(MONITOR, _origin(seen, ("schema", MONITOR)))
            check_specs(ctx, target, [FieldSpec("monitor_resource", specs)], _nodes(ctx, MONITOR))
            continue
        op = next((word for word in where.split()[:1] if word in operations), "")
        target = Target(
            "ErrorResponse:field:", "ErrorResponse:value:", f"error body ({where})", _origin(seen, ("operation", op))
        )
        check_specs(ctx, target, specs, _nodes(ctx, "ErrorResponse"))


def _nodes(ctx: Context, title: str) -> list[Any]:
    """The contract's schema titled ``title``, as a list of nodes to look fields up in (empty when absent)."""
    return [ctx.contract.schemas[title]] if title in ctx.contract.schemas else []


def check_pagination(ctx: Context) -> None:
    """Pagination: the links of the documented paged model allow the rels its ``links`` note lists (its
    fields are the paged model's nested-field facts)."""
    paged = (ctx.facts.get("schemas") or {}).get(PAGED)
    if not paged:
        return
    note = next((f.get("note", "") for f in paged["fields"] if str(f.get("name")).startswith("links")), "")
    rel = ctx.contract.lookup(_nodes(ctx, PAGED), "links.rel") if PAGED in ctx.contract.schemas else None
    for value in re.findall(r"'([a-z]+)'", note):
        ok = rel is not None and ctx.contract.accepts(rel, value)
        ctx.check(f"Link:rel:{value}", f"link rel {value}", _origin(paged, ("schema", PAGED)), ok)


def check_code_formats(ctx: Context) -> None:
    """Codes: the guides' example authorization and prescription codes are valid values of the code
    field of the authorization and the prescription."""
    ids = ctx.facts.get("conventions", {}).get("ids", {})
    for kind, example in re.findall(r"(\w+) code (\S+?)[;,]?(?:\s|$)", str(ids.get("codes", ""))):
        schema = CODE_FIELDS.get(kind)
        if schema:
            target = Target.of_schema(schema, _origin(ids, ("schema", schema)))
            check_specs(ctx, target, [FieldSpec("code", values=(example,))], _nodes(ctx, schema))


def check_webhook_events(ctx: Context) -> None:
    """Webhook events: each confirmed event type has a ``$defs`` entry in ``WebhookEnvelope``, whose data
    has the documented fields (nested ones and documented values included) and takes the event's example
    values."""
    envelope = ctx.contract.schemas.get("WebhookEnvelope")
    defs = ctx.contract.resolve(envelope).get("$defs", {}) if envelope is not None else {}
    for event in ctx.facts.get("webhook_events", []):
        event_type = event["event_type"]
        origin = _origin(event, ("schema", "WebhookEnvelope"))
        data = defs.get(event_type)
        ctx.check(f"webhook:{event_type}", f"event type {event_type}", origin, data is not None)
        specs = [spec for spec in map(parse_field, event.get("data_fields", [])) if spec is not None]
        check_specs(ctx, Target.of_event(event_type, origin), specs, [data] if data is not None else [])
        check_event_examples(ctx, event, specs, data, origin)


def check_event_examples(
    ctx: Context, event: dict[str, Any], specs: list[FieldSpec], data: Any, origin: Origin
) -> None:
    """An event's example values: a value whose key is a documented data field (at any depth) is a value
    fact of that field; any other (``provider_slug``) must be a valid value of the first property of
    that name in the event's data, else in the envelope."""
    event_type, envelope = event["event_type"], ctx.contract.schemas.get("WebhookEnvelope")
    for key, value in (event.get("example_values") or {}).items():
        path = _path_of(specs, key)
        if path:
            check_specs(
                ctx, Target.of_event(event_type, origin), [spec_at(path, (value,))], [data] if data is not None else []
            )
            continue
        prop = ctx.contract.find(data, key) if data is not None else None
        if prop is None and envelope is not None:
            prop = ctx.contract.find(envelope, key)
        ok = prop is not None and ctx.contract.accepts(prop, value)
        ctx.check(f"webhook:{event_type}:example:{key}:{render(value)}", f"{event_type} {key}={value}", origin, ok)


def _path_of(specs: list[FieldSpec] | tuple[FieldSpec, ...], key: str, prefix: str = "") -> str | None:
    """The dotted path of the documented field called ``key`` (top-level first, then nested)."""
    for spec in specs:
        if spec.name == key:
            return prefix + key
    for spec in specs:
        found = _path_of(spec.children, key, f"{prefix}{spec.name}.")
        if found:
            return found
    return None
