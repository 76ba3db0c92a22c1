"""Initiate and indications: a provider's request, checked and stored as ``PENDING_INDICATION``
(``contracts/openapi.yaml``: createAuthorizationRequest, uploadIndication).

Initiate accepts two body shapes: the schema page's (CreatePendingAuthorizationRequest: ``diagnoses[]``,
``treatments[]``, ``products[]``, doctor fields) and the guide's (``diagnosis_code``, ``products[]`` with
the guide's product type names), the latter reported as a leniency warning and refused with
``--strict``. It checks the sponsor's rules (required fields, accepted authorization types, service type
codes, branches, covered product types), the catalogues, the provider's registered products (OSIGU's
``071-104``) and the beneficiary's coverage.

An indication is a PDF, PNG or JPEG (by its first bytes; the declared type is not trusted) of at most
5 MiB, attached while the request is ``PENDING_INDICATION``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.authorizations.records import (
    AuthorizationRequest,
    AuthorizationType,
    DiagnosisLine,
    Document,
    DocumentType,
    RequestDetails,
    RequestLine,
    RequestStatus,
)
from mock_server.domain.catalog import normalize_product_type
from mock_server.domain.doctor import Doctor
from mock_server.domain.reference import PRODUCT_TYPES, Product, ProductType, Provider, Sponsor
from mock_server.domain.registrations import Registrations

if TYPE_CHECKING:
    from mock_server.domain.authorizations.backend import Authorizations
    from mock_server.domain.tokens import Principal
    from mock_server.domain.world import World

__all__ = ["MAX_DOCUMENT_BYTES", "attach_indication", "initiate"]

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# File formats by their first bytes.
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass
class _Draft:
    """A product line as the request names it, before it is stored."""

    product: Product
    quantity: int
    posology: str | None
    duration: int | None
    path: str


def initiate(
    authz: Authorizations, principal: Principal, body: dict[str, Any], *, strict: bool
) -> tuple[AuthorizationRequest, list[str]]:
    world = authz.world
    problems: list[FieldError] = []
    warnings: list[str] = []
    sponsor = world.sponsor(body["sponsor_slug"])
    if sponsor is None:
        raise ApiError(
            "MOCK-422-validation-failed", errors=[FieldError("sponsor_slug", "is not a sponsor of this provider")]
        )
    beneficiary = world.beneficiary(body["beneficiary_id"])
    if beneficiary is None or beneficiary.sponsor_slug != sponsor.sponsor_slug:
        problems.append(FieldError("beneficiary_id", f"is not a beneficiary of {sponsor.sponsor_slug}"))
    diagnoses = _diagnoses(world, body, strict, problems, warnings)
    drafts = _products(world, body, strict, problems, warnings) + _treatments(world, body, problems)
    if not body.get("products") and not body.get("treatments"):
        problems.append(FieldError("products", "is required (at least one product or treatment)"))
    _check_sponsor_rules(sponsor, world.provider(principal.provider_slug), body, drafts, problems)
    named = [(f"{d.path}.product_code", d.product) for d in drafts]
    authz.ledger.area(Registrations).check(principal.provider_slug, named, problems)
    if not beneficiary.coverage_active(authz.ledger.today()):
        raise ApiError(
            "MOCK-422-coverage-inactive",
            f"Beneficiary {beneficiary.beneficiary_id}'s coverage is not active (until {beneficiary.effective_until}).",
            errors=[FieldError("beneficiary_id", "has no active coverage")],
        )
    request = _store(authz, principal, body, diagnoses, drafts)
    return request, warnings


def _diagnoses(
    world: World, body: dict[str, Any], strict: bool, problems: list[FieldError], warnings: list[str]
) -> list[tuple[str, str, str | None]]:
    """``(coding system, code, type)`` from either body shape."""
    diagnoses = []
    if body.get("diagnoses"):
        for d in body["diagnoses"]:
            diagnoses.append((d["coding_system"], d["code"].strip().upper(), d.get("type") or d.get("type_enum")))
    elif body.get("diagnosis_code") is not None:
        if strict:
            problems.append(
                FieldError(
                    "diagnosis_code",
                    "the guide's diagnosis_code is not accepted with --strict; send diagnoses[{coding_system, code}]",
                )
            )
        else:
            warnings.append("diagnosis_code accepted as diagnoses[{coding_system: ICD-10, code}] (guide body)")
        diagnoses.append(("ICD-10", str(body["diagnosis_code"]).strip().upper(), None))
    else:
        problems.append(FieldError("diagnoses", "is required (at least one ICD-10 code)"))
    for index, (_, code, _) in enumerate(diagnoses):
        if code not in world.diagnosis_codes:
            path = "diagnosis_code" if body.get("diagnosis_code") is not None else f"diagnoses[{index}].code"
            problems.append(FieldError(path, f"{code} is not an ICD-10 code of the catalogue"))
    return diagnoses


def _products(
    world: World, body: dict[str, Any], strict: bool, problems: list[FieldError], warnings: list[str]
) -> list[_Draft]:
    drafts = []
    for index, item in enumerate(body.get("products") or []):
        path = f"products[{index}]"
        product = world.product(item["product_code"]) if item.get("product_code") else None
        if product is None and item.get("product_id") is not None:
            product = world.products_by_id.get(item["product_id"])
        if product is None:
            problems.append(FieldError(f"{path}.product_code", "is not in the global catalogue"))
            continue
        declared = item.get("product_type")
        if declared is not None:
            canonical, warning = normalize_product_type(declared, strict=strict)
            if canonical is None:
                problems.append(FieldError(f"{path}.product_type", "must be one of " + ", ".join(PRODUCT_TYPES)))
                continue
            if warning:
                warnings.append(warning)
            if canonical != product.product_type:
                problems.append(
                    FieldError(f"{path}.product_type", f"{product.product_code} is a {product.product_type}")
                )
                continue
        drafts.append(
            _Draft(product, item["quantity"], item.get("posology"), item.get("treatment_duration_days"), path)
        )
    return drafts


def _treatments(world: World, body: dict[str, Any], problems: list[FieldError]) -> list[_Draft]:
    drafts = []
    for index, treatment in enumerate(body.get("treatments") or []):
        path = f"treatments[{index}]"
        product = next(
            (world.products_by_id.get(pid) for pid in treatment.get("product_ids", []) if pid in world.products_by_id),
            None,
        )
        if product is None or product.product_type != ProductType.DRUG:
            problems.append(FieldError(f"{path}.product_ids", "name no medication of the catalogue"))
            continue
        quantity = treatment.get("quantity") or treatment["treatment_duration_days"]
        drafts.append(_Draft(product, quantity, treatment.get("posology"), treatment["treatment_duration_days"], path))
    return drafts


def _check_sponsor_rules(
    sponsor: Sponsor, provider: Provider, body: dict[str, Any], drafts: list[_Draft], problems: list[FieldError]
) -> None:
    for name in sponsor.required_request_fields:
        if body.get(name) in (None, ""):
            problems.append(FieldError(name, f"is required by {sponsor.sponsor_slug}"))
    kind = body.get("authorization_type")
    if kind is None and sponsor.authorization_types_required:
        problems.append(FieldError("authorization_type", f"is required by {sponsor.sponsor_slug}"))
    elif kind is not None and kind not in sponsor.authorization_types:
        problems.append(FieldError("authorization_type", "must be one of " + ", ".join(sponsor.authorization_types)))
    code = body.get("service_type_code")
    if code is not None and sponsor.service_type_codes and code not in sponsor.service_type_codes:
        problems.append(FieldError("service_type_code", "must be one of " + ", ".join(sponsor.service_type_codes)))
    branch = body.get("provider_branch_id")
    if branch is not None and branch not in {b.branch_id for b in provider.branches}:
        problems.append(FieldError("provider_branch_id", "is not a branch of this provider"))
    for draft in drafts:
        if not sponsor.covers(draft.product.product_type):
            problems.append(
                FieldError(
                    f"{draft.path}.product_type",
                    f"{sponsor.sponsor_slug} does not cover {draft.product.product_type}",
                )
            )


def _store(
    authz: Authorizations,
    principal: Principal,
    body: dict[str, Any],
    diagnoses: list[tuple[str, str, str | None]],
    drafts: list[_Draft],
) -> AuthorizationRequest:
    ids = authz.ids
    now = authz.clock.timestamp()
    request = AuthorizationRequest(
        id=ids.next_id("authorization_request"),
        provider_slug=principal.provider_slug,
        client_id=principal.client_id,
        beneficiary_id=body["beneficiary_id"],
        sponsor_slug=body["sponsor_slug"],
        status=RequestStatus.PENDING_INDICATION,
        diagnoses=[DiagnosisLine(ids.next_id("diagnosis"), system, code, kind) for system, code, kind in diagnoses],
        lines=[
            RequestLine(
                ids.next_id("request_line"),
                d.product.product_id,
                d.product.product_code,
                d.product.name,
                d.product.product_type,
                d.quantity,
                d.posology,
                d.duration,
            )
            for d in drafts
        ],
        doctor=Doctor(
            name=body.get("doctor_name"),
            medical_license_number=body.get("doctor_medical_license_number") or body.get("professional_license_number"),
            country_code=body.get("doctor_country_code"),
            specialty_name=body.get("doctor_specialty_name"),
        ),
        details=_details(body),
        created_at=now,
        updated_at=now,
    )
    authz.requests[request.id] = request
    return request


def _details(body: dict[str, Any]) -> RequestDetails:
    kind = body.get("authorization_type")
    return RequestDetails(
        provider_branch_id=body.get("provider_branch_id"),
        service_type_code=body.get("service_type_code"),
        authorization_type=AuthorizationType(kind) if kind is not None else None,
        professional_license_number=body.get("professional_license_number"),
        beneficiary_email=body.get("beneficiary_email"),
        beneficiary_phone_number=body.get("beneficiary_phone_number"),
        provider_notification_email=body.get("provider_notification_email"),
    )


def attach_indication(
    authz: Authorizations,
    provider_slug: str,
    request_id: int,
    document_type: str,
    file_name: str,
    content: bytes,
    content_field: str = "file",
) -> Document:
    """Attach a file; ``content_field`` names the request field that carried it (for the errors' paths)."""
    request = authz.request_of(provider_slug, request_id)
    if request.status != RequestStatus.PENDING_INDICATION:
        raise ApiError(
            "MOCK-409-request-not-pending", f"The request is {request.status}; indications go before complete."
        )
    if document_type not in DocumentType.__members__:
        raise ApiError(
            "MOCK-422-validation-failed",
            errors=[FieldError("document_type", "must be one of " + ", ".join(DocumentType))],
        )
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ApiError(
            "MOCK-413-payload-too-large",
            f"The file is {len(content)} bytes; at most 5 MiB is accepted.",
            errors=[FieldError(content_field, "is larger than 5 MiB")],
        )
    content_type = next((kind for magic, kind in SIGNATURES if content.startswith(magic)), None)
    if content_type is None:
        raise ApiError(
            "MOCK-415-unsupported-media-type",
            "The file must be a PDF, PNG or JPEG.",
            errors=[FieldError(content_field, "is not a PDF, PNG or JPEG")],
        )
    document = Document(
        id=authz.ids.next_id("document"),
        document_type=DocumentType(document_type),
        file_name=file_name or f"{document_type.lower()}.{content_type.rsplit('/', 1)[1]}",
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=authz.clock.timestamp(),
    )
    request.documents.append(document)
    request.updated_at = document.created_at
    return document
