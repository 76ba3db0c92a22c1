"""Signed webhooks delivered to a real receiver on loopback, retries on the mock clock."""

from __future__ import annotations

import threading
import time

import orjson
import pytest

from mock_server.app import create_app
from mock_server.core.clock import parse_instant
from mock_server.domain.events import EVENT_TYPES
from mock_server.settings import Settings
from mock_server.webhooks import verify
from tests.support.clients import CheckedClient, checker, error_of
from tests.support.receiver import Receiver

SUBSCRIPTIONS = "/webhooks/v1/subscriptions"


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def auth(client):
    return client.bearer("demo-clinic")


def subscribe(client, auth, url, event_types=("*",)):
    response = client.post(SUBSCRIPTIONS, json={"url": url, "event_types": list(event_types)}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def trigger(client, event_type="authorization.created", provider="clinic-example", data=None):
    body = {"event_type": event_type, "provider_slug": provider, **({"data": data} if data is not None else {})}
    response = client.post("/__admin/events", json=body)
    assert response.status_code == 201, response.text
    return response.json()["event_id"]


def settle(client):
    """Advance 0 s: fire what is due and wait for attempts in flight (at most 2 s each)."""
    return client.post("/__admin/clock/advance", json={"seconds": 0}).json()


def deliveries(client, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/__admin/webhooks/deliveries?size=100&{query}").json()["content"]


def mock_now(client) -> float:
    return parse_instant(client.get("/__admin/clock").json()["now"])


# -- subscriptions ---------------------------------------------------------------------------------
def test_create_list_and_delete_a_subscription(client, auth, receiver):
    created = subscribe(client, auth, receiver.url, ["authorization.*"])
    assert created["signing_secret"].startswith("whsec_") and created["event_types"] == ["authorization.*"]
    assert [s["id"] for s in client.get(SUBSCRIPTIONS, headers=auth).json()["content"]] == [created["id"]]
    assert client.delete(f"{SUBSCRIPTIONS}/{created['id']}", headers=auth).status_code == 204
    gone = client.delete(f"{SUBSCRIPTIONS}/{created['id']}", headers=auth)
    assert error_of(gone) == (404, "MOCK-404-subscription-not-found", [])
    assert client.get(SUBSCRIPTIONS, headers=auth).json()["content"] == []


def test_subscriptions_belong_to_their_provider(client, auth, receiver):
    created = subscribe(client, auth, receiver.url)
    pharmacy = client.bearer("demo-pharmacy")
    assert client.get(SUBSCRIPTIONS, headers=pharmacy).json()["content"] == []
    foreign = client.delete(f"{SUBSCRIPTIONS}/{created['id']}", headers=pharmacy)
    assert error_of(foreign) == (404, "MOCK-404-subscription-not-found", [])


def test_any_scope_may_subscribe_but_a_token_is_needed(client, receiver):
    readonly = client.bearer("demo-readonly")
    assert (
        client.post(SUBSCRIPTIONS, json={"url": receiver.url, "event_types": ["*"]}, headers=readonly).status_code
        == 201
    )
    anonymous = client.post(SUBSCRIPTIONS, json={"url": receiver.url, "event_types": ["*"]})
    assert error_of(anonymous) == (401, "MOCK-401-missing-token", [])


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"url": "ftp://127.0.0.1/x", "event_types": ["*"]}, "url"),
        ({"url": "not a url", "event_types": ["*"]}, "url"),
        ({"url": "http://example.com/hooks", "event_types": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:9/hooks", "event_types": ["invoice.*"]}, "event_types[0]"),
        ({"url": "http://127.0.0.1:9/hooks", "event_types": []}, "event_types"),
        ({"url": "http://127.0.0.1:9/hooks"}, "event_types"),
    ],
)
def test_bad_subscriptions_are_422(client, auth, body, path):
    response = client.post(SUBSCRIPTIONS, json=body, headers=auth)
    assert error_of(response) == (422, "MOCK-422-validation-failed", [path])


def test_https_can_be_required_and_hosts_allowed():
    settings = Settings(frozen_clock=True, require_https_webhooks=True, webhook_allow=("*",))
    with CheckedClient(create_app(settings)) as client:
        auth = client.bearer()
        plain = client.post(SUBSCRIPTIONS, json={"url": "http://hooks.example/x", "event_types": ["*"]}, headers=auth)
        assert error_of(plain) == (422, "MOCK-422-validation-failed", ["url"])
        assert "https" in plain.json()["errors"][0]["message"]
        secure = client.post(SUBSCRIPTIONS, json={"url": "https://hooks.example/x", "event_types": ["*"]}, headers=auth)
        assert secure.status_code == 201


