"""Facts about conventions that cut across operations (``conventions``, ``enums`` and
``webhook_events`` of ``contracts/facts/osigu-facts.yaml``): the error body, pagination links, OAuth
scopes and webhook events, checked against ``contracts/openapi.yaml``."""

from __future__ import annotations

import re
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.facts import CONFIRMED, Origin, field_name

__all__ = ["check_conventions"]


def _origin(entry: dict[str, Any]) -> Origin:
    """The origin of a conventions, enums or webhook entry (each has ``confidence`` and ``source_url``)."""
    return Origin(entry["confidence"], entry["source_url"])


def check_conventions(ctx: Context) -> None:
    """Every kind of convention fact, in turn."""
    check_error_body(ctx)
    check_pagination(ctx)
    check_scopes(ctx)
    check_webhook_events(ctx)


def check_error_body(ctx: Context) -> None:
    """Error body: each confirmed error body seen in the documentation has its fields in
    ``ErrorResponse`` (and ``path`` and ``message`` in its ``errors[]`` items when it shows them)."""
    error_schema = ctx.contract.schemas.get("ErrorResponse")
    if error_schema is None:
        return
    props = ctx.contract.properties(error_schema)
    item_props = ctx.contract.properties(props.get("errors", {}).get("items", {})) if "errors" in props else {}
    for seen in ctx.facts.get("conventions", {}).get("error_bodies_seen", []):
        if seen.get("confidence") not in CONFIRMED or "071-" in seen.get("shape", ""):
            continue
        shape = seen["shape"]
        for fname in re.findall(r"[a-z_]+", shape.split("[")[0]):
            ctx.backed.add(("ErrorResponse", fname))
            description = f"error body has {fname} ({seen['where']})"
            ctx.check(f"ErrorResponse:field:{fname}", description, _origin(seen), fname in props)
        if "path" in shape and "errors" in shape:
            for fname in ("path", "message"):
                description = f"errors[] items have {fname}"
                ctx.check(f"ErrorResponse:errors-item:{fname}", description, _origin(seen), fname in item_props)


def check_pagination(ctx: Context) -> None:
    """Pagination: the ``Link`` schema has the fields, and allows the rels, that the documented paged
    model's ``links`` note lists."""
    link = ctx.contract.schemas.get("Link")
    paged = (ctx.facts.get("schemas") or {}).get("PagedModelProviderAuthorizationAbridgedResource")
    if link is None or not paged:
        return
    props = ctx.contract.properties(link)
    note = next((f["note"] for f in paged["fields"] if str(f["name"]).startswith("links")), "")
    inner = note[note.find("{") + 1 : note.find("}")]
    for fname in [field_name(part) for part in inner.split(",")]:
        if fname:
            ctx.backed.add(("Link", fname))
            ctx.check(f"Link:field:{fname}", f"pagination link has {fname}", _origin(paged), fname in props)
    for rel in re.findall(r"'([a-z]+)'", note):
        ctx.check(
            f"Link:rel:{rel}",
            f"link rel {rel}",
            _origin(paged),
            rel in ctx.contract.resolve(props.get("rel", {})).get("enum", []),
        )


def check_scopes(ctx: Context) -> None:
    """Scopes: every documented OAuth scope is a client-credentials scope of the ``oauth2`` scheme."""
    oauth2 = ctx.contract.document.get("components", {}).get("securitySchemes", {}).get("oauth2")
    scopes_fact = ctx.facts.get("enums", {}).get("oauth_scopes")
    if not (oauth2 and scopes_fact):
        return
    have = oauth2.get("flows", {}).get("clientCredentials", {}).get("scopes", {})
    for scope in scopes_fact["values"]:
        ctx.check(f"oauth:scope:{scope}", f"scope {scope}", _origin(scopes_fact), scope in have)


def check_webhook_events(ctx: Context) -> None:
    """Webhook events: each confirmed event type has a ``$defs`` entry in ``WebhookEnvelope`` whose
    data has the documented fields."""
    envelope = ctx.contract.schemas.get("WebhookEnvelope")
    if envelope is None:
        return
    defs = ctx.contract.resolve(envelope).get("$defs", {})
    for event in ctx.facts.get("webhook_events", []):
        if event.get("confidence") not in CONFIRMED:
            continue
        event_type = event["event_type"]
        data = defs.get(event_type)
        origin = _origin(event)
        ctx.check(f"webhook:{event_type}", f"event type {event_type}", origin, data is not None)
        props = ctx.contract.properties(data) if data is not None else {}
        for entry in event.get("data_fields", []):
            fname = field_name(entry)
            if not fname or str(entry).startswith("("):
                continue
            ctx.backed.add((f"WebhookEnvelope/{event_type}", fname))
            ctx.check(f"webhook:{event_type}:data:{fname}", f"{event_type} data.{fname}", origin, fname in props)
