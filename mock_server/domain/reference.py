"""The reference data's vocabulary and records: sponsors and their rules, plans, providers,
beneficiaries, personas, products, diagnoses. Frozen: built once per seed by
``mock_server.domain.world.load_world`` and shared, read-only, by every tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "PRODUCT_TYPES",
    "Behaviour",
    "BenefitLimit",
    "Beneficiary",
    "Branch",
    "DemoClient",
    "Diagnosis",
    "EvaluationMode",
    "FormField",
    "PaymentType",
    "Persona",
    "Plan",
    "Product",
    "ProductType",
    "ProductTypeRule",
    "Provider",
    "ProviderKind",
    "SearchForm",
    "Sponsor",
    "VerificationRule",
]


class ProductType(StrEnum):
    """The schema pages' product types (the guides' names are accepted in requests:
    ``mock_server.domain.catalog.GUIDE_PRODUCT_TYPES``)."""

    DRUG = "DRUG"
    LABORATORY = "LABORATORY"
    DIAGNOSTIC_TEST = "DIAGNOSTIC_TEST"
    MEDICAL_PROCEDURE = "MEDICAL_PROCEDURE"


PRODUCT_TYPES: tuple[str, ...] = tuple(t.value for t in ProductType)


class Behaviour(StrEnum):
    """What a persona does (``/__admin/world``, ``/__admin/explain``): exactly one of these."""

    APPROVED = "approved"
    REJECTED = "rejected"
    MANUAL_REVIEW = "manual_review"
    ASYNC_SPONSOR = "async_sponsor"
    OTP = "otp"
    BIOMETRIC = "biometric"
    INACTIVE_COVERAGE = "inactive_coverage"
    PARTIAL_APPROVAL = "partial_approval"
    BENEFIT_LIMIT = "benefit_limit"


class EvaluationMode(StrEnum):
    SYNCHRONOUS = "SYNCHRONOUS"
    ASYNCHRONOUS = "ASYNCHRONOUS"


class VerificationRule(StrEnum):
    """What a sponsor's rule asks of the beneficiary before an operation (complete, dispense)."""

    NONE = "NONE"
    OTP = "OTP"
    BIOMETRIC = "BIOMETRIC"


class PaymentType(StrEnum):
    DIRECT_PAYMENT = "DIRECT_PAYMENT"
    REIMBURSEMENT = "REIMBURSEMENT"


class ProviderKind(StrEnum):
    CLINIC = "CLINIC"
    PHARMACY = "PHARMACY"
    DOCTOR_OFFICE = "DOCTOR_OFFICE"


@dataclass(frozen=True)
class Branch:
    branch_id: int
    name: str


@dataclass(frozen=True)
class Provider:
    provider_id: int
    provider_slug: str
    name: str
    provider_kind: ProviderKind
    country_code: str
    branches: tuple[Branch, ...] = ()


@dataclass(frozen=True)
class DemoClient:
    client_id: str
    client_secret: str
    provider_slug: str
    scope: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class FormField:
    id: int
    slug: str
    type: str
    label: str
    required: bool
    order: int
    options: tuple[str, ...] = ()
    validate_as: str | None = None


@dataclass(frozen=True)
class SearchForm:
    form_slug: str
    fallback_name: str
    fields: tuple[FormField, ...]
    fixed: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class BenefitLimit:
    product_type: str
    max_units: int
    period: str


@dataclass(frozen=True)
class Plan:
    plan_code: str
    name: str
    copay: float
    coinsurance_pct: float
    deductible: float
    annual_maximum: float
    benefit_limits: tuple[BenefitLimit, ...]

    def limit_for(self, product_type: str) -> BenefitLimit | None:
        return next((b for b in self.benefit_limits if b.product_type == product_type), None)


@dataclass(frozen=True)
class ProductTypeRule:
    product_type: ProductType
    coverage_type: str
    complete_authorization: VerificationRule
    dispense: VerificationRule
    required_documents: tuple[str, ...]
    max_lines_per_authorization: int | None = None


@dataclass(frozen=True)
class Sponsor:
    sponsor_slug: str
    name: str
    sponsor_kind: str
    country_code: str
    currency_code: str
    locale: str
    member_prefix: str
    search_forms: tuple[SearchForm, ...]
    evaluation_mode: EvaluationMode
    decision_delay_seconds: int
    required_request_fields: tuple[str, ...]
    authorization_types_required: bool
    authorization_types: tuple[str, ...]
    authorization_validity_days: int
    settlement_batches: bool
    claims_without_authorization: bool
    payment_type: PaymentType
    service_type_codes: tuple[str, ...]
    rules: MappingProxyType  # product type -> ProductTypeRule (covered types only)
    plans: MappingProxyType  # plan code -> Plan

    def covers(self, product_type: str) -> bool:
        return product_type in self.rules


@dataclass(frozen=True)
class Beneficiary:
    beneficiary_id: int
    sponsor_slug: str
    first_name: str
    last_name: str
    sex: str
    date_of_birth: str
    document_type: str
    document_number: str
    member_id: str
    plan_code: str
    email: str
    phone: str
    status: str
    effective_from: str
    effective_until: str
    relationship: str
    holder_id: int | None
    persona: str | None = None

    def coverage_active(self, today: date) -> bool:
        return self.status == "ENABLED" and date.fromisoformat(self.effective_from) <= today <= date.fromisoformat(
            self.effective_until
        )


@dataclass(frozen=True)
class Persona:
    persona: str
    behaviour: Behaviour
    description: str
    sponsor_slug: str
    beneficiary_id: int
    rejection_reason: str | None


@dataclass(frozen=True)
class Product:
    product_id: int
    product_code: str
    name: str
    product_type: ProductType
    prices: MappingProxyType  # currency -> price

    def price(self, currency: str) -> float:
        return self.prices[currency]


@dataclass(frozen=True)
class Diagnosis:
    code: str
    name: str