# -- delivery --------------------------------------------------------------------------------------
def test_a_delivery_is_signed_and_carries_the_documented_envelope(client, auth, receiver):
    subscription = subscribe(client, auth, receiver.url)
    event_id = trigger(client, "authorization.created")
    settle(client)
    [received] = receiver.wait_for(1)
    # a production receiver (this machine's clock, 300 s tolerance) verifies it unmodified
    timestamp = verify(received.body, received.headers["x-osigu-signature"], subscription["signing_secret"])
    assert abs(timestamp - time.time()) < 5
    envelope = orjson.loads(received.body)
    assert envelope["event_id"] == event_id and envelope["event_type"] == "authorization.created"
    assert envelope["api_version"] == "2026-01-01" and envelope["environment"] == "sandbox"
    assert envelope["provider"] == {"provider_id": 7001, "provider_slug": "clinic-example"}
    assert received.headers["content-type"] == "application/json"
    [delivery] = deliveries(client)
    assert delivery["status"] == "DELIVERED" and delivery["attempts"][0]["status_code"] == 200
    assert delivery["attempts"][0]["response_excerpt"] == '{"received": true}'


def test_every_event_type_has_a_realistic_payload_that_matches_the_contract(client, auth, receiver):
    subscribe(client, auth, receiver.url)
    triggered = {trigger(client, event_type) for event_type in EVENT_TYPES}
    settle(client)
    # The real flows emit their other events too (an authorization.created before its voided, ...).
    total = len(deliveries(client))
    received = receiver.wait_for(total)
    validator = checker()._validator("#/components/schemas/WebhookEnvelope")
    for item in received:
        envelope = orjson.loads(item.body)
        errors = [e.message for e in validator.iter_errors(envelope)]
        assert not errors, (envelope["event_type"], errors)
        assert envelope["data"], envelope["event_type"]
    by_id = {orjson.loads(r.body)["event_id"]: orjson.loads(r.body)["event_type"] for r in received}
    assert sorted(by_id[event_id] for event_id in triggered) == sorted(EVENT_TYPES)


# Where the provider that received an event fetches each id its payload names (contracts/openapi.yaml).
FETCH = {
    "authorization_id": "/arc/v1/authorizations/{}",
    "authorization_request_id": "/arc/v1/authorization-requests/{}",
    "dispensation_id": "/dispensing/v1/dispensations/{}",
    "prescription_id": "/ehr/v1/prescriptions/{}",
    "patient_id": "/ehr/v1/patients/{}",
    "settlement_id": "/v3/settlements/{}",
    "claim_ids": "/arc/v1/claims/{}",
    "rejected_claim_ids": "/arc/v1/claims/{}",
}


# What the fetched resource must say after the event (the contract's status enums): an event names the object in
# the state the event announces, not merely an object that exists.
STATE_AFTER = {
    ("authorization.created", "authorization_id"): {"READY"},
    ("authorization.rejected", "authorization_request_id"): {"REJECTED"},
    ("authorization.voided", "authorization_id"): {"VOIDED"},
    ("dispensing.started", "dispensation_id"): {"STARTED"},
    ("dispensing.completed", "dispensation_id"): {"COMPLETED"},
    ("dispensing.cancelled", "dispensation_id"): {"CANCELLED"},
    ("settlement.paid", "settlement_id"): {"ACCEPTED"},
    ("settlement.paid", "claim_ids"): {"PAID"},
    ("settlement.rejected", "settlement_id"): {"REJECTED"},
    ("settlement.rejected", "claim_ids"): {"COMPLETED"},
    ("settlement.partially_accepted", "settlement_id"): {"PARTIALLY_ACCEPTED"},
    ("settlement.partially_accepted", "rejected_claim_ids"): {"COMPLETED"},
}


