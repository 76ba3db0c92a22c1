"""Webhook subscriptions: ``/webhooks/v1/subscriptions`` (any scope)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api._http import api_route, ledger_of, path_int, read_json, render, render_page
from mock_server.domain import webhooks
from mock_server.domain.oauth import Principal

__all__ = ["routes"]


async def create_subscription(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "webhook-subscription-request")
    ledger = ledger_of(request, principal)
    subscription = webhooks.create_subscription(ledger, principal.provider_slug, body["url"], body["event_types"])
    return render(subscription.view(), status=201)


async def list_subscriptions(request: Request, principal: Principal) -> Response:
    ledger = ledger_of(request, principal)
    return render_page(request, webhooks.subscriptions_of(ledger, principal.provider_slug))


async def delete_subscription(request: Request, principal: Principal) -> Response:
    subscription_id = path_int(request, "subscription_id")
    ledger = ledger_of(request, principal)
    webhooks.delete_subscription(ledger, principal.provider_slug, subscription_id)
    return Response(status_code=204)


routes = [
    api_route("/webhooks/v1/subscriptions", get=list_subscriptions, post=create_subscription),
    api_route("/webhooks/v1/subscriptions/{subscription_id}", delete=delete_subscription),
]
