"""The two embeddable widgets (``contracts/README.md``, "Widgets"; ``contracts/openapi.yaml``, tag ``widgets``).

- ``GET /widgets/v1/loader.js`` and the pinned ``GET /widgets/v1.2.0/loader.js``: one dependency-free script,
  built once from the sources in ``mock_server/widgets/`` (no auth; the pinned path is cached for a year).
- ``GET /widgets/v1/session``: who the widget's token is (the provider's country decides the prescription
  version); ``POST /widgets/v1/prescriptions/{id}/link`` and ``GET /widgets/v1/patient-links/{link_id}``: the
  prescription widget's ``LINK`` delivery (*inferred*: the widget host's own calls, not OSIGU's REST API).
- ``GET /widgets/example`` and ``POST /widgets/example/token``: the example host page and its token proxy,
  which exchanges a demo client's credentials on the server so the secret never reaches the browser.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import cache
from html import escape
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mock_server import __version__
from mock_server.api.http import api_route, base_url, ledger_of, path_int, read_json, render, sandbox_of
from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.prescriptions.backend import Prescriptions
from mock_server.domain.tokens import Principal

__all__ = ["WIDGETS_VERSION", "loader_source", "routes"]

WIDGETS_VERSION = "1.2.0"
# The loader's parts, in order: the shared core (DOM, REST client, steps, styles, locales), then each widget,
# then the entry point that publishes window.OsiguPreAuth, window.OsiguPrescription and window.osiguReady.
SOURCES = ("i18n.js", "core.js", "preauth.js", "prescription.js", "entry.js")
STYLES = "widgets.css"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300"


@cache
def _asset(name: str) -> str:
    """A file of ``mock_server/widgets/``, read once per process."""
    return resources.files("mock_server").joinpath("widgets", name).read_text(encoding="utf-8")


@cache
def loader_source() -> tuple[bytes, bytes, str]:
    """The loader's bytes, gzipped once, and their ETag: the sources wrapped in one function scope."""
    parts = [f"/* osigu-mock widgets {WIDGETS_VERSION} (osigu-mock {__version__}): mock_server/widgets/ */"]
    parts.append("(function () {\n'use strict';")
    parts.append(f"var WIDGETS_VERSION = {json.dumps(WIDGETS_VERSION)};")
    parts.append(f"var WIDGET_CSS = {json.dumps(_asset(STYLES))};")
    parts += [f"/* --- {name} --- */\n{_asset(name)}" for name in SOURCES]
    parts.append("})();\n")
    body = "\n".join(parts).encode("utf-8")
    return body, gzip.compress(body, 9, mtime=0), '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _script(request: Request, cache_control: str) -> Response:
    body, zipped, etag = loader_source()
    headers = {"Cache-Control": cache_control, "ETag": etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = zipped, "gzip"
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


async def loader(request: Request, _: Principal | None) -> Response:
    return _script(request, REVALIDATE)


async def pinned_loader(request: Request, _: Principal | None) -> Response:
    return _script(request, IMMUTABLE)


async def session(request: Request, principal: Principal) -> Response:
    provider = sandbox_of(request).world.provider(principal.provider_slug)
    clock = ledger_of(request, principal).clock
    spanish_office = provider.country_code == "ES" and provider.provider_kind == "DOCTOR_OFFICE"
    return render(
        {
            "client_id": principal.client_id,
            "provider_slug": provider.provider_slug,
            "provider_name": provider.name,
            "provider_kind": provider.provider_kind,
            "country_code": provider.country_code,
            "scope": " ".join(sorted(principal.scopes)),
            "prescription_version": "v2" if spanish_office else "v1.1",
            "widgets_version": WIDGETS_VERSION,
            "now": format_instant(clock.timestamp()),
        }
    )


async def create_link(request: Request, principal: Principal) -> Response:
    prescriptions = ledger_of(request, principal).area(Prescriptions)
    link = prescriptions.share_link(principal.provider_slug, path_int(request, "prescription_id"))
    return render(
        {
            "link_id": link.link_id,
            "prescription_id": link.prescription_id,
            "link_url": f"{base_url(request)}/widgets/v1/patient-links/{link.link_id}",
        },
        201,
    )


PATIENT_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Receta electrónica {code}</title><link rel="icon" href="data:,">
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.5}}
.code{{font-size:2rem;letter-spacing:.15em;font-weight:700}}li{{margin:.25rem 0}}</style></head>
<body><main><h1>Receta electrónica</h1>
<p>Paciente: {patient}</p><p>Código para la farmacia:</p><p class="code" id="code">{code}</p>
<p>Estado: <span id="status">{status}</span>. Válida hasta el {expires}.</p>
<h2>Medicamentos</h2><ul id="medications">{items}</ul>
<p><small>Página de paciente servida por osigu-mock (entorno de pruebas).</small></p></main></body></html>
"""


async def patient_page(request: Request, _: Principal | None) -> Response:
    prescription = sandbox_of(request).patient_link(request.path_params["link_id"])
    if prescription is None:
        raise ApiError("MOCK-404-patient-link-not-found")
    items = "".join(
        f"<li>{escape(item['product_name'])} × {item['quantity']}: {escape(item.get('posology') or '')}</li>"
        for item in prescription["products"]
    )
    return HTMLResponse(
        PATIENT_PAGE.format(
            code=escape(prescription["code"]),
            patient=escape(prescription["patient"]["full_name"]),
            status=escape(prescription["status"]),
            expires=escape((prescription.get("expires_at") or "")[:10]),
            items=items,
        )
    )


async def example_page(request: Request, _: Principal | None) -> Response:
    page = _asset("example.html").replace("{{BASE}}", base_url(request)).replace("{{VERSION}}", WIDGETS_VERSION)
    return HTMLResponse(page)


async def example_token(request: Request, _: Principal | None) -> Response:
    # Which demo clients may be asked for is the request schema's enum (the default tenant's seeded clients).
    body = await read_json(request, "widget-example-token-request", required=False)
    client_id = body.get("client_id", "demo-clinic")
    sandbox = sandbox_of(request)
    client = sandbox.client(client_id)
    if client is None:
        raise ApiError("MOCK-422-validation-failed", errors=[FieldError("client_id", "is not a client here")])
    token = sandbox.issue_token(client.client_id, client.client_secret, "client_credentials")
    return render({key: token[key] for key in ("access_token", "token_type", "expires_in", "scope")})


routes = [
    api_route("/widgets/v1/loader.js", get=loader),
    api_route(f"/widgets/v{WIDGETS_VERSION}/loader.js", get=pinned_loader),
    api_route("/widgets/v1/session", get=session),
    api_route("/widgets/v1/prescriptions/{prescription_id}/link", post=create_link),
    api_route("/widgets/v1/patient-links/{link_id}", get=patient_page),
    api_route("/widgets/example", get=example_page),
    api_route("/widgets/example/token", post=example_token),
]
