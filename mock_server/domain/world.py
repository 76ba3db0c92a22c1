"""Reference data: the seeded world, built once per seed, frozen and shared by every tenant.

Everything comes from ``fixtures/world/``: providers and demo clients, sponsors with their search
forms and rules, personas, the catalogue, ICD-10 diagnoses, the products each provider registered at
seed time, and the generated beneficiaries. The default seed's beneficiaries are committed; any other
seed generates them (faker) at start-up. Indexes by id, document and code are built here, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from mock_server.core.resources import fixtures_dir
from mock_server.domain import identity

__all__ = [
    "ALL_SCOPES",
    "PRODUCT_TYPES",
    "Beneficiary",
    "Branch",
    "DemoClient",
    "Diagnosis",
    "FormField",
    "Persona",
    "Plan",
    "Product",
    "Provider",
    "SearchForm",
    "Sponsor",
    "World",
    "load_world",
]

ALL_SCOPES = ("arc:read", "arc:write", "dispensing:read", "dispensing:write", "ehr:read", "ehr:write")
PRODUCT_TYPES = ("DRUG", "LABORATORY", "DIAGNOSTIC_TEST", "MEDICAL_PROCEDURE")
DEFAULT_SEED = 1234


@dataclass(frozen=True)
class Branch:
    branch_id: int
    name: str


@dataclass(frozen=True)
class Provider:
    provider_id: int
    provider_slug: str
    name: str
    provider_kind: str
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
    product_type: str
    coverage_type: str
    complete_authorization: str  # NONE | OTP | BIOMETRIC
    dispense: str
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
    evaluation_mode: str
    decision_delay_seconds: int
    required_request_fields: tuple[str, ...]
    authorization_types_required: bool
    authorization_types: tuple[str, ...]
    authorization_validity_days: int
    settlement_batches: bool
    payment_type: str
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
    behaviour: str
    description: str
    sponsor_slug: str
    beneficiary_id: int
    rejection_reason: str | None


@dataclass(frozen=True)
class Product:
    product_id: int
    product_code: str
    name: str
    product_type: str
    prices: MappingProxyType  # currency -> price

    def price(self, currency: str) -> float:
        return self.prices[currency]


@dataclass(frozen=True)
class Diagnosis:
    code: str
    name: str


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one World per seed
class World:
    seed: int
    providers: MappingProxyType
    demo_clients: tuple[DemoClient, ...] = ()
    sponsors: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    beneficiaries: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    personas: tuple[Persona, ...] = ()
    products: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    diagnoses: tuple[Diagnosis, ...] = ()
    registrations: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    otp_code: str = "123456"
    # Indexes.
    by_document: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    by_member_id: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    families: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    personas_by_beneficiary: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    diagnosis_codes: frozenset = frozenset()
    products_by_id: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # The ePrescription registry's patients at seed time (plain dicts; tenants copy them).
    patients: tuple = ()

    def provider(self, slug: str) -> Provider | None:
        return self.providers.get(slug)

    def sponsor(self, slug: str) -> Sponsor | None:
        return self.sponsors.get(slug)

    def beneficiary(self, beneficiary_id: int) -> Beneficiary | None:
        return self.beneficiaries.get(beneficiary_id)

    def find_by_document(self, sponsor_slug: str, document_type: str, number: str) -> Beneficiary | None:
        return self.by_document.get((sponsor_slug, document_type, identity.normalize(document_type, number)))

    def find_by_member_id(self, sponsor_slug: str, member_id: str) -> Beneficiary | None:
        return self.by_member_id.get((sponsor_slug, member_id.strip().upper()))

    def family_of(self, beneficiary: Beneficiary) -> list[Beneficiary]:
        """The whole family group (holder first), the beneficiary included."""
        holder_id = beneficiary.holder_id or beneficiary.beneficiary_id
        return [self.beneficiaries[i] for i in self.families.get(holder_id, (holder_id,))]

    def persona_of(self, beneficiary_id: int) -> Persona | None:
        return self.personas_by_beneficiary.get(beneficiary_id)

    def product(self, code: str) -> Product | None:
        return self.products.get(code)


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _providers(raw: dict) -> tuple[dict[str, Provider], tuple[DemoClient, ...]]:
    providers = {}
    for item in raw["providers"]:
        providers[item["provider_slug"]] = Provider(
            provider_id=int(item["provider_id"]),
            provider_slug=item["provider_slug"],
            name=item["name"],
            provider_kind=item["provider_kind"],
            country_code=item["country_code"],
            branches=tuple(Branch(int(b["branch_id"]), b["name"]) for b in item.get("branches", [])),
        )
    clients = tuple(
        DemoClient(
            c["client_id"], c["client_secret"], c["provider_slug"], tuple(c["scope"].split()), c.get("description", "")
        )
        for c in raw["clients"]
    )
    for client in clients:
        if client.provider_slug not in providers:
            raise ValueError(f"demo client {client.client_id} names unknown provider {client.provider_slug}")
    return providers, clients


def _sponsors(raw: dict) -> dict[str, Sponsor]:
    forms: dict[str, SearchForm] = {}
    field_id = 900_001
    for form in raw["search_forms"]:
        fields = []
        for order, f in enumerate(form["fields"], start=1):
            fields.append(
                FormField(
                    field_id,
                    f["slug"],
                    f["type"],
                    f["label"],
                    bool(f["required"]),
                    order,
                    tuple(f.get("options", ())),
                    f.get("validate_as"),
                )
            )
            field_id += 1
        forms[form["form_slug"]] = SearchForm(
            form["form_slug"], form["fallback_name"], tuple(fields), MappingProxyType(dict(form.get("fixed", {})))
        )
    sponsors = {}
    for s in raw["sponsors"]:
        rules = {
            pt: ProductTypeRule(
                pt,
                r["coverage_type"],
                r["complete_authorization"],
                r["dispense"],
                tuple(r["required_documents"]),
                r.get("max_lines_per_authorization"),
            )
            for pt, r in s["product_types"].items()
        }
        plans = {
            p["plan_code"]: Plan(
                p["plan_code"],
                p["name"],
                float(p["copay"]),
                float(p["coinsurance_pct"]),
                float(p["deductible"]),
                float(p["annual_maximum"]),
                tuple(BenefitLimit(b["product_type"], int(b["max_units"]), b["period"]) for b in p["benefit_limits"]),
            )
            for p in s["plans"]
        }
        sponsors[s["sponsor_slug"]] = Sponsor(
            sponsor_slug=s["sponsor_slug"],
            name=s["name"],
            sponsor_kind=s["sponsor_kind"],
            country_code=s["country_code"],
            currency_code=s["currency_code"],
            locale=s["locale"],
            member_prefix=s["member_prefix"],
            search_forms=tuple(forms[f] for f in s["search_forms"]),
            evaluation_mode=s["evaluation_mode"],
            decision_delay_seconds=int(s.get("decision_delay_seconds", 30)),
            required_request_fields=tuple(s["required_request_fields"]),
            authorization_types_required=bool(s["authorization_types"]["required"]),
            authorization_types=tuple(s["authorization_types"]["accepted"]),
            authorization_validity_days=int(s["authorization_validity_days"]),
            settlement_batches=bool(s["settlement_batches"]),
            payment_type=s["payment_type"],
            service_type_codes=tuple(s.get("service_type_codes", ())),
            rules=MappingProxyType(rules),
            plans=MappingProxyType(plans),
        )
    return sponsors


def _persona_beneficiaries(raw: dict) -> tuple[list[Beneficiary], list[Persona]]:
    beneficiaries, personas = [], []
    for p in raw["personas"]:
        common = {"status": "ENABLED", "effective_from": "2020-01-01", "effective_until": p["effective_until"]}
        beneficiaries.append(
            Beneficiary(
                p["beneficiary_id"],
                p["sponsor_slug"],
                p["first_name"],
                p["last_name"],
                p["sex"],
                p["date_of_birth"],
                p["document_type"],
                p["document_number"],
                p["member_id"],
                p["plan_code"],
                p["email"],
                p["phone"],
                relationship="HOLDER",
                holder_id=None,
                persona=p["persona"],
                **common,
            )
        )
        for d in p.get("dependants", []):
            beneficiaries.append(
                Beneficiary(
                    d["beneficiary_id"],
                    p["sponsor_slug"],
                    d["first_name"],
                    d["last_name"],
                    d["sex"],
                    d["date_of_birth"],
                    d["document_type"],
                    d["document_number"],
                    d["member_id"],
                    p["plan_code"],
                    p["email"],
                    p["phone"],
                    relationship=d["relationship"],
                    holder_id=p["beneficiary_id"],
                    **common,
                )
            )
        personas.append(
            Persona(
                p["persona"],
                p["behaviour"],
                p["description"],
                p["sponsor_slug"],
                p["beneficiary_id"],
                p.get("rejection_reason"),
            )
        )
    return beneficiaries, personas


def _generated(seed: int, sponsors_raw: list[dict]) -> list[dict]:
    committed = fixtures_dir() / "world" / f"beneficiaries.seed-{seed}.json"
    if committed.exists():
        return _json(committed)["beneficiaries"]
    from mock_server.domain.worldgen import generate_beneficiaries

    return generate_beneficiaries(seed, sponsors_raw)


@cache
def load_world(seed: int = DEFAULT_SEED) -> World:
    """The world for ``seed``. The same seed always gives the same world."""
    root = fixtures_dir() / "world"
    providers, clients = _providers(_yaml(root / "providers.yaml"))
    sponsors_raw = _yaml(root / "sponsors.yaml")
    sponsors = _sponsors(sponsors_raw)
    personas_raw = _yaml(root / "personas.yaml")
    persona_beneficiaries, personas = _persona_beneficiaries(personas_raw)
    generated = [Beneficiary(**item) for item in _generated(seed, sponsors_raw["sponsors"])]

    beneficiaries: dict[int, Beneficiary] = {}
    by_document: dict[tuple[str, str, str], Beneficiary] = {}
    by_member: dict[tuple[str, str], Beneficiary] = {}
    families: dict[int, list[int]] = {}
    for b in [*persona_beneficiaries, *generated]:
        if b.beneficiary_id in beneficiaries:
            raise ValueError(f"beneficiary id {b.beneficiary_id} appears twice")
        sponsor = sponsors.get(b.sponsor_slug)
        if sponsor is None or b.plan_code not in sponsor.plans:
            raise ValueError(f"beneficiary {b.beneficiary_id}: unknown sponsor or plan")
        problem = identity.problem(b.document_type, b.document_number)
        if problem:
            raise ValueError(f"beneficiary {b.beneficiary_id}: document {b.document_number} {problem}")
        key = (b.sponsor_slug, b.document_type, identity.normalize(b.document_type, b.document_number))
        if key in by_document:  # a generated clash with a persona or another draw: the first one wins
            continue
        beneficiaries[b.beneficiary_id] = b
        by_document[key] = b
        by_member[(b.sponsor_slug, b.member_id.upper())] = b
        families.setdefault(b.holder_id or b.beneficiary_id, []).append(b.beneficiary_id)

    products = {}
    for item in _json(root / "catalogue.json")["products"]:
        products[item["product_code"]] = Product(
            item["product_id"],
            item["product_code"],
            item["name"],
            item["product_type"],
            MappingProxyType({p["currency_code"]: float(p["price"]) for p in item["prices"]}),
        )
    registrations = {
        slug: tuple((r["product_code"], r["registered_at"]) for r in items)
        for slug, items in _json(root / "registrations.json")["registrations"].items()
    }
    for slug, items in registrations.items():
        unknown = [code for code, _ in items if code not in products]
        if slug not in providers or unknown:
            raise ValueError(f"registrations of {slug}: unknown provider or products {unknown}")
    diagnoses = tuple(Diagnosis(d["code"], d["name"]) for d in _json(root / "diagnoses.json")["diagnoses"])

    return World(
        seed=seed,
        providers=MappingProxyType(providers),
        demo_clients=clients,
        sponsors=MappingProxyType(sponsors),
        beneficiaries=MappingProxyType(beneficiaries),
        personas=tuple(personas),
        products=MappingProxyType(products),
        diagnoses=diagnoses,
        registrations=MappingProxyType(registrations),
        otp_code=str(personas_raw["otp_code"]),
        by_document=MappingProxyType(by_document),
        by_member_id=MappingProxyType(by_member),
        families=MappingProxyType({k: tuple(v) for k, v in families.items()}),
        personas_by_beneficiary=MappingProxyType({p.beneficiary_id: p for p in personas}),
        diagnosis_codes=frozenset(d.code for d in diagnoses),
        products_by_id=MappingProxyType({p.product_id: p for p in products.values()}),
        patients=tuple(MappingProxyType(p) for p in _yaml(root / "patients.yaml")["patients"]),
    )
