"""Pure-ASGI middleware (not ``BaseHTTPMiddleware``): request ids, the journal, the body limit.

- Every response carries ``X-Request-Id`` (the caller's, or a fresh one), and one
  ``Osigu-Mock-Warning`` per leniency the route applied (a guide-style alias it accepted).
- API requests (not ``/__admin``, ``/docs``, ``/openapi.json`` or ``/healthz``) are journalled in
  the tenant the request belonged to (known after authentication), else the default tenant.
- A body over the limit (1 MiB; 8 MiB for file uploads) is refused with 413 before the route runs
  when ``Content-Length`` says so, and as soon as the limit is crossed when the body is streamed.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.api.http import SANDBOX_KEY, SETTINGS_KEY, error_response
from mock_server.core.errors import ApiError
from mock_server.core.store import DEFAULT_TENANT
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings

__all__ = ["CorsMiddleware", "FaultMiddleware", "RequestContextMiddleware"]

# The widgets' static files and the example page are not API calls; what the widgets call is journalled.
UNJOURNALLED_PREFIXES = (
    "/__admin",
    "/docs",
    "/openapi.json",
    "/healthz",
    "/widgets/v1/loader.js",
    "/widgets/v1.2.0/",
    "/widgets/example",
)
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


class CorsMiddleware:
    """Cross-origin calls from a browser (``contracts/README.md``, "Widgets"; *inferred*): the widgets run in
    the integrator's page and call the API on the mock's origin. A preflight (``OPTIONS`` with ``Origin`` and
    ``Access-Control-Request-Method``) is answered 204 here, before the journal and the faults; every other
    answer to a request with an ``Origin`` allows any origin (no cookies are used: the token is a header) and
    exposes the headers a client reads. Without ``Origin`` nothing changes.
    """

    ALLOW_METHODS = b"GET, POST, PUT, DELETE"
    EXPOSE = b"Location, Retry-After, WWW-Authenticate, X-Request-Id, Osigu-Mock-Warning, Osigu-Mock-Fault"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The hot path (no Origin: not a browser) is one scan of the header names.
        for key, _ in scope["headers"]:
            if key == b"origin":
                break
        else:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            asked = headers.get(b"access-control-request-headers", b"")
            allow = [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", self.ALLOW_METHODS),
                (b"access-control-max-age", b"600"),
                (b"vary", b"Origin, Access-Control-Request-Headers"),
                (b"content-length", b"0"),
            ]
            if asked:
                allow.append((b"access-control-allow-headers", asked))
            await send({"type": "http.response.start", "status": 204, "headers": allow})
            await send({"type": "http.response.body", "body": b""})
            return

        async def allowed(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", self.EXPOSE)]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, allowed)


class FaultMiddleware:
    """Applies the tenant's fault rules (``mock_server.core.faults``; ``POST /__admin/faults``) to each request.

    The tenant comes from the Authorization header alone, before the route authenticates. Firing latency rules
    add their delays (awaited: other requests go on meanwhile); then the first firing rule of another kind
    decides: an error answer instead of the route's, a dropped connection, or the route run to the end and its
    answer lost. Every answer that went through a fault carries ``Osigu-Mock-Fault`` headers saying which.
    """

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), "")
        ledger = self.sandbox.find_ledger(self.sandbox.tenant_for(authorization))
        rules = ledger.faults.firing(scope["method"], scope["path"]) if ledger is not None else []
        if not rules:
            await self.app(scope, receive, send)
            return
        notes = []
        for rule in rules:
            if rule.kind == "latency":
                delay = rule.delay_ms()
                notes.append(f"{rule.fault_id} latency {delay:.0f}ms")
                await asyncio.sleep(delay / 1000)
        decisive = next((rule for rule in rules if rule.kind != "latency"), None)
        if decisive is not None:
            notes.append(f"{decisive.fault_id} {decisive.kind}")

        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"osigu-mock-fault", note.encode("latin-1")) for note in notes]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        if decisive is None:
            await self.app(scope, receive, noted)
        elif decisive.kind == "error":
            await error_response(decisive.error())(scope, receive, noted)
        elif decisive.kind == "drop":
            await _drop(send)
        else:  # lost_response: the operation commits; its answer never leaves

            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            await _drop(send)


async def _drop(send: Send) -> None:
    """Start an answer that promises a body, send none of it, and return: the server closes the connection on an
    incomplete answer, so the client sees the connection drop (uvicorn logs one line about it)."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
    await send({"type": "http.response.body", "body": b"", "more_body": True})
