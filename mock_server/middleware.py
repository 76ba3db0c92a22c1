"""Pure-ASGI middleware (not ``BaseHTTPMiddleware``): request ids, the journal, the body limit.

- Every response carries ``X-Request-Id`` (the caller's, or a fresh one), and one
  ``Osigu-Mock-Warning`` per leniency the route applied (a guide-style alias it accepted).
- API requests (not ``/__admin``, ``/docs``, ``/openapi.json`` or ``/healthz``) are journalled in
  the tenant the request belonged to (known after authentication), else the default tenant.
- A body over the limit (1 MiB; 8 MiB for file uploads) is refused with 413 before the route runs
  when ``Content-Length`` says so, and as soon as the limit is crossed when the body is streamed.
"""

from __future__ import annotations

import itertools
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.api.http import SANDBOX_KEY, SETTINGS_KEY, error_response
from mock_server.core.errors import ApiError
from mock_server.core.store import DEFAULT_TENANT
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings

__all__ = ["RequestContextMiddleware"]

UNJOURNALLED_PREFIXES = ("/__admin", "/docs", "/openapi.json", "/healthz")
# Paths that take file uploads (pre-authorization indications): the larger body limit.
UPLOAD_SUFFIXES = ("/indications",)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, sandbox: Sandbox, settings: Settings) -> None:
        self.app = app
        self.sandbox = sandbox
        self.settings = settings
        self.max_body_bytes = settings.max_body_bytes
        self.max_upload_bytes = settings.max_upload_bytes
        # Request ids: a per-process prefix and a counter (unique, and cheaper than a uuid per request).
        self._prefix = uuid.uuid4().hex[:12]
        self._ids = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = declared = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                request_id = value.decode("latin-1")
            elif key == b"content-length":
                declared = value.decode("latin-1")
        request_id = request_id or f"{self._prefix}{next(self._ids):020x}"
        scope[SANDBOX_KEY] = self.sandbox
        scope[SETTINGS_KEY] = self.settings
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500}
        limit = self.max_upload_bytes if scope["path"].endswith(UPLOAD_SUFFIXES) else self.max_body_bytes

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                extra = [(b"x-request-id", request_id.encode("latin-1"))]
                extra += [(b"osigu-mock-warning", w.encode("utf-8")) for w in state.get("warnings", ())]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError("MOCK-413-payload-too-large", f"The body is larger than {limit} bytes.")
            return message

        try:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                error = ApiError("MOCK-413-payload-too-large", f"The body is larger than {limit} bytes.")
                state["error_code"] = error.code
                await error_response(error)(scope, receive, send_with_id)
                return
            await self.app(scope, limited_receive, send_with_id)
        finally:
            self._journal(scope, state, status["code"], started)

    def _journal(self, scope: Scope, state: dict, status: int, started: float) -> None:
        path = scope["path"]
        if path.startswith(UNJOURNALLED_PREFIXES):
            return
        ledger = self.sandbox.find_ledger(state.get("tenant_id", DEFAULT_TENANT))
        if ledger is None:
            return
        ledger.journal.record(
            ledger.clock.timestamp(),
            state.get("request_id", ""),
            scope["method"],
            path,
            scope["query_string"].decode("latin-1"),
            status,
            state.get("client_id"),
            state.get("provider_slug"),
            round((time.perf_counter() - started) * 1000, 3),
            state.get("error_code"),
            state.get("warnings"),
        )
