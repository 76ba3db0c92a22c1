"""``create_app(settings) -> Starlette``: routes, middleware, exception handlers, lifespan.

One process, one worker, one event loop: routes are ``async def`` and make one synchronous domain
call each, and the timer ticker runs on the same loop, so every operation is atomic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from mock_server.admin import routes as admin_routes
from mock_server.api import (
    authorizations,
    catalogs,
    challenges,
    claims,
    dispensing,
    ehr,
    oauth,
    otp,
    settlements,
    sponsors,
    system,
    webhooks,
    widgets,
)
from mock_server.api.http import error_response
from mock_server.core.errors import ApiError
from mock_server.middleware import CorsMiddleware, FaultMiddleware, RequestContextMiddleware
from mock_server.routing import IndexedRouter
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings
from mock_server.transport import HttpTransport

__all__ = ["create_app"]

log = logging.getLogger("osigu_mock")

_HTTP_STATUS_CODES = {404: "MOCK-404-route-not-found", 405: "MOCK-405-method-not-allowed"}


def _note(request: Request, error: ApiError) -> None:
    request.scope.setdefault("state", {})["error_code"] = error.code


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    _note(request, exc)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_STATUS_CODES.get(exc.status_code)
    if code is None:  # Starlette raised something the mock does not expect: still an error body
        log.warning("unexpected HTTPException %s at %s", exc.status_code, request.url.path)
        code = "MOCK-500-internal"
    error = ApiError(code, headers=dict(exc.headers or {}))
    if code == "MOCK-405-method-not-allowed":
        error.message = f"{request.method} is not allowed here; allowed: {(exc.headers or {}).get('Allow', '')}."
    _note(request, error)
    return error_response(error)


async def _unexpected(request: Request, exc: Exception) -> Response:
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.exception("unexpected error in %s %s (request %s)", request.method, request.url.path, request_id)
    error = ApiError("MOCK-500-internal", f"The mock failed unexpectedly (request {request_id}).")
    _note(request, error)
    return error_response(error)


def create_app(settings: Settings | None = None, sandbox: Sandbox | None = None) -> Starlette:
    settings = settings or Settings()
    sandbox = sandbox or Sandbox(settings)

    routes = [
        *system.routes,
        *oauth.routes,
        *otp.routes,
        *sponsors.routes,
        *catalogs.routes,
        *authorizations.routes,
        *dispensing.routes,
        *claims.routes,
        *settlements.routes,
        *ehr.routes,
        *webhooks.routes,
        *challenges.routes,
        *widgets.routes,
    ]
    if settings.admin_enabled:
        routes += admin_routes.routes

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def ticker() -> None:
            while True:
                await asyncio.sleep(settings.tick_seconds)
                try:
                    sandbox.tick()
                except Exception:  # the ticker must outlive any one broken timer
                    log.exception("timer tick failed")

        transport = HttpTransport()
        sandbox.set_transport(transport)
        task = asyncio.create_task(ticker())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            sandbox.set_transport(None)
            await transport.aclose()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(CorsMiddleware),
            Middleware(RequestContextMiddleware, sandbox=sandbox, settings=settings),
            Middleware(FaultMiddleware, sandbox=sandbox),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected},
        lifespan=lifespan,
    )
    # Starlette builds its middleware stack around ``app.router`` on the first call, so the indexed
    # router replaces the default one here, before any request.
    app.router = IndexedRouter(routes, lifespan=lifespan)
    app.state.settings = settings
    app.state.sandbox = sandbox
    return app
