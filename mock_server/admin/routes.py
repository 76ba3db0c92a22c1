"""The ``/__admin`` control plane (``contracts/openapi.yaml``, tag ``admin``). Paths are fixed: QA scripts
depend on them.

Admin calls act on the default tenant, or on the one named by ``X-Osigu-Mock-Tenant``. With an
admin token configured, every call needs ``Authorization: Bearer <admin token>``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.api.http import (
    api_route,
    challenge_url,
    path_int,
    query,
    query_choice,
    query_int,
    read_json,
    render,
    render_page,
    sandbox_of,
    settings_of,
)
from mock_server.core.clock import ClockRangeError, format_instant, parse_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.faults import FaultRule
from mock_server.core.store import DEFAULT_TENANT
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.outbox import Outbox, OutboxKind
from mock_server.domain.settlements import Settlements
from mock_server.domain.tokens import Principal
from mock_server.domain.triggers import trigger
from mock_server.domain.verification import Verification
from mock_server.domain.webhooks import DELIVERY_STATES, Webhooks

__all__ = ["TENANT_HEADER", "routes"]

TENANT_HEADER = "x-osigu-mock-tenant"

AdminHandler = Callable[[Request, str], Awaitable[Response]]


def _guarded(handler: AdminHandler) -> Callable[[Request, Principal | None], Awaitable[Response]]:
    async def endpoint(request: Request, _: Principal | None) -> Response:
        settings = settings_of(request)
        if settings.admin_token:
            scheme, _, value = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode(), settings.admin_token.encode()
            ):
                raise ApiError("MOCK-401-admin-token", headers={"WWW-Authenticate": 'Bearer realm="osigu-mock-admin"'})
        tenant_id = request.headers.get(TENANT_HEADER, DEFAULT_TENANT).strip() or DEFAULT_TENANT
        sandbox_of(request).ledger(tenant_id)  # 404 for an unknown tenant
        request.scope.setdefault("state", {})["tenant_id"] = tenant_id
        return await handler(request, tenant_id)

    return endpoint


def admin_route(path: str, **handlers: AdminHandler) -> Route:
    return api_route(path, **{method: _guarded(handler) for method, handler in handlers.items()})


def world_view(world) -> dict:
    """Sponsors, personas and products as QA needs them (the same for every tenant)."""
    registered_by: dict[str, list[str]] = {}
    for slug, items in world.registrations.items():
        for code, _ in items:
            registered_by.setdefault(code, []).append(slug)
    return {
        "sponsors": [
            {
                "sponsor_slug": s.sponsor_slug,
                "name": s.name,
                "country_code": s.country_code,
                "currency_code": s.currency_code,
                "evaluation_mode": s.evaluation_mode,
                "search_forms": [f.form_slug for f in s.search_forms],
                "covered_product_types": list(s.rules),
                "settlement_batches": s.settlement_batches,
                "plans": list(s.plans),
            }
            for s in world.sponsors.values()
        ],
        "personas": [
            {
                "persona": p.persona,
                "sponsor_slug": p.sponsor_slug,
                "beneficiary_id": p.beneficiary_id,
                "first_name": world.beneficiary(p.beneficiary_id).first_name,
                "last_name": world.beneficiary(p.beneficiary_id).last_name,
                "document_type": world.beneficiary(p.beneficiary_id).document_type,
                "document_number": world.beneficiary(p.beneficiary_id).document_number,
                "member_id": world.beneficiary(p.beneficiary_id).member_id,
                "plan_code": world.beneficiary(p.beneficiary_id).plan_code,
                "behaviour": p.behaviour,
                "description": p.description,
                "otp_code": world.otp_code,
            }
            for p in world.personas
        ],
        "products": [
            {
                "product_code": product.product_code,
                "name": product.name,
                "product_type": product.product_type,
                "registered_by": registered_by.get(product.product_code, []),
            }
            for product in world.products.values()
        ],
    }


def client_view(sandbox, client) -> dict:
    provider = sandbox.world.provider(client.provider_slug)
    return {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "provider_slug": client.provider_slug,
        "provider_kind": provider.provider_kind,
        "country_code": provider.country_code,
        "scope": client.scope_string(),
        "tenant_id": client.tenant_id,
    }


# -- world and clients ---------------------------------------------------------------------------
async def get_world(request: Request, tenant_id: str) -> Response:
    sandbox = sandbox_of(request)
    return render(
        {
            "tenant_id": tenant_id,
            "seed": sandbox.world.seed,
            "clients": [client_view(sandbox, c) for c in sandbox.clients_of(tenant_id)],
            **world_view(sandbox.world),
        }
    )


async def create_tenant(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-tenant-request", required=False)
    sandbox = sandbox_of(request)
    new_id, clients = sandbox.create_tenant(body.get("tenant_id"))
    return render({"tenant_id": new_id, "clients": [client_view(sandbox, c) for c in clients]}, status=201)


async def get_snapshot(request: Request, tenant_id: str) -> Response:
    return render(sandbox_of(request).export_snapshot(tenant_id))


async def put_snapshot(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-snapshot")
    ledger = sandbox_of(request).import_snapshot(tenant_id, body)
    return render({"tenant_id": tenant_id, "restored_at": ledger.clock.iso(), **_clock_view(ledger)})


async def explain(request: Request, tenant_id: str) -> Response:
    from mock_server.domain import explain as explaining  # on first use: not needed to launch

    ledger = sandbox_of(request).ledger(tenant_id)
    beneficiary_id = query_int(request, "beneficiary_id", minimum=0)
    code = query(request).get("code")
    if beneficiary_id is None and code is None:
        raise ApiError(
            "MOCK-422-validation-failed",
            "Name a beneficiary_id or a code.",
            errors=[FieldError("beneficiary_id", "beneficiary_id or code is required")],
        )
    if beneficiary_id is None:
        return render(explaining.code(ledger, code))
    return render(explaining.beneficiary(ledger, beneficiary_id))


async def create_client(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-client-request")
    sandbox = sandbox_of(request)
    client = sandbox.create_client(
        tenant_id, body["provider_slug"], body.get("scope"), body.get("client_id"), body.get("client_secret")
    )
    return render(client_view(sandbox, client), status=201)


# -- clock and timers ----------------------------------------------------------------------------
def _clock_view(ledger, fired=()) -> dict:
    return {"now": ledger.clock.iso(), "frozen": ledger.clock.frozen, "fired": [t.as_dict() for t in fired]}


async def get_clock(request: Request, tenant_id: str) -> Response:
    return render(_clock_view(sandbox_of(request).ledger(tenant_id)))


async def set_clock(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-clock-request")
    now = None
    if "now" in body:
        try:
            now = parse_instant(body["now"])
        except ValueError:
            raise ApiError(
                "MOCK-422-validation-failed", errors=[FieldError("now", "must be a valid date-time")]
            ) from None
    ledger = sandbox_of(request).ledger(tenant_id)
    try:
        fired = await ledger.clock.set_async(now=now, frozen=body.get("frozen"), settle=ledger.settle)
    except ClockRangeError as exc:
        raise ApiError("MOCK-422-clock-out-of-range", errors=[FieldError("now", str(exc))]) from None
    return render(_clock_view(ledger, fired))


async def advance_clock(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-clock-advance-request")
    ledger = sandbox_of(request).ledger(tenant_id)
    try:
        fired = await ledger.clock.advance_async(float(body["seconds"]), settle=ledger.settle)
    except ClockRangeError as exc:
        raise ApiError("MOCK-422-clock-out-of-range", errors=[FieldError("seconds", str(exc))]) from None
    return render(_clock_view(ledger, fired))


async def list_timers(request: Request, tenant_id: str) -> Response:
    timers = [t.as_dict() for t in sandbox_of(request).ledger(tenant_id).clock.pending()]
    return render_page(request, timers)


# -- faults ---------------------------------------------------------------------------------------
async def add_fault(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-fault-request")
    ledger = sandbox_of(request).ledger(tenant_id)
    rule = ledger.faults.add(FaultRule.from_body(ledger.ids.opaque("flt"), body))
    return render(rule.view(), 201)


async def list_faults(request: Request, tenant_id: str) -> Response:
    rules = sandbox_of(request).ledger(tenant_id).faults.rules.values()
    return render_page(request, [rule.view() for rule in rules])


async def clear_faults(request: Request, tenant_id: str) -> Response:
    sandbox_of(request).ledger(tenant_id).faults.clear()
    return Response(status_code=204)


async def remove_fault(request: Request, tenant_id: str) -> Response:
    fault_id = request.path_params["fault_id"]
    if sandbox_of(request).ledger(tenant_id).faults.remove(fault_id) is None:
        raise ApiError("MOCK-404-fault-not-found", f"No fault rule {fault_id!r} in this tenant.")
    return Response(status_code=204)


# -- reset and journal ---------------------------------------------------------------------------
async def reset(request: Request, tenant_id: str) -> Response:
    everything = query_choice(request, "everything", ("true", "false")) == "true"
    ledger = sandbox_of(request).reset(tenant_id, everything=everything)
    return render({"tenant_id": tenant_id, "reset_at": format_instant(ledger.clock.timestamp()), **_clock_view(ledger)})


async def journal(request: Request, tenant_id: str) -> Response:
    status = query_int(request, "status", minimum=100, maximum=599)
    entries = (
        sandbox_of(request)
        .ledger(tenant_id)
        .journal.find(path=query(request).get("path"), status=status, client_id=query(request).get("client_id"))
    )
    return render_page(request, [e.as_dict() for e in entries])


# -- events and webhooks ---------------------------------------------------------------------------
async def trigger_event(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-event-request")
    ledger = sandbox_of(request).ledger(tenant_id)
    event = trigger(ledger, body["event_type"], body["provider_slug"], body.get("data"))
    return render({"event_id": event.event_id, "event_type": event.event_type, "created_at": event.created_at}, 201)


async def list_deliveries(request: Request, tenant_id: str) -> Response:
    webhooks = sandbox_of(request).ledger(tenant_id).area(Webhooks)
    params = query(request)
    items = webhooks.list_deliveries(
        subscription_id=query_int(request, "subscription_id", minimum=0),
        event_type=params.get("event_type"),
        status=query_choice(request, "status", DELIVERY_STATES.states),
    )
    return render_page(request, items)


async def redeliver(request: Request, tenant_id: str) -> Response:
    webhooks = sandbox_of(request).ledger(tenant_id).area(Webhooks)
    return render(webhooks.redeliver(request.path_params["delivery_id"]).view(), 202)


async def rotate_secret(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-rotate-request", required=False)
    webhooks = sandbox_of(request).ledger(tenant_id).area(Webhooks)
    subscription_id = path_int(request, "subscription_id")
    return render(webhooks.rotate_secret(subscription_id, float(body.get("overlap_seconds", 86400))))


# -- pre-authorizations and verification -------------------------------------------------------------
async def decide_request(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-decision-request")
    authz = sandbox_of(request).ledger(tenant_id).area(Authorizations)
    decided = authz.decide(path_int(request, "request_id"), body["outcome"], body.get("reason"))
    return render(authz.request_view(decided))


async def sponsor_update(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-sponsor-update-request")
    authz = sandbox_of(request).ledger(tenant_id).area(Authorizations)
    updated = authz.sponsor_update(path_int(request, "authorization_id"), body)
    return render(authz.authorization_view(updated))


async def decide_challenge(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-challenge-decision-request")
    ledger, challenge = sandbox_of(request).challenge(request.path_params["challenge_id"])
    decided = ledger.area(Verification).decide(challenge.challenge_id, body["outcome"])
    return render({**decided.view(), "challenge_url": challenge_url(request, decided.challenge_id)})


async def decide_settlement(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-settlement-decision-request")
    settlements = sandbox_of(request).ledger(tenant_id).area(Settlements)
    decided = settlements.decide(
        path_int(request, "settlement_id"), body["outcome"], body.get("rejected_claim_ids"), body.get("reason")
    )
    return render(settlements.view(decided))


async def next_outcome(request: Request, tenant_id: str) -> Response:
    body = await read_json(request, "admin-next-outcome-request")
    authz = sandbox_of(request).ledger(tenant_id).area(Authorizations)
    beneficiary_id = path_int(request, "beneficiary_id")
    return render(authz.force_next_outcome(beneficiary_id, body["outcome"], body.get("reason")))


async def list_outbox(request: Request, tenant_id: str) -> Response:
    outbox = sandbox_of(request).ledger(tenant_id).area(Outbox)
    params = query(request)
    items = outbox.items(kind=query_choice(request, "kind", tuple(OutboxKind)), to=params.get("to"))
    return render_page(request, items)


routes = [
    admin_route("/__admin/world", get=get_world),
    admin_route("/__admin/clients", post=create_client),
    admin_route("/__admin/clock", get=get_clock, post=set_clock),
    admin_route("/__admin/clock/advance", post=advance_clock),
    admin_route("/__admin/timers", get=list_timers),
    admin_route("/__admin/faults", post=add_fault, get=list_faults, delete=clear_faults),
    admin_route("/__admin/faults/{fault_id}", delete=remove_fault),
    admin_route("/__admin/reset", post=reset),
    admin_route("/__admin/journal", get=journal),
    admin_route("/__admin/tenants", post=create_tenant),
    admin_route("/__admin/snapshot", get=get_snapshot, post=put_snapshot),
    admin_route("/__admin/explain", get=explain),
    admin_route("/__admin/events", post=trigger_event),
    admin_route("/__admin/webhooks/deliveries", get=list_deliveries),
    admin_route("/__admin/webhooks/deliveries/{delivery_id}/redeliver", post=redeliver),
    admin_route("/__admin/webhooks/subscriptions/{subscription_id}/rotate", post=rotate_secret),
    admin_route("/__admin/authorization-requests/{request_id}/decision", post=decide_request),
    admin_route("/__admin/authorizations/{authorization_id}/sponsor-update", post=sponsor_update),
    admin_route("/__admin/challenges/{challenge_id}/decision", post=decide_challenge),
    admin_route("/__admin/settlements/{settlement_id}/decision", post=decide_settlement),
    admin_route("/__admin/beneficiaries/{beneficiary_id}/next-outcome", post=next_outcome),
    admin_route("/__admin/outbox", get=list_outbox),
]
