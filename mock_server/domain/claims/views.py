"""How claims look on the wire: ProviderClaimResource (every claim, in ``GET /arc/v1/claims``), the
outpatient-care claim and its monitor (OutpatientCareClaimMonitorResponse), MedicalProcedureClaimResource
(``contracts/schemas/provider-claim.schema.json``, ``outpatient-care-claim.schema.json``,
``outpatient-care-claim-monitor.schema.json``, ``medical-procedure-claim.schema.json``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant, format_optional_instant
from mock_server.domain.authorizations import Authorizations
from mock_server.domain.claims.records import Claim, ClaimLine, Invoice, Monitor, MonitorStatus

if TYPE_CHECKING:
    from mock_server.domain.claims.backend import Claims

__all__ = [
    "claim_path",
    "invoice_view",
    "monitor",
    "monitor_path",
    "outpatient_claim",
    "procedure_claim",
    "provider_claim",
]

ABOVE_LIST_PRICES = "The claimed amount is above the list prices of the claimed products."


def claim_path(claim_id: int) -> str:
    return f"/arc/v1/outpatient-care-claim/{claim_id}"


def monitor_path(monitor_id: str) -> str:
    return f"/arc/v1/outpatient-care-claim/monitors/{monitor_id}"


def line_view(line: ClaimLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "product_code": line.product_code,
        "product_name": line.product_name,
        "product_type": line.product_type,
        "quantity": line.quantity,
        "price": line.price,
        "taxes": line.taxes,
        "authorization_product_id": line.authorization_product_id,
        "substitute_product_code": line.substitute_product_code,
    }


def invoice_view(invoice: Invoice | None) -> dict[str, Any]:
    """The invoice fields, null until the claim (or dispensation) is completed."""
    return {
        "document_number": invoice.document_number if invoice else None,
        "document_serial": invoice.document_serial if invoice else None,
        "document_date": invoice.document_date if invoice else None,
        "document_digital_signature": invoice.document_digital_signature if invoice else None,
        "provider_transaction_id": invoice.provider_transaction_id if invoice else None,
    }


def _branch_name(claims: Claims, claim: Claim) -> str | None:
    provider = claims.world.provider(claim.provider_slug)
    if provider is None:
        return None
    branch = next((b for b in provider.branches if b.branch_id == claim.branch_id), None)
    return branch.name if branch else provider.name


def provider_claim(claims: Claims, claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "claim_type": claim.claim_type,
        "status": claim.status,
        "beneficiary_id": claim.beneficiary_id,
        "authorization_id": claim.authorization_id,
        "authorization_code": claim.authorization_code,
        "prescription_id": claim.prescription_id,
        "dispensation_id": claim.dispensation_id,
        "sponsor_slug": claim.sponsor_slug,
        "sponsor_transaction_id": claim.sponsor_transaction_id,
        "provider_branch_name": _branch_name(claims, claim),
        **invoice_view(claim.invoice),
        "currency": claim.currency_code,
        "claimed_amount": claim.claimed_amount,
        "copayment_amount": claim.copayment_amount,
        "coinsurance_amount": claim.coinsurance_amount,
        "deductible_amount": claim.deductible_amount,
        "covered_amount": claim.covered_amount,
        "minimum_total_amount": 0.0,
        "maximum_total_amount": claim.maximum_total_amount,
        "amount_validation_error": ABOVE_LIST_PRICES
        if claim.claimed_amount > claim.maximum_total_amount + 0.01
        else None,
        "products": [line_view(line) for line in claim.lines],
        "created_at": format_instant(claim.created_at),
        "updated_at": format_instant(claim.updated_at),
        "completed_at": format_optional_instant(claim.completed_at),
        "voided_at": format_optional_instant(claim.voided_at),
        "settlement_id": claim.settlement_id,
        "paid_at": format_optional_instant(claim.paid_at),
    }


def _files(claims: Claims, claim: Claim) -> list[dict[str, Any]]:
    """The indication files the claim inherits from its pre-authorization."""
    if claim.authorization_id is None:
        return []
    authz = claims.ledger.area(Authorizations)
    authorization = authz.authorizations.get(claim.authorization_id)
    request = authz.requests.get(authorization.authorization_request_id) if authorization else None
    if request is None:
        return []
    return [
        {"id": d.id, "document_type": d.document_type, "file_name": d.file_name, "size": d.size, "sha256": d.sha256}
        for d in request.documents
    ]


def _amounts(claim: Claim) -> dict[str, Any]:
    return {
        "amount": claim.claimed_amount,
        "copayment": claim.copayment_amount,
        "coinsurance": claim.coinsurance_amount,
        "sponsor_transaction_id": claim.sponsor_transaction_id,
    }


def outpatient_claim(claims: Claims, claim: Claim) -> dict[str, Any]:
    doctor = claim.doctor
    return {
        "claim_id": claim.id,
        "status": claim.status,
        "beneficiary_id": claim.beneficiary_id,
        "sponsor_slug": claim.sponsor_slug,
        "authorization_id": claim.authorization_id,
        **_amounts(claim),
        "currency_code": claim.currency_code,
        "doctor_name": doctor.name if doctor else None,
        "doctor_medical_license_number": doctor.medical_license_number if doctor else None,
        "doctor_country_code": doctor.country_code if doctor else None,
        "doctor_specialty_name": doctor.specialty_name if doctor else None,
        "diagnoses": [{"coding_system": "ICD-10", "code": code} for code in claim.diagnoses],
        "line_items": [line_view(line) for line in claim.lines],
        "files": _files(claims, claim),
        **invoice_view(claim.invoice),
        "created_at": format_instant(claim.created_at),
        "updated_at": format_instant(claim.updated_at),
    }


def procedure_claim(claims: Claims, claim: Claim) -> dict[str, Any]:
    products = []
    for line in claim.lines:
        product = claims.world.product(line.product_code)
        products.append(
            {
                "product_id": product.product_id if product else None,
                "provider_slug": claim.provider_slug,
                "provider_product_code": line.product_code,
                "product_code": line.product_code,
                "product_name": line.product_name,
                "quantity": line.quantity,
                "authorized_quantity": line.quantity,
                "price": line.price,
                "status": "APPROVED",
                "reason": None,
            }
        )
    return {
        "claim_id": claim.id,
        **_amounts(claim),
        "products": products,
        "additional_notes": claim.additional_notes,
        "status": claim.status,
        "authorization_id": claim.authorization_id,
        "beneficiary_id": claim.beneficiary_id,
        "sponsor_slug": claim.sponsor_slug,
        "currency_code": claim.currency_code,
        **invoice_view(claim.invoice),
        "created_at": format_instant(claim.created_at),
        "updated_at": format_instant(claim.updated_at),
    }


def monitor(claims: Claims, record: Monitor) -> dict[str, Any]:
    claim = claims.claims.get(record.claim_id) if record.claim_id is not None else None
    done = record.status == MonitorStatus.COMPLETED and claim is not None
    return {
        "monitor_resource": {
            "id": record.id,
            "status": record.status,
            "error": record.error_message,
            "location": claim_path(claim.id) if done else monitor_path(record.id),
            "error_code": record.error_code,
            "error_details": record.error_details,
        },
        "outpatient_care_claim_resource": {"claim_id": claim.id, **_amounts(claim)} if done else None,
    }