def named_ids(data) -> list[tuple[str, int]]:
    """(key, id) for every id in a payload that FETCH knows how to read, nested ones too."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in FETCH and value is not None:
                found += [(key, v) for v in (value if isinstance(value, list) else [value])]
            found += named_ids(value)
    elif isinstance(data, list):
        for item in data:
            found += named_ids(item)
    return found


@pytest.mark.parametrize("provider", ["clinic-example", "pharmacy-example"])
def test_a_triggered_event_names_only_what_its_provider_can_fetch(client, receiver, provider):
    client_id = {"clinic-example": "demo-clinic", "pharmacy-example": "demo-pharmacy"}[provider]
    own = client.bearer(client_id)
    subscribe(client, own, receiver.url)
    triggered = {trigger(client, event_type, provider=provider): event_type for event_type in EVENT_TYPES}
    settle(client)
    received = {}
    for item in receiver.wait_for(len(deliveries(client))):
        envelope = orjson.loads(item.body)
        received[envelope["event_id"]] = envelope
    fetched, checked = set(), set()
    for event_id, event_type in triggered.items():
        envelope = received[event_id]
        assert envelope["event_type"] == event_type and envelope["provider"]["provider_slug"] == provider
        ids = named_ids(envelope["data"])
        assert ids, event_type
        for key, value in ids:
            answer = client.get(FETCH[key].format(value), headers=own)
            assert answer.status_code == 200, (event_type, key, value, answer.text)
            fetched.add(key)
            if (event_type, key) in STATE_AFTER:
                assert answer.json()["status"] in STATE_AFTER[event_type, key], (event_type, key, answer.json())
                checked.add((event_type, key))
    assert fetched == set(FETCH)  # every kind of id is named by some event type, and fetched
    assert checked == set(STATE_AFTER)  # and every state named above was checked


def test_triggered_data_is_passed_through(client, auth, receiver):
    subscribe(client, auth, receiver.url)
    trigger(client, "authorization.rejected", data={"rejection_reason": "custom"})
    settle(client)
    assert orjson.loads(receiver.wait_for(1)[0].body)["data"] == {"rejection_reason": "custom"}


def test_globs_choose_the_events_and_other_providers_events_stay_away(client, auth, receiver):
    subscribe(client, auth, receiver.url, ["authorization.*"])
    # Explicit data: each trigger emits exactly its one event and creates nothing.
    trigger(client, "dispensing.started", data={"note": "x"})
    trigger(client, "authorization.voided", provider="pharmacy-example", data={"note": "x"})
    trigger(client, "authorization.voided", data={"note": "x"})
    settle(client)
    assert [orjson.loads(r.body)["event_type"] for r in receiver.wait_for(1)] == ["authorization.voided"]
    assert len(deliveries(client)) == 1


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"event_type": "invoice.paid", "provider_slug": "clinic-example"}, "event_type"),
        ({"event_type": "authorization.created", "provider_slug": "nobody"}, "provider_slug"),
    ],
)
def test_triggering_an_unknown_event_or_provider_is_422(client, body, path):
    response = client.post("/__admin/events", json=body)
    assert error_of(response) == (422, "MOCK-422-validation-failed", [path])


# -- retries ---------------------------------------------------------------------------------------
def test_a_failing_receiver_sees_the_retry_schedule_then_the_delivery_is_abandoned(client, auth, receiver):
    receiver.default_status = 500
    subscription = subscribe(client, auth, receiver.url)
    trigger(client)
    settle(client)
    start = parse_instant(deliveries(client)[0]["attempts"][0]["at"])
    [delivery] = deliveries(client)
    assert delivery["status"] == "RETRYING"
    assert parse_instant(delivery["next_attempt_at"]) - start == 60
    client.post("/__admin/clock/advance", json={"seconds": 72 * 3600})
    [delivery] = deliveries(client)
    offsets = [parse_instant(a["at"]) - start for a in delivery["attempts"]]
    assert offsets == [0, 60, 360, 2160, 9360, 30960, 74160, 117360, 160560, 203760, 246960]
    assert delivery["status"] == "ABANDONED" and delivery["next_attempt_at"] is None
    assert all(a["status_code"] == 500 for a in delivery["attempts"])
    assert len(receiver.received) == 11
    # each attempt is stamped with the mock's time, 72 h of it, but signed with the wall-clock time, so a
    # receiver checking t= against its own clock with a 300 s tolerance verifies every one
    for item in receiver.received:
        t = verify(item.body, item.headers["x-osigu-signature"], subscription["signing_secret"])
        assert abs(t - time.time()) < 60


def test_the_envelope_carries_the_mock_clocks_time_while_the_signature_carries_the_wall_clocks(client, auth, receiver):
    subscription = subscribe(client, auth, receiver.url)
    client.post("/__admin/clock/advance", json={"seconds": 86400})  # the mock is a day ahead of the wall
    mock_day = mock_now(client)
    trigger(client)
    settle(client)
    [item] = receiver.wait_for(1)
    created_at = parse_instant(orjson.loads(item.body)["created_at"])
    assert abs(created_at - mock_day) < 5 and created_at - time.time() > 86000
    t = verify(item.body, item.headers["x-osigu-signature"], subscription["signing_secret"])
    assert abs(t - time.time()) < 5


def test_a_receiver_that_recovers_gets_the_delivery_on_the_next_retry(client, auth, receiver):
    receiver.statuses.extend([503, 502])
    subscribe(client, auth, receiver.url)
    trigger(client)
    settle(client)
    client.post("/__admin/clock/advance", json={"seconds": 60})
    assert deliveries(client)[0]["status"] == "RETRYING"
    client.post("/__admin/clock/advance", json={"seconds": 300})
    [delivery] = deliveries(client)
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 502, 200] and delivery["status"] == "DELIVERED"


def test_a_dead_receiver_is_retried(client, auth):
    subscribe(client, auth, "http://127.0.0.1:9/nothing-listens-here")
    trigger(client)
    settle(client)
    [delivery] = deliveries(client)
    assert delivery["status"] == "RETRYING" and delivery["attempts"][0]["status_code"] is None
    assert delivery["attempts"][0]["error"]


def test_no_answer_within_the_advance_bound_counts_as_a_failure(client, auth, receiver):
    receiver.hold = threading.Event()
    subscribe(client, auth, receiver.url)
    trigger(client)
    settle(client)  # waits at most 2 s of wall time for the held request
    [delivery] = deliveries(client)
    assert delivery["attempts"][0]["error"] == "no answer within 2 s"
    assert delivery["status"] == "RETRYING"
    receiver.hold.set()


def test_deleting_the_subscription_cancels_its_pending_retries(client, auth, receiver):
    receiver.default_status = 500
    subscription = subscribe(client, auth, receiver.url)
    trigger(client)
    settle(client)
    client.delete(f"{SUBSCRIPTIONS}/{subscription['id']}", headers=auth)
    assert deliveries(client)[0]["status"] == "CANCELLED"
    assert not [t for t in client.get("/__admin/timers").json()["content"] if t["action"] == "webhook.attempt"]
    client.post("/__admin/clock/advance", json={"seconds": 3600})
    assert len(receiver.received) == 1


def test_pending_attempts_are_listed_as_timers(client, auth, receiver):
    receiver.default_status = 500
    subscribe(client, auth, receiver.url)
    trigger(client)
    settle(client)
    [timer] = [t for t in client.get("/__admin/timers").json()["content"] if t["action"] == "webhook.attempt"]
    assert "attempt 2 of authorization.created" in timer["description"]


def test_redeliver_attempts_again_now(client, auth, receiver):
    subscribe(client, auth, receiver.url)
    trigger(client)
    settle(client)
    [delivery] = deliveries(client)
    response = client.post(f"/__admin/webhooks/deliveries/{delivery['id']}/redeliver")
    assert response.status_code == 202
    settle(client)
    [delivery] = deliveries(client)
    assert len(delivery["attempts"]) == 2 and delivery["status"] == "DELIVERED"
    assert len(receiver.received) == 2 and receiver.received[0].body == receiver.received[1].body
    unknown = client.post("/__admin/webhooks/deliveries/dlv_nope/redeliver")
    assert error_of(unknown) == (404, "MOCK-404-delivery-not-found", [])


def test_during_a_rotation_both_secrets_sign_until_the_old_one_retires(client, auth, receiver):
    subscription = subscribe(client, auth, receiver.url)
    old = subscription["signing_secret"]
    rotated = client.post(
        f"/__admin/webhooks/subscriptions/{subscription['id']}/rotate", json={"overlap_seconds": 3600}
    )
    assert rotated.status_code == 200
    new = rotated.json()["signing_secret"]
    assert new != old
    trigger(client)
    settle(client)
    first = receiver.wait_for(1)[0]
    assert first.headers["x-osigu-signature"].count("v1=") == 2
    for secret in (old, new):
        verify(first.body, first.headers["x-osigu-signature"], secret)
    client.post("/__admin/clock/advance", json={"seconds": 3601})
    trigger(client)
    settle(client)
    second = receiver.wait_for(2)[1]
    assert second.headers["x-osigu-signature"].count("v1=") == 1
    verify(second.body, second.headers["x-osigu-signature"], new)  # the mock moved 3601 s; t= did not
    with pytest.raises(Exception, match="no v1= signature matches"):
        verify(second.body, second.headers["x-osigu-signature"], old)
    assert client.get(SUBSCRIPTIONS, headers=client.bearer()).json()["content"][0]["signing_secret"] == new


def test_rotating_an_unknown_subscription_is_404(client):
    response = client.post("/__admin/webhooks/subscriptions/424242/rotate")
    assert error_of(response) == (404, "MOCK-404-subscription-not-found", [])


# -- slow receivers never hold anything up ---------------------------------------------------------
def test_a_slow_receiver_delays_neither_api_responses_nor_other_subscriptions():
    """While one receiver holds its deliveries past the webhook timeout, API calls (the ones that emit the
    events included) answer in a fraction of that timeout, and another subscription gets the same events
    meanwhile: deliveries are neither made in the request path nor one subscription after another."""
    from time import monotonic, sleep

    from tests.support.flows import attach, complete, initiate, ready_request, schema_body

    timeout = 1.5  # webhook_timeout_seconds: how long the mock waits for the slow receiver
    quick = timeout / 4  # an API answer slower than this waited for a delivery
    settings = Settings(frozen_clock=True, webhook_timeout_seconds=timeout, tick_seconds=0.05)

    def timed(call):
        started = monotonic()
        response = call()
        return response, monotonic() - started

    with CheckedClient(create_app(settings)) as client, Receiver() as slow, Receiver() as fast:
        auth = client.bearer("demo-clinic")
        complete(client, auth, ready_request(client, auth, schema_body())["id"])  # warm up, before any subscription
        slow.hold = threading.Event()  # the slow receiver answers nothing until released
        subscribe(client, auth, slow.url, ["authorization.created"])  # first: a serial sender would try it first
        subscribe(client, auth, fast.url, ["authorization.created"])

        first = ready_request(client, auth, schema_body())
        answered, took = timed(lambda: complete(client, auth, first["id"]))
        assert answered.status_code == 200 and answered.json()["status"] == "APPROVED", answered.text
        assert took < quick, f"the complete that emitted the event took {took:.2f} s"
        assert slow.holding.wait(5), "the slow receiver never got its delivery"
        [held] = slow.received
        # (b) the other subscription gets the same event while the slow one holds it, well within the timeout
        arrived = fast.wait_for(1, timeout=timeout / 2)
        assert len(arrived) == 1, "the other subscription did not get the event while the slow receiver held it"
        assert arrived[0].body == held.body and arrived[0].at - held.at < timeout / 2

        # (a) while the slow receiver holds: a read, and a new pre-authorization whose complete emits another event
        sponsors, took = timed(lambda: client.get("/v1/sponsors", headers=auth))
        assert sponsors.status_code == 200 and took < quick, f"GET /v1/sponsors took {took:.2f} s"
        created, took = timed(lambda: initiate(client, auth, schema_body()))
        assert took < quick, f"initiating a pre-authorization took {took:.2f} s"
        attach(client, auth, created["id"])
        second, took = timed(lambda: complete(client, auth, created["id"]))
        assert second.status_code == 200 and took < quick, f"the second complete took {took:.2f} s"
        assert len(fast.wait_for(2, timeout=timeout / 2)) == 2, "the second event did not reach the other receiver"
        assert not slow.hold.is_set()

        # the slow receiver held longer than the timeout: the mock gave up on it (and on it only), still held
        event_id = orjson.loads(held.body)["event_id"]
        deadline = monotonic() + timeout + 2
        while True:
            of_event = {d["url"]: d for d in deliveries(client) if d["event_id"] == event_id}
            if of_event[slow.url]["attempts"] or monotonic() > deadline:
                break
            sleep(0.02)
        assert of_event[slow.url]["attempts"][0]["error"] == f"no answer within {timeout:g} s"
        assert of_event[slow.url]["status"] == "RETRYING" and of_event[fast.url]["status"] == "DELIVERED"
        assert not slow.hold.is_set()
        slow.hold.set()


def test_subscriptions_and_deliveries_survive_a_snapshot(client, auth, receiver):
    receiver.default_status = 500
    subscribe(client, auth, receiver.url)
    trigger(client)
    settle(client)
    snapshot = client.get("/__admin/snapshot").json()
    client.post("/__admin/reset")
    assert deliveries(client) == []
    client.post("/__admin/snapshot", json=snapshot)
    receiver.default_status = 200
    client.post("/__admin/clock/advance", json={"seconds": 60})
    [delivery] = deliveries(client)
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
