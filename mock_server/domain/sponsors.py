"""Sponsors and beneficiaries: affiliation, search forms, beneficiary search, family groups, the
sponsor configuration, and what each beneficiary will do (``/__admin/explain``).

Everything a sponsor does differently comes from its rules in ``fixtures/world/sponsors.yaml``;
nothing here branches on a sponsor's slug.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import identity
from mock_server.domain.reference import (
    PRODUCT_TYPES,
    Behaviour,
    Beneficiary,
    EvaluationMode,
    Plan,
    SearchForm,
    Sponsor,
    VerificationRule,
)
from mock_server.domain.world import World

__all__ = [
    "PreauthorizationOutcome",
    "behaviour_of",
    "beneficiary_view",
    "configuration",
    "dependants",
    "explain",
    "forms",
    "search",
    "sponsor_or_404",
    "sponsors",
]

# ISO 4217 data for the currencies the world uses (the schema pages' Currency object).
CURRENCIES = {
    "COP": {"default_fraction_digits": 2, "numeric_code": 170, "symbol": "COL$", "display_name": "Colombian Peso"},
    "GTQ": {"default_fraction_digits": 2, "numeric_code": 320, "symbol": "Q", "display_name": "Guatemalan Quetzal"},
    "MXN": {"default_fraction_digits": 2, "numeric_code": 484, "symbol": "MX$", "display_name": "Mexican Peso"},
    "DOP": {"default_fraction_digits": 2, "numeric_code": 214, "symbol": "RD$", "display_name": "Dominican Peso"},
    "EUR": {"default_fraction_digits": 2, "numeric_code": 978, "symbol": "€", "display_name": "Euro"},
}


def currency(code: str) -> dict[str, Any]:
    data = CURRENCIES[code]
    return {"currency_code": code, **data, "numeric_code_as_string": f"{data['numeric_code']:03d}"}


def sponsor_or_404(world: World, slug: str) -> Sponsor:
    """The sponsor, if this provider may see it (every demo provider is affiliated with every sponsor)."""
    sponsor = world.sponsor(slug)
    if sponsor is None:
        raise ApiError("MOCK-404-sponsor-not-found", f"No sponsor {slug!r} is affiliated with this provider.")
    return sponsor


def sponsors(world: World) -> list[dict[str, str]]:
    return [
        {"sponsor_slug": s.sponsor_slug, "name": s.name, "country_code": s.country_code}
        for s in world.sponsors.values()
    ]


def _form_view(sponsor: Sponsor, form: SearchForm) -> dict[str, Any]:
    fields = []
    for f in form.fields:
        item: dict[str, Any] = {
            "id": f.id,
            "slug": f.slug,
            "type": f.type,
            "label": f.label,
            "required": f.required,
            "order": f.order,
        }
        if f.options:
            item["options"] = list(f.options)
        fields.append(item)
    return {
        "form_slug": form.form_slug,
        "sponsor_slug": sponsor.sponsor_slug,
        "fallback_name": form.fallback_name,
        "reimbursement": False,
        "fields": fields,
    }


def forms(world: World, slug: str) -> list[dict[str, Any]]:
    sponsor = sponsor_or_404(world, slug)
    return [_form_view(sponsor, form) for form in sponsor.search_forms]


# -- beneficiaries -----------------------------------------------------------------------------------
def _coverage(beneficiary: Beneficiary, today: date) -> dict[str, Any]:
    return {
        "plan_code": beneficiary.plan_code,
        "active": beneficiary.coverage_active(today),
        "effective_from": beneficiary.effective_from,
        "effective_until": beneficiary.effective_until,
    }


def _abridged(beneficiary: Beneficiary, today: date) -> dict[str, Any]:
    return {
        "beneficiary_id": beneficiary.beneficiary_id,
        "first_name": beneficiary.first_name,
        "last_name": beneficiary.last_name,
        "relationship": beneficiary.relationship,
        "date_of_birth": beneficiary.date_of_birth,
        "document_type": beneficiary.document_type,
        "document_number": beneficiary.document_number,
        "member_id": beneficiary.member_id,
        "coverage": _coverage(beneficiary, today),
    }


def beneficiary_view(world: World, beneficiary: Beneficiary, today: date) -> dict[str, Any]:
    """The search result: the guide's shape plus the schema page's BeneficiaryResource fields."""
    sponsor = world.sponsors[beneficiary.sponsor_slug]
    plan: Plan = sponsor.plans[beneficiary.plan_code]
    active = beneficiary.coverage_active(today)
    family = world.family_of(beneficiary)
    return {
        "beneficiary_id": beneficiary.beneficiary_id,
        "id": beneficiary.beneficiary_id,
        "first_name": beneficiary.first_name,
        "last_name": beneficiary.last_name,
        "name": f"{beneficiary.first_name} {beneficiary.last_name}",
        "sex": beneficiary.sex,
        "date_of_birth": beneficiary.date_of_birth,
        "document_type": beneficiary.document_type,
        "document_number": beneficiary.document_number,
        "identity_document_type": identity.IDENTITY_DOCUMENT_TYPE[beneficiary.document_type],
        "identity_document_id": beneficiary.document_number,
        "member_id": beneficiary.member_id,
        "member_code": beneficiary.member_id,
        "email": beneficiary.email,
        "phone": beneficiary.phone,
        "sponsor_slug": beneficiary.sponsor_slug,
        "status": beneficiary.status if active else "DISABLED",
        "relationship": beneficiary.relationship,
        "holder_id": beneficiary.holder_id,
        "coverage": _coverage(beneficiary, today),
        "general_balance": {
            "currency_code": currency(sponsor.currency_code),
            "maximum_benefit": plan.annual_maximum,
            "maximum_benefit_available": plan.annual_maximum,
            "out_of_pocket_accrued_amount": 0.0,
            "deductible_accrued_amount": 0.0,
        },
        "minimum_benefit_required_by_sponsor": 0.0,
        "dependants": [
            _abridged(member, today)
            for member in family
            if beneficiary.relationship == "HOLDER" and member.beneficiary_id != beneficiary.beneficiary_id
        ],
    }


def _pick_form(sponsor: Sponsor, body: dict[str, Any]) -> SearchForm:
    """The sponsor's form whose required fields the body fills; 422 naming what is missing."""
    best, best_missing = None, None
    for form in sponsor.search_forms:
        missing = [f.slug for f in form.fields if f.required and f.slug not in body]
        if not missing:
            return form
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = form, missing
    offered = "; ".join(f"{f.form_slug} ({', '.join(x.slug for x in f.fields)})" for f in sponsor.search_forms)
    raise ApiError(
        "MOCK-422-validation-failed",
        f"The body fills none of {sponsor.sponsor_slug}'s search forms: {offered}.",
        errors=[FieldError(slug, f"is required by the {best.form_slug} form") for slug in best_missing or []],
    )


