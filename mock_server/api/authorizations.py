"""Pre-authorizations: ``/arc/v1/authorization-requests`` and ``/arc/v1/authorizations``
(``contracts/openapi.yaml``, tag ``pre-authorizations``)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import (
    api_route,
    decode_base64,
    ledger_of,
    media_type,
    path_int,
    query,
    query_choice,
    query_int,
    read_json,
    render,
    render_page,
    strict,
    warn,
    with_challenge_url,
)
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.authorizations import AUTHORIZATION_STATES, Authorizations
from mock_server.domain.tokens import Principal

__all__ = ["routes"]


def _area(request: Request, principal: Principal) -> Authorizations:
    return ledger_of(request, principal).area(Authorizations)


async def initiate(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "authorization-request-create")
    authz = _area(request, principal)
    created, warnings = authz.initiate(principal, body, strict=strict(request))
    warn(request, warnings)
    location = f"/arc/v1/authorization-requests/{created.id}"
    return render(authz.request_view(created), 201, {"Location": location})


async def get_request(request: Request, principal: Principal) -> Response:
    authz = _area(request, principal)
    found = authz.request_of(principal.provider_slug, path_int(request, "request_id"))
    return render(authz.request_view(found))


async def attach_indication(request: Request, principal: Principal) -> Response:
    request_id = path_int(request, "request_id")
    field = "file"
    if media_type(request) == "multipart/form-data":
        document_type, file_name, content = await _read_multipart(request)
    else:
        field = "content_base64"
        body = await read_json(request, "indication-upload-request")
        document_type = body["document_type"]
        file_name = body.get("file_name", "")
        content = decode_base64(body["content_base64"], "content_base64")
    authz = _area(request, principal)
    document = authz.attach_indication(principal.provider_slug, request_id, document_type, file_name, content, field)
    return render(
        {
            "id": document.id,
            "authorization_request_id": request_id,
            "document_type": document.document_type,
            "file_name": document.file_name,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
        },
        201,
    )


async def _read_multipart(request: Request) -> tuple[str, str, bytes]:
    """``document_type`` and ``file`` from a multipart body (temporary files closed on the way out)."""
    try:
        async with request.form(max_files=10, max_fields=1000) as form:  # extra parts are ignored
            upload = form.get("file")
            document_type = form.get("document_type")
            has_file = upload is not None and not isinstance(upload, str)
            if not has_file or not isinstance(document_type, str):
                problems = [
                    FieldError(name, "is required")
                    for name, ok in (("file", has_file), ("document_type", isinstance(document_type, str)))
                    if not ok
                ]
                raise ApiError("MOCK-422-validation-failed", errors=problems)
            return document_type, upload.filename or "", await upload.read()
    except HTTPException as exc:  # Starlette's multipart parser: no boundary, bad framing
        raise ApiError("MOCK-400-malformed-body", f"The multipart body cannot be read: {exc.detail}.") from None


async def complete(request: Request, principal: Principal) -> Response:
    request_id = path_int(request, "request_id")
    body = await read_json(request, "authorization-complete-request", required=False)
    authz = _area(request, principal)
    try:
        completed = authz.complete(principal.provider_slug, request_id, body)
    except ApiError as error:
        raise with_challenge_url(request, error) from None
    return render(authz.request_view(completed))


async def biometrics(request: Request, principal: Principal) -> Response:
    request_id = path_int(request, "request_id")
    body = await read_json(request, "biometric-reading-request")
    authz = _area(request, principal)
    return render(authz.read_biometric(principal.provider_slug, request_id, body["type"], body["reading_base64"]), 201)


async def list_authorizations(request: Request, principal: Principal) -> Response:
    authz = _area(request, principal)
    items = authz.list_authorizations(
        principal.provider_slug,
        status=query_choice(request, "status", AUTHORIZATION_STATES.states),
        sponsor_slug=query(request).get("sponsor_slug"),
        beneficiary_id=query_int(request, "beneficiary_id", minimum=0),
    )
    return render_page(request, items)


async def get_authorization(request: Request, principal: Principal) -> Response:
    authz = _area(request, principal)
    found = authz.authorization_of(principal.provider_slug, path_int(request, "authorization_id"))
    return render(authz.authorization_view(found))


async def void_authorization(request: Request, principal: Principal) -> Response:
    authorization_id = path_int(request, "authorization_id")
    body = await read_json(request, "authorization-void-request", required=False)
    authz = _area(request, principal)
    voided = authz.void(principal.provider_slug, authorization_id, body.get("reason"))
    return render(authz.authorization_view(voided))


routes = [
    api_route("/arc/v1/authorization-requests", post=initiate),
    api_route("/arc/v1/authorization-requests/{request_id}", get=get_request),
    api_route("/arc/v1/authorization-requests/{request_id}/indications", post=attach_indication),
    api_route("/arc/v1/authorization-requests/{request_id}/complete", post=complete),
    api_route("/arc/v1/authorization-requests/{request_id}/biometrics", post=biometrics),
    api_route("/arc/v1/authorizations", get=list_authorizations),
    api_route("/arc/v1/authorizations/{authorization_id}", get=get_authorization),
    api_route("/arc/v1/authorizations/{authorization_id}/void", post=void_authorization),
]
