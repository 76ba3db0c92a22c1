"""How a dispensation looks on the wire (``contracts/schemas/dispensation.schema.json``): always with its
lines priced (``id``, ``product_code``, ``quantity``, ``price``, ``taxes``, and the guide's ``unit_price``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.core.clock import format_instant, format_optional_instant
from mock_server.domain.claims import Claims
from mock_server.domain.claims.views import invoice_view
from mock_server.domain.dispensing.records import Dispensation, DispensationLine

if TYPE_CHECKING:
    from mock_server.domain.dispensing.backend import Dispensing

__all__ = ["dispensation_view", "line_view"]


def line_view(line: DispensationLine) -> dict[str, Any]:
    return {
        "id": str(line.line_id),
        "product_code": line.product_code,
        "product_name": line.product_name,
        "quantity": line.quantity,
        "price": line.price,
        "unit_price": line.price,
        "taxes": line.taxes,
        "substitute_product_code": line.substitute_product_code,
        "substitute_product_name": line.substitute_product_name,
        "substitute_quantity": line.substitute_quantity,
        "substitution_reason": line.substitution_reason,
        "substitution_reason_enum": line.substitution_reason_enum,
        "substitution_other_description": line.substitution_other_description,
    }


def dispensation_view(dispensing: Dispensing, dispensation: Dispensation) -> dict[str, Any]:
    invoice = dispensation.invoice
    claims = dispensing.ledger.area(Claims)
    claim = claims.claims.get(dispensation.claim_id) if dispensation.claim_id is not None else None
    return {
        "dispensation_id": dispensation.dispensation_id,
        "status": dispensation.status,
        "code": dispensation.code,
        "code_type": dispensation.code_type,
        "authorization_id": dispensation.authorization_id,
        "prescription_id": dispensation.prescription_id,
        "beneficiary_id": dispensation.beneficiary_id,
        "sponsor_slug": dispensation.sponsor_slug,
        "provider_slug": dispensation.provider_slug,
        "provider_branch_id": dispensation.branch_id,
        "currency_code": dispensation.currency_code,
        "products": [line_view(line) for line in dispensation.lines],
        "amount": dispensation.total,
        "verification_required": dispensation.verification_required,
        "challenge_id": dispensation.challenge_id,
        "invoice": None if invoice is None else {"amount": invoice.amount, **invoice_view(invoice)},
        "claim_id": dispensation.claim_id,
        "claim": None if claim is None else claims.provider_claim_view(claim),
        "created_at": format_instant(dispensation.created_at),
        "updated_at": format_instant(dispensation.updated_at),
        "times_out_at": format_optional_instant(dispensation.times_out_at),
        "completed_at": format_optional_instant(dispensation.completed_at),
        "cancelled_at": format_optional_instant(dispensation.cancelled_at),
        "cancel_reason": dispensation.cancel_reason,
    }