def search(world: World, slug: str, body: dict[str, Any], today: date) -> dict[str, Any]:
    sponsor = sponsor_or_404(world, slug)
    form = _pick_form(sponsor, body)
    problems: list[FieldError] = []
    values: dict[str, str] = {}
    for f in form.fields:
        raw = body.get(f.slug)
        if raw is None:
            continue
        if not isinstance(raw, str):
            problems.append(FieldError(f.slug, "must be of type string"))
            continue
        values[f.slug] = raw.strip()
        if f.options and values[f.slug].upper() not in f.options:
            problems.append(FieldError(f.slug, "must be one of " + ", ".join(f.options)))
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    document_type = values.get("document_type", "").upper() or form.fixed.get("document_type")
    for f in form.fields:
        if f.validate_as and f.slug in values:
            kind = {"document_type": document_type, "DNI_OR_NIE": identity.dni_or_nie(values[f.slug])}.get(
                f.validate_as, f.validate_as
            )
            problem = identity.problem(kind, values[f.slug])
            if problem:
                problems.append(FieldError(f.slug, f"{problem} ({kind})"))
            elif f.validate_as == "DNI_OR_NIE":
                document_type = kind
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    if "member_id" in values:
        found = world.find_by_member_id(sponsor.sponsor_slug, values["member_id"])
    else:
        found = world.find_by_document(sponsor.sponsor_slug, document_type, values.get("document_number", ""))
    if found is None:
        raise ApiError("MOCK-404-beneficiary-not-found", f"No beneficiary of {sponsor.sponsor_slug} matches.")
    return beneficiary_view(world, found, today)


