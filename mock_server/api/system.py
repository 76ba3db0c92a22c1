"""Public, unauthenticated routes: ``/healthz``, ``/openapi.json`` and the offline ``/docs`` page."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from mock_server import __version__
from mock_server.api.http import api_route, render, settings_of
from mock_server.core.contracts import bundled_openapi
from mock_server.domain.tokens import Principal

__all__ = ["routes", "swagger_ui_assets"]


async def healthz(request: Request, _: Principal | None) -> Response:
    return render({"status": "ok", "service": "osigu-mock", "version": __version__})


async def openapi_json(request: Request, _: Principal | None) -> Response:
    document = bundled_openapi(include_admin=settings_of(request).admin_enabled)
    base = str(request.base_url).rstrip("/")
    document["servers"] = [{"url": base, "description": "this osigu-mock"}]
    return render(document)


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>osigu-mock API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout"
    });
  </script>
</body>
</html>
"""


async def docs(request: Request, _: Principal | None) -> Response:
    return HTMLResponse(DOCS_PAGE)


def swagger_ui_assets() -> Path:
    """Swagger UI's files, shipped by the swagger-ui-py package (no CDN: the docs work offline)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


routes: list[BaseRoute] = [
    api_route("/healthz", get=healthz),
    api_route("/openapi.json", get=openapi_json),
    api_route("/docs", get=docs),
    Mount("/docs/assets", app=StaticFiles(directory=swagger_ui_assets()), name="docs-assets"),
]
