"""The kit's polite session: one token per run, refreshed near its expiry or when the target says it is
invalid, and at most 50 requests a minute to any target but the mock (the real endpoint allows 10 token
requests a minute). A fake clock and sleep stand in for time; a mock transport for the target."""

from __future__ import annotations

import httpx2
import pytest

from mock_server.kit.session import PoliteSession, Throttle


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Target:
    """A target that issues numbered tokens valid ``ttl`` seconds and records every request."""

    def __init__(self, ttl: int = 3600, reject: set[str] | None = None, error: str = "invalid_token") -> None:
        self.ttl, self.reject, self.error = ttl, reject or set(), error
        self.issued = 0
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        bearer = request.headers.get("authorization", "")
        self.seen.append((request.url.path, bearer))
        if request.url.path == "/v1/oauth/token":
            self.issued += 1
            return httpx2.Response(200, json={"access_token": f"t{self.issued}", "expires_in": self.ttl})
        if bearer.removeprefix("Bearer ") in self.reject:
            return httpx2.Response(401, headers={"WWW-Authenticate": f'Bearer error="{self.error}"'}, json={})
        return httpx2.Response(200, json={"ok": True})


def session(target: Target, fake: FakeTime, *, polite: bool = True, **extra) -> PoliteSession:
    return PoliteSession(
        "https://sandbox.example",
        "client",
        "secret",
        polite=polite,
        transport=httpx2.MockTransport(target),
        clock=fake.clock,
        sleep=fake.sleep,
        **extra,
    )


def test_a_run_asks_for_one_token_however_many_requests_it_makes():
    target, fake = Target(), FakeTime()
    with session(target, fake, polite=False) as s:
        for _ in range(30):
            assert s.request("GET", "/arc/v1/claims").status_code == 200
    assert target.issued == 1
    assert {bearer for path, bearer in target.seen if path != "/v1/oauth/token"} == {"Bearer t1"}


def test_the_token_is_fetched_again_only_within_the_margin_of_its_expiry():
    target, fake = Target(ttl=3600), FakeTime()
    with session(target, fake, polite=False, refresh_margin=60) as s:
        s.request("GET", "/x")
        fake.now += 3600 - 61  # still a minute and a second left
        s.request("GET", "/x")
        assert target.issued == 1
        fake.now += 30  # 31 s left: inside the last minute, before the expiry
        s.request("GET", "/x")
    assert target.issued == 2 and target.seen[-1] == ("/x", "Bearer t2")


def test_an_invalid_token_answer_refreshes_once_and_retries_once():
    target, fake = Target(reject={"t1"}), FakeTime()
    with session(target, fake, polite=False) as s:
        assert s.request("GET", "/x").status_code == 200
    assert target.issued == 2
    assert [bearer for path, bearer in target.seen if path == "/x"] == ["Bearer t1", "Bearer t2"]


def test_a_target_that_keeps_refusing_gets_one_retry_not_a_loop():
    target, fake = Target(reject={"t1", "t2", "t3"}), FakeTime()
    with session(target, fake, polite=False) as s:
        assert s.request("GET", "/x").status_code == 401
    assert target.issued == 2 and len([p for p, _ in target.seen if p == "/x"]) == 2


def test_a_401_that_is_not_about_the_token_is_answered_as_is_without_a_new_token():
    target, fake = Target(reject={"t1"}, error="invalid_request"), FakeTime()
    with session(target, fake, polite=False) as s:
        assert s.request("GET", "/x").status_code == 401
    assert target.issued == 1 and len([p for p, _ in target.seen if p == "/x"]) == 1


def test_a_polite_session_sends_at_most_fifty_requests_in_any_minute():
    target, fake = Target(), FakeTime()
    sent: list[float] = []
    recording = httpx2.MockTransport(lambda request: (sent.append(fake.now), target(request))[1])
    s = PoliteSession(
        "https://sandbox.example", "c", "s", polite=True, transport=recording, clock=fake.clock, sleep=fake.sleep
    )
    with s:
        for _ in range(120):
            s.request("GET", "/x")
            fake.now += 0.1
    assert len(sent) == 121  # the token request counts
    for start in sent:
        assert len([t for t in sent if start <= t < start + 60.0]) <= 50
    assert sent[-1] - sent[0] >= 120.0  # 121 requests at 50 a minute span more than two minutes


def test_the_throttle_lets_the_fifty_first_request_go_when_the_first_leaves_the_window():
    fake = FakeTime()
    throttle = Throttle(50, clock=fake.clock, sleep=fake.sleep)
    sent = []
    for _ in range(51):
        throttle.wait()
        sent.append(fake.now)
        fake.now += 1.0
    assert fake.slept == [pytest.approx(10.0)]  # the 51st at t=50 waits until t=60
    assert sent[50] == pytest.approx(sent[0] + 60.0)
    for index in range(len(sent)):  # no 60 s window ever holds more than 50
        assert len([t for t in sent if sent[index] <= t < sent[index] + 60.0]) <= 50


def test_the_mock_is_not_throttled():
    target, fake = Target(), FakeTime()
    with session(target, fake, polite=False) as s:
        for _ in range(200):
            s.request("GET", "/x")
    assert fake.slept == [] and len(target.seen) == 201


def test_drain_waits_until_the_last_request_has_left_the_window_then_the_whole_budget_is_free():
    fake = FakeTime()
    throttle = Throttle(3, clock=fake.clock, sleep=fake.sleep)
    for step in (0, 10, 20):
        fake.now = 1000.0 + step
        throttle.wait()
    fake.now = 1025.0
    throttle.drain()
    assert fake.slept == [55.0]  # the last request (at 1020) leaves the window at 1080
    for _ in range(3):
        throttle.wait()
    assert fake.slept == [55.0]


def test_sessions_sharing_a_throttle_share_one_budget():
    fake, target = FakeTime(), Target()
    throttle = Throttle(3, clock=fake.clock, sleep=fake.sleep)
    sessions = [
        PoliteSession(
            "http://t", client_id, "s", polite=True, throttle=throttle, transport=httpx2.MockTransport(target)
        )
        for client_id in ("a", "b")
    ]
    sessions[0].request("GET", "/x")  # the token, then the call: two of the three
    sessions[1].send("GET", "/healthz")
    assert fake.slept == []
    sessions[1].send("GET", "/healthz")
    assert len(fake.slept) == 1
