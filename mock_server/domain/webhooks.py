"""Webhook subscriptions and deliveries (API.md "Webhooks").

The event log is the only source: every event a provider's subscription matches (by glob) becomes a
delivery, attempted at once through a timer. An attempt is a signed POST of the envelope; any 2xx
delivers it; anything else, or no answer within the timeout (10 s; 2 s of wall time while the admin
advances the clock), is retried after 1 min, 5 min, 30 min, 2 h, 6 h and then every 12 h, until 72 h of
mock clock have passed since the first attempt: then the delivery is abandoned. Deleting the
subscription cancels what is pending. Every attempt is recorded (time, status, latency, excerpt).

The HTTP call itself is not made here: the ledger's ``transport`` (provided by the app) makes it, so
this module stays plain Python and a slow receiver only ever holds up its own delivery.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.events import Event
from mock_server.core.signing import SIGNATURE_HEADER, sign
from mock_server.domain.ledger import timer_action

if TYPE_CHECKING:
    from mock_server.domain.ledger import Ledger

__all__ = [
    "API_VERSION",
    "EVENT_TYPES",
    "RETRY_DELAYS",
    "AttemptResult",
    "Delivery",
    "Subscription",
    "create_subscription",
    "delete_subscription",
    "dispatch",
    "redeliver",
    "rotate_secret",
]

API_VERSION = "2026-01-01"
ENVIRONMENT = "sandbox"
EVENT_TYPES = (
    "authorization.created",
    "authorization.rejected",
    "authorization.updated",
    "authorization.voided",
    "dispensing.started",
    "dispensing.completed",
    "dispensing.cancelled",
    "prescription.issued",
    "prescription.email_delivered",
    "prescription.email_failed",
    "settlement.paid",
    "settlement.rejected",
    "settlement.partially_accepted",
)
# Seconds after a failed attempt before the next one (inferred: API.md's schedule); then every 12 h.
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
RETRY_EVERY = 43200
RETRY_WINDOW = 72 * 3600
EXCERPT_CHARS = 500
DELIVERY_STATUSES = ("PENDING", "RETRYING", "DELIVERED", "ABANDONED", "CANCELLED")


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: float
    response_excerpt: str = ""
    error: str | None = None


Transport = Callable[[str, dict[str, str], bytes, float], Awaitable[AttemptResult]]


@dataclass
class Subscription:
    id: int
    provider_slug: str
    url: str
    event_types: list[str]
    # Newest first; [secret, retires_at or None].
    secrets: list[list[Any]]
    created_at: float

    @property
    def signing_secret(self) -> str:
        return self.secrets[0][0]

    def active_secrets(self, now: float) -> list[str]:
        return [secret for secret, retires_at in self.secrets if retires_at is None or retires_at > now]

    def matches(self, event_type: str) -> bool:
        return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in self.event_types)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "event_types": list(self.event_types),
            "signing_secret": self.signing_secret,
            "created_at": format_instant(self.created_at),
        }


@dataclass
class Attempt:
    at: float
    status_code: int | None
    latency_ms: float
    response_excerpt: str
    error: str | None

    def view(self) -> dict[str, Any]:
        return {**asdict(self), "at": format_instant(self.at)}


@dataclass
class Delivery:
    id: str
    subscription_id: int
    event_id: str
    event_type: str
    url: str
    body: str  # the envelope as sent, the same bytes on every attempt
    status: str = "PENDING"  # PENDING | RETRYING | DELIVERED | ABANDONED | CANCELLED
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: float | None = None
    timer_id: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subscription_id": self.subscription_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "url": self.url,
            "status": self.status,
            "attempts": [a.view() for a in self.attempts],
            "next_attempt_at": None if self.next_attempt_at is None else format_instant(self.next_attempt_at),
        }


# -- subscriptions ---------------------------------------------------------------------------------
def _check_url(ledger: Ledger, url: str) -> list[FieldError]:
    settings = ledger.settings
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [FieldError("url", "must be an absolute http(s) URL")]
    if parts.scheme == "http" and settings.require_https_webhooks:
        return [FieldError("url", "must use https (the mock runs with --require-https-webhooks)")]
    allowed = settings.webhook_allow
    if "*" not in allowed and parts.hostname.lower() not in allowed:
        return [FieldError("url", f"host {parts.hostname} is not on the --webhook-allow list ({', '.join(allowed)})")]
    return []


def _check_event_types(patterns: list[str]) -> list[FieldError]:
    problems = []
    for index, pattern in enumerate(patterns):
        if not any(fnmatch.fnmatchcase(event_type, pattern) for event_type in EVENT_TYPES):
            problems.append(FieldError(f"event_types[{index}]", f"{pattern!r} matches no event type"))
    return problems


def create_subscription(ledger: Ledger, provider_slug: str, url: str, event_types: list[str]) -> Subscription:
    problems = _check_url(ledger, url) + _check_event_types(event_types)
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    subscription = Subscription(
        id=ledger.ids.next_id("subscription"),
        provider_slug=provider_slug,
        url=url,
        event_types=list(dict.fromkeys(event_types)),
        secrets=[[_new_secret(ledger), None]],
        created_at=ledger.clock.timestamp(),
    )
    ledger.subscriptions[subscription.id] = subscription
    return subscription


def _new_secret(ledger: Ledger) -> str:
    return "whsec_" + ledger.ids.token(32)


def subscription_of(ledger: Ledger, provider_slug: str | None, subscription_id: int) -> Subscription:
    """The subscription, if visible to ``provider_slug`` (None: the admin plane sees them all)."""
    subscription = ledger.subscriptions.get(subscription_id)
    if subscription is None or (provider_slug is not None and subscription.provider_slug != provider_slug):
        raise ApiError("MOCK-404-subscription-not-found", f"No subscription {subscription_id}.")
    return subscription


def subscriptions_of(ledger: Ledger, provider_slug: str) -> list[dict[str, Any]]:
    return [s.view() for s in ledger.subscriptions.values() if s.provider_slug == provider_slug]


def delete_subscription(ledger: Ledger, provider_slug: str, subscription_id: int) -> None:
    subscription = subscription_of(ledger, provider_slug, subscription_id)
    del ledger.subscriptions[subscription.id]
    for delivery in ledger.deliveries.values():
        if delivery.subscription_id == subscription.id and delivery.status in ("PENDING", "RETRYING"):
            if delivery.timer_id:
                ledger.clock.cancel(delivery.timer_id)
            delivery.status, delivery.next_attempt_at, delivery.timer_id = "CANCELLED", None, None


def rotate_secret(ledger: Ledger, subscription_id: int, overlap_seconds: float) -> dict[str, Any]:
    """A new secret signs from now on; the current one keeps signing for ``overlap_seconds``."""
    subscription = subscription_of(ledger, None, subscription_id)
    now = ledger.clock.timestamp()
    retires_at = now + overlap_seconds
    for entry in subscription.secrets:
        if entry[1] is None or entry[1] > retires_at:
            entry[1] = retires_at
    subscription.secrets.insert(0, [_new_secret(ledger), None])
    ledger.schedule(
        retires_at,
        "webhook.retire-secrets",
        {"subscription_id": subscription.id},
        f"previous signing secret of subscription {subscription.id} retires",
    )
    return {**subscription.view(), "previous_secret_retires_at": format_instant(retires_at)}


@timer_action("webhook.retire-secrets")
def _retire_secrets(ledger: Ledger, payload: dict[str, Any]) -> None:
    subscription = ledger.subscriptions.get(payload["subscription_id"])
    if subscription is not None:
        now = ledger.clock.timestamp()
        subscription.secrets = [e for e in subscription.secrets if e[1] is None or e[1] > now]


# -- deliveries ------------------------------------------------------------------------------------
def envelope(ledger: Ledger, event: Event) -> dict[str, Any]:
    provider = ledger.world.provider(event.provider_slug)
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "created_at": event.created_at,
        "api_version": API_VERSION,
        "environment": ENVIRONMENT,
        "data": event.data,
        "provider": {
            "provider_id": provider.provider_id if provider else None,
            "provider_slug": event.provider_slug,
        },
    }


def dispatch(ledger: Ledger, event: Event) -> list[Delivery]:
    """Turn one event into a delivery per matching subscription of its provider, each due now."""
    created = []
    body = None
    for subscription in list(ledger.subscriptions.values()):
        if subscription.provider_slug != event.provider_slug or not subscription.matches(event.event_type):
            continue
        if body is None:
            body = orjson.dumps(envelope(ledger, event)).decode("utf-8")
        delivery = Delivery(
            id=ledger.ids.opaque("dlv"),
            subscription_id=subscription.id,
            event_id=event.event_id,
            event_type=event.event_type,
            url=subscription.url,
            body=body,
        )
        _remember(ledger, delivery)
        _schedule_attempt(ledger, delivery, ledger.clock.timestamp())
        created.append(delivery)
    return created


def _remember(ledger: Ledger, delivery: Delivery) -> None:
    ledger.deliveries[delivery.id] = delivery
    while len(ledger.deliveries) > ledger.settings.delivery_log_size:  # a bounded log: oldest out
        oldest = next(iter(ledger.deliveries.values()))
        if oldest.timer_id:
            ledger.clock.cancel(oldest.timer_id)
        del ledger.deliveries[oldest.id]


def _schedule_attempt(ledger: Ledger, delivery: Delivery, at: float) -> None:
    if delivery.timer_id:
        ledger.clock.cancel(delivery.timer_id)
    number = len(delivery.attempts) + 1
    timer = ledger.schedule(
        at,
        "webhook.attempt",
        {"delivery_id": delivery.id},
        f"attempt {number} of {delivery.event_type} {delivery.event_id} to subscription {delivery.subscription_id}",
    )
    delivery.timer_id = timer.id
    delivery.next_attempt_at = at


def redeliver(ledger: Ledger, delivery_id: str) -> Delivery:
    delivery = ledger.deliveries.get(delivery_id)
    if delivery is None:
        raise ApiError("MOCK-404-delivery-not-found", f"No delivery {delivery_id!r}.")
    if delivery.subscription_id not in ledger.subscriptions:
        raise ApiError("MOCK-404-subscription-not-found", f"Subscription {delivery.subscription_id} was deleted.")
    delivery.status = "PENDING"
    _schedule_attempt(ledger, delivery, ledger.clock.timestamp())
    return delivery


def next_retry(first_attempt_at: float, attempt_at: float, attempts_made: int) -> float | None:
    """When the next attempt is due after ``attempts_made`` failures; None once 72 h have passed."""
    index = attempts_made - 1
    delay = RETRY_DELAYS[index] if index < len(RETRY_DELAYS) else RETRY_EVERY
    due = attempt_at + delay
    return due if due - first_attempt_at <= RETRY_WINDOW else None


@timer_action("webhook.attempt")
def _attempt(ledger: Ledger, payload: dict[str, Any]) -> Awaitable[None] | None:
    delivery = ledger.deliveries.get(payload["delivery_id"])
    if delivery is None or delivery.status not in ("PENDING", "RETRYING"):
        return None
    subscription = ledger.subscriptions.get(delivery.subscription_id)
    if subscription is None:
        delivery.status, delivery.next_attempt_at, delivery.timer_id = "CANCELLED", None, None
        return None
    at = ledger.clock.timestamp()
    delivery.timer_id = delivery.next_attempt_at = None
    body = delivery.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, subscription.active_secrets(at), int(at)),
        "User-Agent": "osigu-mock-webhooks",
    }
    settings = ledger.settings
    timeout = settings.webhook_advance_wait_seconds if ledger.clock.advancing else settings.webhook_timeout_seconds
    transport = ledger.transport

    async def attempt() -> None:
        if transport is None:
            result = AttemptResult(None, 0.0, "", "no transport: the mock is not serving")
        else:
            result = await transport(delivery.url, headers, body, timeout)
        record_attempt(ledger, delivery, at, result)

    return attempt()


def record_attempt(ledger: Ledger, delivery: Delivery, at: float, result: AttemptResult) -> None:
    delivery.attempts.append(
        Attempt(
            at, result.status_code, round(result.latency_ms, 1), result.response_excerpt[:EXCERPT_CHARS], result.error
        )
    )
    if delivery.status not in ("PENDING", "RETRYING"):
        return  # cancelled (subscription deleted) while the attempt was in flight
    if result.status_code is not None and 200 <= result.status_code < 300:
        delivery.status = "DELIVERED"
        return
    retry_at = next_retry(delivery.attempts[0].at, at, len(delivery.attempts))
    if retry_at is None:
        delivery.status = "ABANDONED"
        return
    delivery.status = "RETRYING"
    _schedule_attempt(ledger, delivery, retry_at)


def deliveries(
    ledger: Ledger, *, subscription_id: int | None, event_type: str | None, status: str | None
) -> list[dict[str, Any]]:
    """Newest first."""
    out = []
    for delivery in reversed(ledger.deliveries.values()):
        if subscription_id is not None and delivery.subscription_id != subscription_id:
            continue
        if event_type is not None and delivery.event_type != event_type:
            continue
        if status is not None and delivery.status != status:
            continue
        out.append(delivery.view())
    return out