def dependants(world: World, slug: str, beneficiary_id: int, today: date) -> list[dict[str, Any]]:
    """The family group of a beneficiary (holder first), the beneficiary itself left out."""
    sponsor = sponsor_or_404(world, slug)
    beneficiary = world.beneficiary(beneficiary_id)
    if beneficiary is None or beneficiary.sponsor_slug != sponsor.sponsor_slug:
        raise ApiError("MOCK-404-beneficiary-not-found", f"No beneficiary {beneficiary_id} of {slug}.")
    return [_abridged(m, today) for m in world.family_of(beneficiary) if m.beneficiary_id != beneficiary_id]


# -- configuration -----------------------------------------------------------------------------------
def _rule_view(sponsor: Sponsor, product_type: str) -> dict[str, Any]:
    rule = sponsor.rules.get(product_type)
    if rule is None:
        return {
            "product_type": product_type,
            "covered": False,
            "coverage_type": None,
            "otp_required": {"complete_authorization": False, "dispense": False},
            "biometric_required": {"complete_authorization": False, "dispense": False},
            "required_documents": [],
            "max_lines_per_authorization": None,
        }
    return {
        "product_type": product_type,
        "covered": True,
        "coverage_type": rule.coverage_type,
        "otp_required": {
            "complete_authorization": rule.complete_authorization == VerificationRule.OTP,
            "dispense": rule.dispense == VerificationRule.OTP,
        },
        "biometric_required": {
            "complete_authorization": rule.complete_authorization == VerificationRule.BIOMETRIC,
            "dispense": rule.dispense == VerificationRule.BIOMETRIC,
        },
        "required_documents": list(rule.required_documents),
        "max_lines_per_authorization": rule.max_lines_per_authorization,
    }


def _plan_view(plan: Plan) -> dict[str, Any]:
    return {
        "plan_code": plan.plan_code,
        "name": plan.name,
        "copay": plan.copay,
        "coinsurance_pct": plan.coinsurance_pct,
        "deductible": plan.deductible,
        "annual_maximum": plan.annual_maximum,
        "benefit_limits": [
            {"product_type": b.product_type, "max_units": b.max_units, "period": b.period} for b in plan.benefit_limits
        ],
    }


def _configuration(world: World, slug: str, product_type: str | None) -> dict[str, Any]:
    sponsor = world.sponsors[slug]
    rules = [_rule_view(sponsor, pt) for pt in (PRODUCT_TYPES if product_type is None else (product_type,))]

    def any_of(key: str, operation: str) -> bool:
        return any(r[key][operation] for r in rules)

    return {
        "sponsor_slug": sponsor.sponsor_slug,
        "country_code": sponsor.country_code,
        "currency_code": sponsor.currency_code,
        "product_type": product_type,
        "covered": any(r["covered"] for r in rules),
        "covered_product_types": list(sponsor.rules),
        "evaluation_mode": sponsor.evaluation_mode,
        "decision_delay_seconds": sponsor.decision_delay_seconds
        if sponsor.evaluation_mode == EvaluationMode.ASYNCHRONOUS
        else 0,
        "required_request_fields": list(sponsor.required_request_fields),
        "authorization_types": {
            "required": sponsor.authorization_types_required,
            "accepted": list(sponsor.authorization_types),
        },
        "service_type_codes": list(sponsor.service_type_codes),
        "otp_required": {op: any_of("otp_required", op) for op in ("complete_authorization", "dispense")},
        "biometric_required": {op: any_of("biometric_required", op) for op in ("complete_authorization", "dispense")},
        "required_documents": sorted({d for r in rules for d in r["required_documents"]}),
        "authorization_validity_days": sponsor.authorization_validity_days,
        "settlement_batches_allowed": sponsor.settlement_batches,
        "claims_without_authorization": sponsor.claims_without_authorization,
        "payment_type": sponsor.payment_type,
        "search_forms": [f.form_slug for f in sponsor.search_forms],
        "plans": [_plan_view(p) for p in sponsor.plans.values()],
        "rules": rules,
    }


