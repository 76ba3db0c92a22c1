"""Pre-authorizations: ``/arc/v1/authorization-requests`` and ``/arc/v1/authorizations``."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from mock_server.api._http import (
    api_route,
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
)
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import authorizations as authz
from mock_server.domain import verification
from mock_server.domain.oauth import Principal

__all__ = ["routes"]

AUTHORIZATION_STATUSES = ("PENDING_REVIEW", "READY", "PARTIALLY_CLAIMED", "CLAIMED", "VOIDED", "PAID")


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def initiate(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "authorization-request-create")
    ledger = ledger_of(request, principal)
    created, warnings = authz.initiate(ledger, principal, body, strict=strict(request))
    warn(request, warnings)
    location = f"/arc/v1/authorization-requests/{created.id}"
    return render(authz.request_view(ledger, created), 201, {"Location": location})


async def get_request(request: Request, principal: Principal) -> Response:
    ledger = ledger_of(request, principal)
    found = authz.request_of(ledger, principal.provider_slug, path_int(request, "request_id"))
    return render(authz.request_view(ledger, found))


async def attach_indication(request: Request, principal: Principal) -> Response:
    request_id = path_int(request, "request_id")
    kind = media_type(request)
    if kind == "multipart/form-data":
        document_type, file_name, content = await _read_multipart(request)
    else:
        body = await read_json(request, "indication-upload-request")
        document_type = body["document_type"]
        file_name = body.get("file_name", "")
        content = authz.decode_base64(body["content_base64"])
    ledger = ledger_of(request, principal)
    document = authz.attach_indication(ledger, principal.provider_slug, request_id, document_type, file_name, content)
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
    ledger = ledger_of(request, principal)
    completed = authz.complete(ledger, principal.provider_slug, request_id, body, base_url(request))
    return render(authz.request_view(ledger, completed))


async def biometrics(request: Request, principal: Principal) -> Response:
    request_id = path_int(request, "request_id")
    body = await read_json(request, "biometric-reading-request")
    ledger = ledger_of(request, principal)
    found = authz.request_of(ledger, principal.provider_slug, request_id)
    return render(verification.read_biometric(ledger, found, body["type"], body["reading_base64"]), 201)


async def list_authorizations(request: Request, principal: Principal) -> Response:
    ledger = ledger_of(request, principal)
    items = authz.list_authorizations(
        ledger,
        principal.provider_slug,
        status=query_choice(request, "status", AUTHORIZATION_STATUSES),
        sponsor_slug=query(request).get("sponsor_slug"),
        beneficiary_id=query_int(request, "beneficiary_id", minimum=0),
    )
    return render_page(request, items)


async def get_authorization(request: Request, principal: Principal) -> Response:
    ledger = ledger_of(request, principal)
    found = authz.authorization_of(ledger, principal.provider_slug, path_int(request, "authorization_id"))
    return render(authz.authorization_view(ledger, found))


async def void_authorization(request: Request, principal: Principal) -> Response:
    authorization_id = path_int(request, "authorization_id")
    body = await read_json(request, "authorization-void-request", required=False)
    ledger = ledger_of(request, principal)
    voided = authz.void(ledger, principal.provider_slug, authorization_id, body.get("reason"))
    return render(authz.authorization_view(ledger, voided))


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
