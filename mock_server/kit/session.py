"""A polite HTTP session for a contract target: the first piece of the contract kit's ``osigu-mock contract``
(its targets are the app in process, any URL, or the real sandbox).

Politeness toward a real OSIGU host (``contracts/openapi.yaml``, getAccessToken: 10 token requests a
minute per client; 50 API requests a minute in the sandbox):

- one access token per run, fetched on first use and fetched again only when it is within
  ``refresh_margin`` seconds of its ``expires_in``, or when the target answers 401 with
  ``error="invalid_token"`` (then the request is sent once more, never twice);
- when ``polite`` (any target but the mock), no more than ``requests_per_minute`` requests in any 60 s
  window: the next one waits for the oldest to leave the window. The token request counts too.

The clock and the sleep are injectable, so the rules are tested without waiting.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx2

__all__ = ["PoliteSession", "Throttle"]

TOKEN_PATH = "/v1/oauth/token"


class Throttle:
    """At most ``limit`` events in any ``window`` seconds; :meth:`wait` sleeps until the next may happen."""

    def __init__(
        self, limit: int, window: float = 60.0, *, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self.limit, self.window = limit, window
        self._clock, self._sleep = clock, sleep
        self._times: deque[float] = deque()

    def wait(self) -> None:
        now = self._clock()
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        if len(self._times) >= self.limit:
            self._sleep(self._times[0] + self.window - now)
            now = self._clock()
            self._times.popleft()
        self._times.append(now)

    def drain(self) -> None:
        """Sleep until no event is left in the window (before another limiter takes over the same budget)."""
        if self._times:
            self._sleep(max(0.0, self._times[-1] + self.window - self._clock()))
            self._times.clear()


class PoliteSession:
    """Requests to one target with the client's bearer token (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        polite: bool,
        requests_per_minute: int = 50,
        refresh_margin: float = 60.0,
        transport: httpx2.BaseTransport | None = None,
        client: httpx2.Client | None = None,
        throttle: Throttle | None = None,
        on_response: Callable[[httpx2.Response], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        # ``client``: an HTTP client of the caller's (the in-process app's TestClient); otherwise one to base_url.
        self._http = client or httpx2.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._owns_http = client is None
        self._on_response = on_response
        self._credentials = (client_id, client_secret)
        self._clock = clock
        # ``throttle``: one shared by every session to the same target (the limit is the client's, not a session's).
        self._throttle = throttle or (Throttle(requests_per_minute, clock=clock, sleep=sleep) if polite else None)
        self._refresh_margin = refresh_margin
        self._token: str | None = None
        self._expires_at = 0.0
        self.token_requests = 0

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        if self._throttle is not None:
            self._throttle.wait()
        answer = self._http.request(method, path, **kwargs)
        if self._on_response is not None:
            self._on_response(answer)
        return answer

    def send(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """``method path`` as given, without the bearer token (throttled like every request): the token
        endpoint with other credentials, public routes, the mock's control plane."""
        return self._send(method, path, **kwargs)

    def token(self) -> str:
        """The run's access token, fetched again only near its expiry."""
        if self._token is None or self._clock() >= self._expires_at - self._refresh_margin:
            self._fetch_token()
        assert self._token is not None
        return self._token

    def forget_token(self) -> None:
        """Drop the token (the mock's tenant was reset, which forgets its tokens): the next call fetches one."""
        self._token = None

    def _fetch_token(self) -> None:
        self.token_requests += 1
        answer = self._send("POST", TOKEN_PATH, auth=self._credentials, data={"grant_type": "client_credentials"})
        answer.raise_for_status()
        body = answer.json()
        self._token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 3600))

    def request(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """``method path`` with the bearer token; a 401 ``invalid_token`` refreshes it and tries once more."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {self.token()}"
        answer = self._send(method, path, headers=headers, **kwargs)
        if answer.status_code == 401 and "invalid_token" in answer.headers.get("www-authenticate", ""):
            self._fetch_token()
            headers["Authorization"] = f"Bearer {self._token}"
            answer = self._send(method, path, headers=headers, **kwargs)
        return answer
