"""Reference data: the seeded world, built once per seed, frozen and shared by every tenant.

Everything comes from ``fixtures/world/``: providers and demo clients, sponsors with their search
forms and rules, personas, the catalogue, ICD-10 diagnoses, the products each provider registered at
seed time, and the generated beneficiaries. The default seed's beneficiaries are committed; any other
seed generates them (faker) at start-up. Indexes by id, document and code are built here, once.

Coverage dates follow the calendar. The fixtures write them as of :data:`FIXTURE_YEAR`; a world loaded
in a later (or earlier) year moves every coverage window by the difference in whole years, so the
personas stay covered, the lapsed ones stay lapsed and the generated families keep their mix of active
and lapsed coverage whatever the year the mock runs in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from mock_server.core.resources import fixtures_dir
from mock_server.domain import identity
from mock_server.domain.reference import (
    Behaviour,
    Beneficiary,
    BenefitLimit,
    Branch,
    DemoClient,
    Diagnosis,
    EvaluationMode,
    FormField,
    PaymentType,
    Persona,
    Plan,
    Product,
    ProductType,
    ProductTypeRule,
    Provider,
    ProviderKind,
    SearchForm,
    Sponsor,
    VerificationRule,
)

__all__ = ["DEFAULT_SEED", "FIXTURE_YEAR", "World", "load_world"]

DEFAULT_SEED = 1234
FIXTURE_YEAR = 2026  # the year the fixtures' coverage dates are written for (worldgen.WORLD_DATE's)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one World per seed
class World:
    seed: int
    providers: MappingProxyType
    year: int = FIXTURE_YEAR  # the calendar year the coverage dates were moved to
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
            provider_kind=ProviderKind(item["provider_kind"]),
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


def _forms(raw: dict) -> dict[str, SearchForm]:
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
    return forms


def _rules(s: dict) -> dict[str, ProductTypeRule]:
    return {
        pt: ProductTypeRule(
            ProductType(pt),
            r["coverage_type"],
            VerificationRule(r["complete_authorization"]),
            VerificationRule(r["dispense"]),
            tuple(r["required_documents"]),
            r.get("max_lines_per_authorization"),
        )
        for pt, r in s["product_types"].items()
    }


def _plans(s: dict) -> dict[str, Plan]:
    return {
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


def _sponsors(raw: dict) -> dict[str, Sponsor]:
    forms = _forms(raw)
    sponsors = {}
    for s in raw["sponsors"]:
        sponsors[s["sponsor_slug"]] = Sponsor(
            sponsor_slug=s["sponsor_slug"],
            name=s["name"],
            sponsor_kind=s["sponsor_kind"],
            country_code=s["country_code"],
            currency_code=s["currency_code"],
            locale=s["locale"],
            member_prefix=s["member_prefix"],
            search_forms=tuple(forms[f] for f in s["search_forms"]),
            evaluation_mode=EvaluationMode(s["evaluation_mode"]),
            decision_delay_seconds=int(s.get("decision_delay_seconds", 30)),
            required_request_fields=tuple(s["required_request_fields"]),
            authorization_types_required=bool(s["authorization_types"]["required"]),
            authorization_types=tuple(s["authorization_types"]["accepted"]),
            authorization_validity_days=int(s["authorization_validity_days"]),
            settlement_batches=bool(s["settlement_batches"]),
            claims_without_authorization=bool(s["claims_without_authorization"]),
            payment_type=PaymentType(s["payment_type"]),
            service_type_codes=tuple(s.get("service_type_codes", ())),
            rules=MappingProxyType(_rules(s)),
            plans=MappingProxyType(_plans(s)),
        )
    return sponsors


def _shift(iso_date: str, years: int) -> str:
    """A date moved by whole years (29 February becomes 28 February in a common year)."""
    day = date.fromisoformat(iso_date)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:
        return day.replace(year=day.year + years, day=28).isoformat()


def _persona_beneficiaries(raw: dict, years: int) -> tuple[list[Beneficiary], list[Persona]]:
    beneficiaries, personas = [], []
    for p in raw["personas"]:
        common = {
            "status": "ENABLED",
            "effective_from": _shift("2020-01-01", years),
            "effective_until": _shift(p["effective_until"], years),
        }
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
                Behaviour(p["behaviour"]),
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


def _index_beneficiaries(everyone: list[Beneficiary], sponsors: dict[str, Sponsor]) -> dict[str, Any]:
    """Beneficiaries by id, document and member id, and families by holder; each one checked."""
    beneficiaries: dict[int, Beneficiary] = {}
    by_document: dict[tuple[str, str, str], Beneficiary] = {}
    by_member: dict[tuple[str, str], Beneficiary] = {}
    families: dict[int, list[int]] = {}
    for b in everyone:
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
    return {
        "beneficiaries": MappingProxyType(beneficiaries),
        "by_document": MappingProxyType(by_document),
        "by_member_id": MappingProxyType(by_member),
        "families": MappingProxyType({k: tuple(v) for k, v in families.items()}),
    }


def _catalogue(root: Path) -> dict[str, Product]:
    return {
        item["product_code"]: Product(
            item["product_id"],
            item["product_code"],
            item["name"],
            ProductType(item["product_type"]),
            MappingProxyType({p["currency_code"]: float(p["price"]) for p in item["prices"]}),
        )
        for item in _json(root / "catalogue.json")["products"]
    }


def _registrations(root: Path, providers: dict[str, Provider], products: dict[str, Product]) -> dict[str, tuple]:
    registrations = {
        slug: tuple((r["product_code"], r["registered_at"]) for r in items)
        for slug, items in _json(root / "registrations.json")["registrations"].items()
    }
    for slug, items in registrations.items():
        unknown = [code for code, _ in items if code not in products]
        if slug not in providers or unknown:
            raise ValueError(f"registrations of {slug}: unknown provider or products {unknown}")
    return registrations


def load_world(seed: int = DEFAULT_SEED, year: int | None = None) -> World:
    """The world for ``seed``, its coverage dates moved to ``year`` (default: this year, UTC).

    The same seed and year always give the same world (built once, then shared).
    """
    return _load_world(seed, year if year is not None else datetime.now(UTC).year)


@cache
def _load_world(seed: int, year: int) -> World:  # load_world.cache_clear() empties this cache
    root = fixtures_dir() / "world"
    years = year - FIXTURE_YEAR
    providers, clients = _providers(_yaml(root / "providers.yaml"))
    sponsors_raw = _yaml(root / "sponsors.yaml")
    sponsors = _sponsors(sponsors_raw)
    personas_raw = _yaml(root / "personas.yaml")
    persona_beneficiaries, personas = _persona_beneficiaries(personas_raw, years)
    generated = [
        Beneficiary(
            **{
                **item,
                "effective_from": _shift(item["effective_from"], years),
                "effective_until": _shift(item["effective_until"], years),
            }
        )
        for item in _generated(seed, sponsors_raw["sponsors"])
    ]
    products = _catalogue(root)
    diagnoses = tuple(Diagnosis(d["code"], d["name"]) for d in _json(root / "diagnoses.json")["diagnoses"])
    return World(
        seed=seed,
        year=year,
        providers=MappingProxyType(providers),
        demo_clients=clients,
        sponsors=MappingProxyType(sponsors),
        personas=tuple(personas),
        products=MappingProxyType(products),
        diagnoses=diagnoses,
        registrations=MappingProxyType(_registrations(root, providers, products)),
        otp_code=str(personas_raw["otp_code"]),
        personas_by_beneficiary=MappingProxyType({p.beneficiary_id: p for p in personas}),
        diagnosis_codes=frozenset(d.code for d in diagnoses),
        products_by_id=MappingProxyType({p.product_id: p for p in products.values()}),
        patients=tuple(MappingProxyType(p) for p in _yaml(root / "patients.yaml")["patients"]),
        **_index_beneficiaries([*persona_beneficiaries, *generated], sponsors),
    )


load_world.cache_clear = _load_world.cache_clear  # type: ignore[attr-defined]