def configuration(world: World, slug: str, product_type: str | None) -> dict[str, Any]:
    """getSponsorConfiguration: the sponsor's rules for one product type (or for all of them, in which
    case each top-level flag says whether *any* product type needs it)."""
    sponsor_or_404(world, slug)
    return _configuration(world, slug, product_type)


# -- explain -----------------------------------------------------------------------------------------
class PreauthorizationOutcome(StrEnum):
    """What a beneficiary's pre-authorizations will do (``/__admin/explain``)."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PENDING_REVIEW = "PENDING_REVIEW"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
    BENEFIT_LIMIT = "BENEFIT_LIMIT"
    COVERAGE_INACTIVE = "COVERAGE_INACTIVE"


OUTCOMES = {
    Behaviour.APPROVED: PreauthorizationOutcome.APPROVED,
    Behaviour.ASYNC_SPONSOR: PreauthorizationOutcome.APPROVED,
    Behaviour.OTP: PreauthorizationOutcome.APPROVED,
    Behaviour.BIOMETRIC: PreauthorizationOutcome.APPROVED,
    Behaviour.REJECTED: PreauthorizationOutcome.REJECTED,
    Behaviour.MANUAL_REVIEW: PreauthorizationOutcome.PENDING_REVIEW,
    Behaviour.PARTIAL_APPROVAL: PreauthorizationOutcome.PARTIALLY_APPROVED,
    Behaviour.BENEFIT_LIMIT: PreauthorizationOutcome.BENEFIT_LIMIT,
    Behaviour.INACTIVE_COVERAGE: PreauthorizationOutcome.COVERAGE_INACTIVE,
}


def behaviour_of(world: World, beneficiary: Beneficiary, today: date) -> Behaviour:
    persona = world.persona_of(beneficiary.beneficiary_id)
    if persona is not None:
        return persona.behaviour
    return Behaviour.APPROVED if beneficiary.coverage_active(today) else Behaviour.INACTIVE_COVERAGE


def explain(world: World, beneficiary_id: int, today: date) -> dict[str, Any]:
    """What a beneficiary's pre-authorizations will do, before any call."""
    beneficiary = world.beneficiary(beneficiary_id)
    if beneficiary is None:
        raise ApiError("MOCK-404-beneficiary-not-found", f"No beneficiary {beneficiary_id}.")
    sponsor = world.sponsors[beneficiary.sponsor_slug]
    persona = world.persona_of(beneficiary_id)
    behaviour = behaviour_of(world, beneficiary, today)
    by_type = []
    for product_type in PRODUCT_TYPES:
        rule = sponsor.rules.get(product_type)
        by_type.append(
            {
                "product_type": product_type,
                "covered": rule is not None,
                "verification_required": None
                if rule is None or rule.complete_authorization == VerificationRule.NONE
                else rule.complete_authorization,
                "dispense_verification_required": None
                if rule is None or rule.dispense == VerificationRule.NONE
                else rule.dispense,
                "required_documents": list(rule.required_documents) if rule else [],
            }
        )
    verifications = [t["verification_required"] for t in by_type if t["verification_required"]]
    plan = sponsor.plans[beneficiary.plan_code]
    return {
        "beneficiary_id": beneficiary_id,
        "persona": persona.persona if persona else None,
        "behaviour": behaviour,
        "description": persona.description
        if persona
        else ("A generated beneficiary: pre-authorizations are approved while the coverage is active."),
        "sponsor_slug": sponsor.sponsor_slug,
        "plan_code": plan.plan_code,
        "coverage_active": beneficiary.coverage_active(today),
        "otp_code": world.otp_code,
        "preauthorization": {
            "outcome": OUTCOMES[behaviour],
            "verification_required": verifications[0] if verifications else None,
            "evaluation_mode": sponsor.evaluation_mode,
            "decision_delay_seconds": sponsor.decision_delay_seconds
            if sponsor.evaluation_mode == EvaluationMode.ASYNCHRONOUS
            else 0,
            "by_product_type": by_type,
        },
    }
