"""The shared HTTP helpers every route uses (the API's and the admin plane's): the JSON renderer, body
and parameter parsing and validation, base URLs, and the route builder that authenticates and
authorises before a handler runs.

A handler is ``async def handler(request, principal) -> Response``: it reads the whole body first,
then makes one synchronous domain call, so each operation is atomic under asyncio.

The routes reach the whole mock (``mock_server.sandbox.Sandbox``, the wiring above them) through the
request's scope, typed as :class:`SandboxPort`: what the HTTP layers need of it, and nothing else.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.api import auth
from mock_server.core import contracts
from mock_server.core.errors import ApiError, FieldError
from mock_server.core.pagination import PageRequest, paginate
from mock_server.domain.catalog import GUIDE_PRODUCT_TYPES, normalize_product_type
from mock_server.domain.ledger import Ledger
from mock_server.domain.reference import PRODUCT_TYPES
from mock_server.domain.tokens import Client, Principal
from mock_server.domain.verification import Challenge
from mock_server.domain.world import World

__all__ = [
    "Handler",
    "JSONResponse",
    "SandboxPort",
    "api_route",
    "base_url",
    "challenge_url",
    "decode_base64",
    "error_response",
    "ledger_of",
    "path_int",
    "product_type_param",
    "query",
    "query_choice",
    "query_int",
    "read_json",
    "render",
    "render_page",
    "sandbox_of",
    "settings_of",
    "strict",
    "warn",
    "with_challenge_url",
]

JSON_TYPES = ("application/json",)
FORM_TYPE = "application/x-www-form-urlencoded"

Handler = Callable[[Request, Principal | None], Awaitable[Response]]


class SandboxPort(Protocol):
    """What the HTTP layers need of the whole mock (``mock_server.sandbox.Sandbox`` provides it)."""

    world: World

    def ledger(self, tenant_id: str = ...) -> Ledger: ...

    def find_ledger(self, tenant_id: str) -> Ledger | None: ...

    def authenticate(self, access_token: str) -> Principal: ...

    def issue_token(self, client_id: str, secret: str, grant_type: str | None) -> dict[str, Any]: ...

    def client(self, client_id: str) -> Client | None: ...

    def clients_of(self, tenant_id: str) -> list[Client]: ...

    def create_client(
        self,
        tenant_id: str,
        provider_slug: str,
        scope: str | None = ...,
        client_id: str | None = ...,
        client_secret: str | None = ...,
    ) -> Client: ...

    def challenge(self, challenge_id: str) -> tuple[Ledger, Challenge]: ...

    def patient_link(self, link_id: str) -> dict[str, Any] | None: ...

    def reset(self, tenant_id: str = ..., *, everything: bool = ...) -> Ledger: ...

    def create_tenant(self, tenant_id: str | None = ...) -> tuple[str, list[Client]]: ...

    def export_snapshot(self, tenant_id: str = ...) -> dict[str, Any]: ...

    def import_snapshot(self, tenant_id: str, snapshot: dict[str, Any]) -> Ledger: ...


_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


class JSONResponse(Response):
    """A JSON response rendered with orjson; ``content`` may also be bytes already rendered."""

    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> None:
        self.status_code = status_code
        self.background = None
        self.body = content if isinstance(content, bytes) else orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        # The hot path: two headers built directly, no Content-Type sniffing.
        raw = [(b"content-length", str(len(self.body)).encode("latin-1")), _JSON_CONTENT_TYPE]
        if headers:
            raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self.raw_headers = raw


def render(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(content, status, headers)


def error_response(error: ApiError) -> Response:
    return JSONResponse(error.body(), error.status, error.headers)


# The middleware puts the sandbox and the settings in every request's scope, so routes reach them
# with one dict lookup instead of going through app.state.
SANDBOX_KEY = "osigu.sandbox"
SETTINGS_KEY = "osigu.settings"
QUERY_KEY = "osigu.query"


def sandbox_of(request: Request) -> SandboxPort:
    return request.scope[SANDBOX_KEY]


def ledger_of(request: Request, principal: Principal) -> Ledger:
    """The ledger of the tenant the caller's token belongs to."""
    return sandbox_of(request).ledger(principal.tenant_id)


def query(request: Request) -> dict[str, str]:
    """The query string as a dict (the last value of a repeated key wins), parsed once per request."""
    parsed = request.scope.get(QUERY_KEY)
    if parsed is None:
        raw = request.scope.get("query_string", b"").decode("latin-1")
        if not raw:
            parsed = {}
        elif "%" in raw or "+" in raw:
            parsed = dict(parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="replace"))
        else:  # the common case: no escapes, so a plain split gives what parse_qsl would
            parsed = {}
            for pair in raw.split("&"):
                if pair:
                    key, _, value = pair.partition("=")
                    parsed[key] = value
        request.scope[QUERY_KEY] = parsed
    return parsed


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json_type(kind: str) -> bool:
    return kind in JSON_TYPES or (kind.startswith("application/") and kind.endswith("+json"))


