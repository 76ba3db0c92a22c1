"""Webhook subscriptions: ``/webhooks/v1/subscriptions`` (any scope)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import api_route, ledger_of, path_int, read_json, render, render_page
from mock_server.domain.tokens import Principal
from mock_server.domain.webhooks import Webhooks

__all__ = ["routes"]


async def create_subscription(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "webhook-subscription-request")
    webhooks = ledger_of(request, principal).area(Webhooks)
    subscription = webhooks.create_subscription(principal.provider_slug, body["url"], body["event_types"])
    return render(subscription.view(), status=201)


async def list_subscriptions(request: Request, principal: Principal) -> Response:
    webhooks = ledger_of(request, principal).area(Webhooks)
    return render_page(request, webhooks.subscriptions_of(principal.provider_slug))


async def delete_subscription(request: Request, principal: Principal) -> Response:
    subscription_id = path_int(request, "subscription_id")
    webhooks = ledger_of(request, principal).area(Webhooks)
    webhooks.delete_subscription(principal.provider_slug, subscription_id)
    return Response(status_code=204)


routes = [
    api_route("/webhooks/v1/subscriptions", get=list_subscriptions, post=create_subscription),
    api_route("/webhooks/v1/subscriptions/{subscription_id}", delete=delete_subscription),
]
