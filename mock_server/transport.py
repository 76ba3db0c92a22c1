"""The HTTP side of webhook deliveries: one shared async client, POSTs with a timeout, no redirects.

The domain decides what to send and when (``mock_server.domain.webhooks``); this transport only makes
the call and reports status, latency and an excerpt of the answer. It never raises: a refused
connection or a timeout is an attempt result like any other.
"""

from __future__ import annotations

import time
from typing import Any

from mock_server.domain.webhooks import EXCERPT_CHARS, AttemptResult

__all__ = ["HttpTransport"]


class HttpTransport:
    """httpx2 is imported on the first delivery, not at launch (README "Performance and limits")."""

    def __init__(self) -> None:
        self._client: Any = None

    async def __call__(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> AttemptResult:
        import httpx2

        if self._client is None:
            # trust_env=False: no proxy from the environment; receivers are reached directly.
            self._client = httpx2.AsyncClient(follow_redirects=False, trust_env=False)
        started = time.perf_counter()
        try:
            response = await self._client.post(url, content=body, headers=headers, timeout=timeout)
        except httpx2.TimeoutException:
            return AttemptResult(None, _ms(started), "", f"no answer within {timeout:g} s")
        except httpx2.HTTPError as exc:
            return AttemptResult(None, _ms(started), "", f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
        excerpt = response.content[:EXCERPT_CHARS].decode("utf-8", errors="replace")
        return AttemptResult(response.status_code, _ms(started), excerpt, None)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