async def read_json(
    request: Request, schema: str | None = None, *, required: bool = True, invalid: str = "MOCK-422-validation-failed"
) -> dict[str, Any]:
    """The JSON object body, validated against ``contracts/schemas/<schema>.schema.json``.

    Empty body: ``invalid`` when ``required`` (one error at ``$``), else ``{}``. Wrong Content-Type: 415.
    Malformed JSON: 400. Not an object, wrong types, missing fields: ``invalid`` (422 unless the operation
    documents another code), one entry per problem.
    """
    body = await request.body()
    if not body.strip():
        if required:
            raise ApiError(invalid, errors=[FieldError("$", "a JSON object body is required")])
        data: Any = {}
    else:
        kind = media_type(request)
        if not is_json_type(kind):
            raise ApiError(
                "MOCK-415-unsupported-media-type",
                f"Send the body as application/json (got {kind or 'no Content-Type'}).",
            )
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ApiError("MOCK-400-malformed-json", f"The request body is not valid JSON: {exc.msg}.") from None
    if not isinstance(data, dict):
        raise ApiError(invalid, errors=[FieldError("$", "must be a JSON object")])
    if schema is not None:
        problems = contracts.field_errors(schema, data)
        if problems:
            raise ApiError(invalid, errors=problems)
    return data


def query_int(request: Request, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    raw = query(request).get(name)
    if raw is None:
        return None
    try:
        value = int(raw.strip(), 10)
    except ValueError:
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, "must be an integer")]) from None
    if minimum is not None and value < minimum:
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, f"must be at least {minimum}")])
    if maximum is not None and value > maximum:
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, f"must be at most {maximum}")])
    return value


def query_choice(request: Request, name: str, choices: tuple[str, ...]) -> str | None:
    raw = query(request).get(name)
    if raw is not None and raw not in choices:
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, "must be one of " + ", ".join(choices))])
    return raw


INT64_MAX = 2**63 - 1


def path_int(request: Request, name: str) -> int:
    """An int64 path parameter, or 400 (Spring answers a type mismatch with 400)."""
    raw = request.path_params[name]
    try:
        value = int(raw, 10)
    except ValueError:
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, "must be an integer")]) from None
    if not 0 <= value <= INT64_MAX:
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, "must be a positive int64")])
    return value


def warn(request: Request, warnings: list[str]) -> None:
    """Record leniencies (guide-style aliases accepted): an ``Osigu-Mock-Warning`` header each, and a
    journal flag. The middleware writes both."""
    if warnings:
        request.scope.setdefault("state", {}).setdefault("warnings", []).extend(warnings)


def settings_of(request: Request):
    return request.scope[SETTINGS_KEY]


def strict(request: Request) -> bool:
    return request.scope[SETTINGS_KEY].strict


def render_page(request: Request, items: Sequence[Any]) -> Response:
    """One page of ``items`` by the request's ``page`` and ``size`` (400 when they are bad)."""
    params = query(request)
    return render(paginate(items, PageRequest.from_query(params), request.url.path, params))


def product_type_param(
    value: str | None, *, strict: bool, warnings: list[str], name: str = "product_type"
) -> str | None:
    """A ``product_type`` query parameter: None when absent, 400 when unknown (or empty)."""
    if value is None:
        return None
    canonical, warning = normalize_product_type(value, strict=strict)
    if canonical is None:
        allowed = ", ".join(PRODUCT_TYPES) + ("" if strict else " (or " + ", ".join(GUIDE_PRODUCT_TYPES) + ")")
        raise ApiError("MOCK-400-invalid-parameter", errors=[FieldError(name, f"must be one of {allowed}")])
    if warning:
        warnings.append(warning)
    return canonical


def decode_base64(text: str, path: str) -> bytes:
    """A Base64 field of a JSON body, or 422 naming it."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError("MOCK-422-validation-failed", errors=[FieldError(path, "is not valid Base64")]) from None


def base_url(request: Request) -> str:
    """This mock's origin as the caller reached it (links the mock hands out work without a tenant header)."""
    return str(request.base_url).rstrip("/")


def challenge_url(request: Request, challenge_id: str) -> str:
    """The page a verification challenge opens (``mock_server.api.challenges``)."""
    return f"{base_url(request)}/challenges/{challenge_id}"


def with_challenge_url(request: Request, error: ApiError) -> ApiError:
    """A ``verification_required`` error names its challenge; the body also carries the page's URL."""
    challenge_id = error.extra.get("challenge_id")
    if challenge_id is not None:
        error.extra["challenge_url"] = challenge_url(request, challenge_id)
    return error


def _secured(method: str, path: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    scope = auth.required_scope(method, path)

    async def endpoint(request: Request) -> Response:
        principal = None
        if scope is not None:
            token = auth.bearer_token(request.headers.get("authorization"))
            try:
                principal = sandbox_of(request).authenticate(token)
            except ApiError as error:
                raise auth.authenticated(error) from None
            state = request.scope.setdefault("state", {})
            state["tenant_id"] = principal.tenant_id
            state["client_id"] = principal.client_id
            state["provider_slug"] = principal.provider_slug
            auth.require_scope(principal, scope)
        return await handler(request, principal)

    return endpoint


def api_route(path: str, **handlers: Handler) -> Route:
    """One route for ``path`` whose methods are the keyword names (``get=``, ``post=``...).

    Authentication and the scope check come from the scope table, in one place; a method the path
    does not serve is a 405 with an ``Allow`` header.
    """
    table = {method.upper(): _secured(method.upper(), path, handler) for method, handler in handlers.items()}

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await table[method](request)

    dispatch.__name__ = "route_" + path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    return Route(path, endpoint=dispatch, methods=list(table))
