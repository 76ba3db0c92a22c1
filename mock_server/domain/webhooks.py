"""Webhook subscriptions and deliveries (``contracts/openapi.yaml``, tag ``webhooks``;
``contracts/schemas/webhook-event.schema.json`` for the envelope).

The event log is the only source: every event a provider's subscription matches (by glob) becomes a
delivery, attempted at once through a timer. An attempt is a signed POST of the envelope; any 2xx
delivers it; anything else, or no answer within the timeout (10 s; 2 s of wall time while the admin
advances the clock), is retried after 1 min, 5 min, 30 min, 2 h, 6 h and then every 12 h, until 72 h of
mock clock have passed since the first attempt: then the delivery is abandoned. Deleting the
subscription cancels what is pending. Every attempt is recorded (time, status, latency, excerpt).

The HTTP call itself is not made here: the area's ``transport`` (``mock_server.transport``, set by the
wiring while the app serves) makes it, so this module stays plain Python and a slow receiver only
ever holds up its own delivery.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import orjson

from mock_server.core.clock import format_instant, format_optional_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.events import Event
from mock_server.core.signing import SIGNATURE_HEADER, sign
from mock_server.core.states import StateMachine
from mock_server.domain.events import EVENT_TYPES
from mock_server.domain.ledger import Area, TimerHandler

__all__ = [
    "API_VERSION",
    "DELIVERY_STATES",
    "RETRY_DELAYS",
    "AttemptResult",
    "Delivery",
    "DeliveryStatus",
    "SigningSecret",
    "Subscription",
    "Transport",
    "Webhooks",
    "next_retry",
]

API_VERSION = "2026-01-01"
ENVIRONMENT = "sandbox"
# Seconds after a failed attempt before the next one (inferred; contracts/openapi.yaml describes the
# schedule under the webhooks tag); then every 12 h, for 72 h.
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)
RETRY_EVERY = 43200
RETRY_WINDOW = 72 * 3600
EXCERPT_CHARS = 500
ATTEMPT = "webhook.attempt"
RETIRE_SECRETS = "webhook.retire-secrets"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    RETRYING = "RETRYING"
    DELIVERED = "DELIVERED"
    ABANDONED = "ABANDONED"
    CANCELLED = "CANCELLED"


_OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
_ENDED = {DeliveryStatus.DELIVERED, DeliveryStatus.ABANDONED, DeliveryStatus.CANCELLED}
DELIVERY_STATES = StateMachine(
    "delivery",
    DeliveryStatus,
    {
        DeliveryStatus.PENDING: {DeliveryStatus.RETRYING, *_ENDED},
        # a redelivery starts again from PENDING, whatever the delivery's status
        DeliveryStatus.RETRYING: {DeliveryStatus.RETRYING, DeliveryStatus.PENDING, *_ENDED},
        DeliveryStatus.DELIVERED: {DeliveryStatus.PENDING},
        DeliveryStatus.ABANDONED: {DeliveryStatus.PENDING},
        DeliveryStatus.CANCELLED: {DeliveryStatus.PENDING},
    },
)


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: float
    response_excerpt: str = ""
    error: str | None = None


Transport = Callable[[str, dict[str, str], bytes, float], Awaitable[AttemptResult]]


@dataclass
class SigningSecret:
    secret: str
    retires_at: float | None = None  # None: signs until a rotation retires it


@dataclass
class Subscription:
    id: int
    provider_slug: str
    url: str
    event_types: list[str]
    # Newest first; [secret, retires_at or None].
    secrets: list[SigningSecret]  # newest first
    created_at: float

    @property
    def signing_secret(self) -> str:
        return self.secrets[0].secret

    def active_secrets(self, now: float) -> list[str]:
        return [s.secret for s in self.secrets if s.retires_at is None or s.retires_at > now]

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
    status: DeliveryStatus = DeliveryStatus.PENDING
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
            "next_attempt_at": format_optional_instant(self.next_attempt_at),
        }


class Webhooks(Area):
    """The tenant's subscriptions (by id) and deliveries (by id, insertion order, bounded)."""

    name = "webhooks"
    tables = {
        "subscriptions": ("subscriptions", Subscription, "id"),
        "deliveries": ("deliveries", Delivery, "id"),
    }

    def __init__(self, ledger) -> None:
        super().__init__(ledger)
        self.subscriptions: dict[int, Subscription] = {}
        self.deliveries: dict[str, Delivery] = {}
        # What makes the HTTP calls: set by the wiring while the app serves; None otherwise.
        self.transport: Transport | None = None

    def timers(self) -> Mapping[str, TimerHandler]:
        return {ATTEMPT: self._attempt, RETIRE_SECRETS: self._retire_secrets}

    def keep_through_reset(self, previous: Webhooks) -> None:
        """Subscriptions stay, with their secrets (none pending retirement is carried as such: a rotation's
        old secret keeps signing until it retires); their deliveries do not."""
        for subscription in previous.subscriptions.values():
            self.subscriptions[subscription.id] = subscription
            self.ids.advance_past("subscription", subscription.id)
            for secret in subscription.secrets:
                if secret.retires_at is not None:
                    self.ledger.schedule(
                        secret.retires_at,
                        RETIRE_SECRETS,
                        {"subscription_id": subscription.id},
                        f"previous signing secret of subscription {subscription.id} retires",
                    )
                    break

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        if "subscriptions" in snapshot:  # earlier snapshots wrote each secret as a [secret, retires_at] pair
            snapshot = {
                **snapshot,
                "subscriptions": [
                    {**item, "secrets": [_secret(entry) for entry in item["secrets"]]}
                    for item in snapshot["subscriptions"]
                ],
            }
        super().restore(snapshot)

    def listeners(self) -> Sequence[Callable[[Event], None]]:
        return (self.dispatch,)

    # -- subscriptions ------------------------------------------------------------------------
    def _check_url(self, url: str) -> list[FieldError]:
        config = self.config
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return [FieldError("url", "must be an absolute http(s) URL")]
        if parts.scheme == "http" and config.require_https_webhooks:
            return [FieldError("url", "must use https (the mock runs with --require-https-webhooks)")]
        allowed = config.webhook_allow
        if "*" not in allowed and parts.hostname.lower() not in allowed:
            return [
                FieldError("url", f"host {parts.hostname} is not on the --webhook-allow list ({', '.join(allowed)})")
            ]
        return []

    def create_subscription(self, provider_slug: str, url: str, event_types: list[str]) -> Subscription:
        problems = self._check_url(url) + _check_event_types(event_types)
        if problems:
            raise ApiError("MOCK-422-validation-failed", errors=problems)
        subscription = Subscription(
            id=self.ids.next_id("subscription"),
            provider_slug=provider_slug,
            url=url,
            event_types=list(dict.fromkeys(event_types)),
            secrets=[SigningSecret(self._new_secret())],
            created_at=self.clock.timestamp(),
        )
        self.subscriptions[subscription.id] = subscription
        return subscription

    def _new_secret(self) -> str:
        return "whsec_" + self.ids.token(32)

    def subscription_of(self, provider_slug: str | None, subscription_id: int) -> Subscription:
        """The subscription, if visible to ``provider_slug`` (None: the admin plane sees them all)."""
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None or (provider_slug is not None and subscription.provider_slug != provider_slug):
            raise ApiError("MOCK-404-subscription-not-found", f"No subscription {subscription_id}.")
        return subscription

    def subscriptions_of(self, provider_slug: str) -> list[dict[str, Any]]:
        return [s.view() for s in self.subscriptions.values() if s.provider_slug == provider_slug]

    def delete_subscription(self, provider_slug: str, subscription_id: int) -> None:
        subscription = self.subscription_of(provider_slug, subscription_id)
        del self.subscriptions[subscription.id]
        for delivery in self.deliveries.values():
            if delivery.subscription_id == subscription.id and delivery.status in _OPEN:
                self._cancel(delivery)

    def rotate_secret(self, subscription_id: int, overlap_seconds: float) -> dict[str, Any]:
        """A new secret signs from now on; the current one keeps signing for ``overlap_seconds``."""
        subscription = self.subscription_of(None, subscription_id)
        retires_at = self.clock.timestamp() + overlap_seconds
        for entry in subscription.secrets:
            if entry.retires_at is None or entry.retires_at > retires_at:
                entry.retires_at = retires_at
        subscription.secrets.insert(0, SigningSecret(self._new_secret()))
        self.ledger.schedule(
            retires_at,
            RETIRE_SECRETS,
            {"subscription_id": subscription.id},
            f"previous signing secret of subscription {subscription.id} retires",
        )
        return {**subscription.view(), "previous_secret_retires_at": format_instant(retires_at)}

    def _retire_secrets(self, payload: dict[str, Any]) -> None:
        subscription = self.subscriptions.get(payload["subscription_id"])
        if subscription is not None:
            now = self.clock.timestamp()
            subscription.secrets = [e for e in subscription.secrets if e.retires_at is None or e.retires_at > now]

    # -- deliveries ---------------------------------------------------------------------------
    def envelope(self, event: Event) -> dict[str, Any]:
        provider = self.world.provider(event.provider_slug)
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

    def dispatch(self, event: Event) -> list[Delivery]:
        """Turn one event into a delivery per matching subscription of its provider, each due now."""
        created = []
        body = None
        for subscription in list(self.subscriptions.values()):
            if subscription.provider_slug != event.provider_slug or not subscription.matches(event.event_type):
                continue
            if body is None:
                body = orjson.dumps(self.envelope(event)).decode("utf-8")
            delivery = Delivery(
                id=self.ids.opaque("dlv"),
                subscription_id=subscription.id,
                event_id=event.event_id,
                event_type=event.event_type,
                url=subscription.url,
                body=body,
            )
            self._remember(delivery)
            self._schedule_attempt(delivery, self.clock.timestamp())
            created.append(delivery)
        return created

    def _remember(self, delivery: Delivery) -> None:
        self.deliveries[delivery.id] = delivery
        while len(self.deliveries) > self.config.delivery_log_size:  # a bounded log: oldest out
            oldest = next(iter(self.deliveries.values()))
            if oldest.timer_id:
                self.clock.cancel(oldest.timer_id)
            del self.deliveries[oldest.id]

    def _schedule_attempt(self, delivery: Delivery, at: float) -> None:
        if delivery.timer_id:
            self.clock.cancel(delivery.timer_id)
        number = len(delivery.attempts) + 1
        timer = self.ledger.schedule(
            at,
            ATTEMPT,
            {"delivery_id": delivery.id},
            f"attempt {number} of {delivery.event_type} {delivery.event_id} to subscription {delivery.subscription_id}",
        )
        delivery.timer_id = timer.id
        delivery.next_attempt_at = at

    def _cancel(self, delivery: Delivery) -> None:
        if delivery.timer_id:
            self.clock.cancel(delivery.timer_id)
        DELIVERY_STATES.move(delivery, DeliveryStatus.CANCELLED)
        delivery.next_attempt_at = delivery.timer_id = None

    def redeliver(self, delivery_id: str) -> Delivery:
        delivery = self.deliveries.get(delivery_id)
        if delivery is None:
            raise ApiError("MOCK-404-delivery-not-found", f"No delivery {delivery_id!r}.")
        if delivery.subscription_id not in self.subscriptions:
            raise ApiError("MOCK-404-subscription-not-found", f"Subscription {delivery.subscription_id} was deleted.")
        if delivery.status != DeliveryStatus.PENDING:
            DELIVERY_STATES.move(delivery, DeliveryStatus.PENDING)
        self._schedule_attempt(delivery, self.clock.timestamp())
        return delivery

    def _attempt(self, payload: dict[str, Any]) -> Awaitable[None] | None:
        delivery = self.deliveries.get(payload["delivery_id"])
        if delivery is None or delivery.status not in _OPEN:
            return None
        subscription = self.subscriptions.get(delivery.subscription_id)
        if subscription is None:
            self._cancel(delivery)
            return None
        at = self.clock.timestamp()
        delivery.timer_id = delivery.next_attempt_at = None
        body = delivery.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            # t= is the wall-clock time of the attempt: a receiver checks it against its own clock, so a
            # production receiver with a 300 s tolerance verifies every delivery, however far the mock's
            # clock has moved. The envelope's created_at and the attempt's time stay on the mock clock.
            SIGNATURE_HEADER: sign(body, subscription.active_secrets(at), int(self.clock.wall())),
            "User-Agent": "osigu-mock-webhooks",
        }
        config = self.config
        timeout = config.webhook_advance_wait_seconds if self.clock.advancing else config.webhook_timeout_seconds
        transport = self.transport

        async def attempt() -> None:
            if transport is None:
                result = AttemptResult(None, 0.0, "", "no transport: the mock is not serving")
            else:
                result = await transport(delivery.url, headers, body, timeout)
            self.record_attempt(delivery, at, result)

        return attempt()

    def record_attempt(self, delivery: Delivery, at: float, result: AttemptResult) -> None:
        delivery.attempts.append(
            Attempt(
                at,
                result.status_code,
                round(result.latency_ms, 1),
                result.response_excerpt[:EXCERPT_CHARS],
                result.error,
            )
        )
        if delivery.status not in _OPEN:
            return  # cancelled (subscription deleted) while the attempt was in flight
        if result.status_code is not None and 200 <= result.status_code < 300:
            DELIVERY_STATES.move(delivery, DeliveryStatus.DELIVERED)
            return
        retry_at = next_retry(delivery.attempts[0].at, at, len(delivery.attempts))
        if retry_at is None:
            DELIVERY_STATES.move(delivery, DeliveryStatus.ABANDONED)
            return
        DELIVERY_STATES.move(delivery, DeliveryStatus.RETRYING)
        self._schedule_attempt(delivery, retry_at)

    def list_deliveries(
        self, *, subscription_id: int | None, event_type: str | None, status: str | None
    ) -> list[dict[str, Any]]:
        """Newest first."""
        out = []
        for delivery in reversed(self.deliveries.values()):
            if subscription_id is not None and delivery.subscription_id != subscription_id:
                continue
            if event_type is not None and delivery.event_type != event_type:
                continue
            if status is not None and delivery.status != status:
                continue
            out.append(delivery.view())
        return out


def _secret(entry: Any) -> dict[str, Any]:
    if isinstance(entry, list):
        return {"secret": entry[0], "retires_at": entry[1]}
    return entry


def _check_event_types(patterns: list[str]) -> list[FieldError]:
    problems = []
    for index, pattern in enumerate(patterns):
        if not any(fnmatch.fnmatchcase(event_type, pattern) for event_type in EVENT_TYPES):
            problems.append(FieldError(f"event_types[{index}]", f"{pattern!r} matches no event type"))
    return problems


def next_retry(first_attempt_at: float, attempt_at: float, attempts_made: int) -> float | None:
    """When the next attempt is due after ``attempts_made`` failures; None once 72 h have passed."""
    index = attempts_made - 1
    delay = RETRY_DELAYS[index] if index < len(RETRY_DELAYS) else RETRY_EVERY
    due = attempt_at + delay
    return due if due - first_attempt_at <= RETRY_WINDOW else None
