"""How requests and authorizations look on the wire: AuthorizationRequestResource, AuthorizationResource,
ProductResource and the abridged list item (``contracts/schemas/authorization-request.schema.json``,
``authorization.schema.json``, ``product-resource.schema.json``, ``provider-authorization-abridged.schema.json``),
and what ``GET /__admin/explain?code=`` says of an authorization code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant
from mock_server.core.errors import ApiError
from mock_server.domain import identity
from mock_server.domain.authorizations.records import (
    Authorization,
    AuthorizationLine,
    AuthorizationRequest,
)
from mock_server.domain.codes import CodeType
from mock_server.domain.doctor import Doctor
from mock_server.domain.reference import VerificationRule

if TYPE_CHECKING:
    from mock_server.domain.authorizations.backend import Authorizations

__all__ = ["abridged_view", "authorization_view", "explain", "line_view", "request_view"]

_DETAILS_SHOWN = ("provider_branch_id", "service_type_code", "authorization_type", "professional_license_number")


def _doctor_fields(doctor: Doctor) -> dict[str, Any]:
    return {
        "doctor_medical_license_number": doctor.medical_license_number,
        "doctor_country_code": doctor.country_code,
        "doctor_specialty_name": doctor.specialty_name,
        "doctor_name": doctor.name,
    }


def _abridged_beneficiary(authz: Authorizations, beneficiary_id: int) -> dict[str, Any]:
    world = authz.world
    beneficiary = world.beneficiary(beneficiary_id)
    holder = world.beneficiary(beneficiary.holder_id) if beneficiary.holder_id else beneficiary
    return {
        "id": beneficiary.beneficiary_id,
        "name": f"{beneficiary.first_name} {beneficiary.last_name}",
        "identity_document_type": identity.IDENTITY_DOCUMENT_TYPE[beneficiary.document_type],
        "identity_document_id": beneficiary.document_number,
        "date_of_birth": f"{beneficiary.date_of_birth}T00:00:00.000Z",
        "employer_name": None,
        "policy_number": holder.member_id,
        "certificate": "CERT01",
        "policy_holder_name": f"{holder.first_name} {holder.last_name}",
    }


def line_view(line: AuthorizationLine, provider_slug: str) -> dict[str, Any]:
    return {
        "id": line.id,
        "product_id": line.product_id,
        "product_code": line.product_code,
        "product_name": line.product_name,
        "product_type_slug": line.product_type,
        "treatment_duration_days": line.treatment_duration_days,
        "quantity": line.quantity,
        "authorized_quantity": line.authorized_quantity,
        "claimed_quantity": line.claimed_quantity,
        "status": line.status,
        "reason": line.reason,
        "posology": line.posology,
        "provider_products": [{"provider_slug": provider_slug, "provider_product_code": line.product_code}],
    }


def authorization_view(authz: Authorizations, authorization: Authorization) -> dict[str, Any]:
    return {
        "id": authorization.id,
        "code": authorization.code,
        "authorization_request_id": authorization.authorization_request_id,
        "beneficiary_id": authorization.beneficiary_id,
        "beneficiary": _abridged_beneficiary(authz, authorization.beneficiary_id),
        "sponsor_slug": authorization.sponsor_slug,
        "sponsor_authorization_code": authorization.sponsor_authorization_code,
        **_doctor_fields(authorization.doctor),
        "manual_review_required": authorization.manual_review_required,
        "manually_approved": authorization.manually_approved,
        "coverage_type": authorization.coverage_type,
        "product_type": authorization.product_type,
        "payment_type": authorization.payment_type,
        "status": authorization.status,
        "created_at": format_instant(authorization.created_at),
        "updated_at": format_instant(authorization.updated_at),
        "expires_at": format_instant(authorization.expires_at),
        "voided_by": authorization.voided_by,
        "products": [line_view(line, authorization.provider_slug) for line in authorization.lines],
    }


def abridged_view(authz: Authorizations, authorization: Authorization) -> dict[str, Any]:
    return {
        "id": authorization.id,
        "code": authorization.code,
        "beneficiary_id": authorization.beneficiary_id,
        "beneficiary": _abridged_beneficiary(authz, authorization.beneficiary_id),
        "sponsor_slug": authorization.sponsor_slug,
        "doctor_medical_license_number": authorization.doctor.medical_license_number,
        "coverage_type": authorization.coverage_type,
        "product_type": authorization.product_type,
        "status": authorization.status,
        "created_at": format_instant(authorization.created_at),
        "expires_at": format_instant(authorization.expires_at),
    }


def request_view(authz: Authorizations, request: AuthorizationRequest) -> dict[str, Any]:
    details = {key: getattr(request.details, key) for key in _DETAILS_SHOWN}
    return {
        "id": request.id,
        "beneficiary_id": request.beneficiary_id,
        "sponsor_slug": request.sponsor_slug,
        **_doctor_fields(request.doctor),
        "status": request.status,
        "rejection_reason": request.rejection_reason,
        "created_at": format_instant(request.created_at),
        "created_by": request.client_id,
        "updated_at": format_instant(request.updated_at),
        "updated_by": request.client_id,
        "diagnoses": [
            {"id": d.id, "coding_system": d.coding_system, "code": d.code, "status": d.status, "reason": d.reason}
            for d in request.diagnoses
        ],
        "products": [
            {
                "id": line.line_id,
                "product_id": line.product_id,
                "product_code": line.product_code,
                "product_name": line.product_name,
                "product_type": line.product_type,
                "quantity": line.quantity,
                "posology": line.posology,
                "status": line.status,
                "reason": line.reason,
                "authorization_id": line.authorization_id,
            }
            for line in request.lines
        ],
        "documents": [
            {"id": d.id, "document_type": d.document_type, "file_name": d.file_name, "size": d.size, "sha256": d.sha256}
            for d in request.documents
        ],
        **details,
        "authorizations": [authorization_view(authz, authz.authorizations[i]) for i in request.authorization_ids],
    }


def explain(authz: Authorizations, authorization: Authorization) -> dict[str, Any]:
    """What redeeming an authorization's code would do now (``GET /__admin/explain?code=``)."""
    rule = authz.world.sponsors[authorization.sponsor_slug].rules[authorization.product_type]
    remaining = authorization.remaining_quantity
    try:
        authz.check_redeemable(authorization)  # the rules a dispensation's start applies
        redeemable, why_not = True, None
    except ApiError as refused:
        redeemable, why_not = False, refused.message
    return {
        "code": authorization.code,
        "code_type": CodeType.AUTHORIZATION,
        "authorization_id": authorization.id,
        "authorization_request_id": authorization.authorization_request_id,
        "beneficiary_id": authorization.beneficiary_id,
        "sponsor_slug": authorization.sponsor_slug,
        "provider_slug": authorization.provider_slug,
        "status": authorization.status,
        "expires_at": format_instant(authorization.expires_at),
        "redeemable": redeemable,
        "not_redeemable_because": why_not,
        "remaining_quantity": remaining,
        "dispensing": {"verification_required": None if rule.dispense == VerificationRule.NONE else rule.dispense},
        "products": [line_view(line, authorization.provider_slug) for line in authorization.lines],
    }
