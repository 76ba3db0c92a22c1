"""``POST /v1/oauth/token``: client credentials, as OSIGU documents them (``contracts/openapi.yaml``,
getAccessToken): HTTP Basic ``client_id:client_secret``, ``grant_type=client_credentials`` in a form body
or the query string."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.auth import parse_basic, with_basic_challenge
from mock_server.api.http import FORM_TYPE, api_route, media_type, query, render, sandbox_of
from mock_server.core.errors import ApiError
from mock_server.domain.tokens import Principal

__all__ = ["routes"]


async def issue_token(request: Request, _: Principal | None) -> Response:
    body = await request.body()
    grant_type = query(request).get("grant_type")
    if body.strip():
        kind = media_type(request)
        if kind != FORM_TYPE:
            raise ApiError(
                "MOCK-415-unsupported-media-type",
                f"Send grant_type as {FORM_TYPE} or in the query string (got {kind or 'no Content-Type'}).",
            )
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        if "grant_type" in form:
            grant_type = form["grant_type"][0]
    client_id, secret = parse_basic(request.headers.get("authorization"))
    sandbox = sandbox_of(request)
    _note_client(request, sandbox.client(client_id))
    try:
        result = sandbox.issue_token(client_id, secret, grant_type)
    except ApiError as error:
        raise with_basic_challenge(error) from None
    return render(result, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _note_client(request: Request, client) -> None:
    """Let the journal file the request under the client's tenant, even when it fails."""
    if client is not None:
        state = request.scope.setdefault("state", {})
        state["tenant_id"] = client.tenant_id
        state["client_id"] = client.client_id
        state["provider_slug"] = client.provider_slug


routes = [api_route("/v1/oauth/token", post=issue_token)]
