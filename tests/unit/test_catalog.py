"""The global catalogues and each provider's registered products, without HTTP.

``mock_server.domain.catalog`` (queries, product types) and the ``Registrations`` area. Expected values
come from README.md ("Catalogues"), fixtures/world/catalogue.json, diagnoses.json and registrations.json.
"""

from __future__ import annotations

import json

import pytest

from mock_server.core.errors import ApiError, FieldError
from mock_server.core.resources import fixtures_dir
from mock_server.domain.catalog import diagnoses, medications, normalize_product_type, products
from mock_server.domain.registrations import Registrations
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings

CLINIC, PHARMACY = "clinic-example", "pharmacy-example"
ALWAYS_REGISTERED = {"MED-042", "CONS-GEN", "LAB-HEMO"}  # README: every demo provider registered them


def fixture(name: str) -> dict:
    return json.loads((fixtures_dir() / "world" / name).read_text("utf-8"))


CATALOGUE = fixture("catalogue.json")["products"]
SEEDED = fixture("registrations.json")["registrations"]


def codes_of_type(*types: str) -> set[str]:
    return {p["product_code"] for p in CATALOGUE if p["product_type"] in types}


def unregistered_by(*providers: str) -> list[str]:
    """Catalogue codes none of these providers registered at seed time (fixture order)."""
    taken = {r["product_code"] for slug in providers for r in SEEDED[slug]}
    return [p["product_code"] for p in CATALOGUE if p["product_code"] not in taken]


@pytest.fixture
def world(ledger):
    return ledger.world


@pytest.fixture
def registrations(ledger) -> Registrations:
    return ledger.area(Registrations)


def raised(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def codes(items) -> list[str]:
    return [item["product_code"] for item in items]


# -- queries --------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["med-042", "MED-042", "  Med-04  "])
def test_a_query_matches_a_code_case_insensitively(world, query):
    assert "MED-042" in codes(medications(world, query))


@pytest.mark.parametrize("query", ["acetaminofén", "ACETAMINOF", "500 mg tab"])
def test_a_query_matches_a_substring_of_the_name_case_insensitively(world, query):
    assert "MED-042" in codes(medications(world, query))  # catalogue.json: "Acetaminofén 500 mg tableta"


def test_a_query_returns_exactly_the_products_whose_code_or_name_contains_it(world):
    expected = {
        p["product_code"]
        for p in CATALOGUE
        if p["product_type"] != "DRUG" and ("hemo" in p["product_code"].lower() or "hemo" in p["name"].lower())
    }
    assert expected >= {"LAB-HEMO"}
    assert set(codes(products(world, None, "HeMo"))) == expected


def test_a_query_that_matches_nothing_gives_an_empty_list(world):
    assert medications(world, "zzz-no-such-product") == []
    assert products(world, None, "zzz-no-such-product") == []


def test_diagnoses_match_the_code_or_the_name(world):
    assert {"code": "R51", "name": "Headache"} in diagnoses(world, "r51")
    assert "R51" in [d["code"] for d in diagnoses(world, "HEADACHE")]


def test_no_query_lists_every_diagnosis(world):
    assert len(diagnoses(world, None)) == len(fixture("diagnoses.json")["diagnoses"]) == 2050


# -- medications and products ---------------------------------------------------------------------
def test_medications_list_every_drug_and_only_drugs(world):
    listed = medications(world, None)
    assert {p["product_type"] for p in listed} == {"DRUG"}
    expected = {f"MED-SBX-{n:03d}" for n in range(1, 53)} | {"MED-042"}  # README: MED-SBX-001...052, MED-042
    assert set(codes(listed)) == expected == codes_of_type("DRUG")


def test_products_list_every_product_but_drugs(world):
    listed = products(world, None, None)
    assert "DRUG" not in {p["product_type"] for p in listed}
    assert set(codes(listed)) == codes_of_type("LABORATORY", "DIAGNOSTIC_TEST", "MEDICAL_PROCEDURE")


@pytest.mark.parametrize(
    ("product_type", "prefix", "extra"),
    [
        ("LABORATORY", "LAB-SBX-", "LAB-HEMO"),
        ("DIAGNOSTIC_TEST", "IMG-SBX-", None),
        ("MEDICAL_PROCEDURE", "PROC-SBX-", "CONS-GEN"),
    ],
)
def test_products_filter_by_type(world, product_type, prefix, extra):
    listed = codes(products(world, product_type, None))
    assert set(listed) == codes_of_type(product_type)
    assert all(code.startswith(prefix) or code == extra for code in listed)
    assert extra is None or extra in listed


def test_products_of_type_drug_are_empty(world):
    assert products(world, "DRUG", None) == []


def test_every_product_has_a_price_in_the_five_currencies(world):
    for product in medications(world, None) + products(world, None, None):
        assert {p["currency_code"] for p in product["prices"]} == {"COP", "GTQ", "MXN", "DOP", "EUR"}


# -- product types --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["DRUG", "LABORATORY", "DIAGNOSTIC_TEST", "MEDICAL_PROCEDURE"])
@pytest.mark.parametrize("strict", [False, True])
def test_schema_product_types_are_accepted_without_a_warning(value, strict):
    assert normalize_product_type(value, strict=strict) == (value, None)


@pytest.mark.parametrize(
    ("guide", "schema"),
    [("MEDICATION", "DRUG"), ("LAB", "LABORATORY"), ("IMAGING", "DIAGNOSTIC_TEST"), ("PROCEDURE", "MEDICAL_PROCEDURE")],
)
def test_guide_product_types_map_to_the_schema_value_with_a_warning(guide, schema):
    value, warning = normalize_product_type(guide, strict=False)
    assert value == schema
    assert warning and guide in warning and schema in warning


@pytest.mark.parametrize("guide", ["MEDICATION", "LAB", "IMAGING", "PROCEDURE"])
def test_strict_refuses_guide_product_types(guide):
    assert normalize_product_type(guide, strict=True) == (None, None)


def test_product_types_are_read_case_and_space_insensitively():
    assert normalize_product_type(" drug ", strict=True) == ("DRUG", None)
    assert normalize_product_type("medication", strict=False)[0] == "DRUG"


@pytest.mark.parametrize("value", ["FOOD", "", "DRUGS"])
def test_an_unknown_product_type_is_refused(value):
    assert normalize_product_type(value, strict=False) == (None, None)


# -- registrations --------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", sorted(SEEDED))
def test_a_provider_starts_with_its_seeded_registrations(registrations, provider):
    listed = {p["product_code"]: p["registered_at"] for p in registrations.list_products(provider, None, None)}
    assert listed == {r["product_code"]: r["registered_at"] for r in SEEDED[provider]}
    assert ALWAYS_REGISTERED <= set(listed)
    assert len(listed) < len(CATALOGUE)  # README: a subset, never all of it


def test_registered_products_filter_by_type_and_query(registrations):
    seeded = {r["product_code"] for r in SEEDED[CLINIC]}
    labs = codes(registrations.list_products(CLINIC, "LABORATORY", None))
    assert set(labs) == seeded & codes_of_type("LABORATORY")
    assert codes(registrations.list_products(CLINIC, None, "hemograma")) == ["LAB-HEMO"]


def test_registering_a_product_adds_it_with_the_mock_time(ledger, registrations):
    code = unregistered_by(CLINIC)[0]
    ledger.clock.advance(60)
    registered = registrations.register(CLINIC, code)
    assert registered == {"product_code": code, "registered_at": ledger.clock.iso()}
    assert registrations.is_registered(CLINIC, code)
    assert code in codes(registrations.list_products(CLINIC, None, None))


def test_registering_twice_is_409(registrations):
    error = raised(lambda: registrations.register(CLINIC, "MED-042"))
    assert (error.code, error.status) == ("MOCK-409-product-already-registered", 409)


def test_registering_a_product_outside_the_catalogue_is_422_on_product_code(registrations):
    error = raised(lambda: registrations.register(CLINIC, "NOPE-001"))
    assert (error.code, error.status) == ("MOCK-422-unknown-product", 422)
    assert [e.path for e in error.errors] == ["product_code"]
    assert not registrations.is_registered(CLINIC, "NOPE-001")


def test_removing_a_product_unregisters_it_and_removing_it_again_is_404(registrations):
    registrations.remove(CLINIC, "MED-042")
    assert not registrations.is_registered(CLINIC, "MED-042")
    assert "MED-042" not in codes(registrations.list_products(CLINIC, None, None))
    error = raised(lambda: registrations.remove(CLINIC, "MED-042"))
    assert (error.code, error.status) == ("MOCK-404-product-not-registered", 404)


def test_registrations_belong_to_one_provider(registrations):
    code = unregistered_by(CLINIC, PHARMACY)[0]
    registrations.register(CLINIC, code)
    assert not registrations.is_registered(PHARMACY, code)
    registrations.remove(CLINIC, "MED-042")
    assert registrations.is_registered(PHARMACY, "MED-042")
    assert raised(lambda: registrations.remove(PHARMACY, code)).code == "MOCK-404-product-not-registered"


def test_a_reset_brings_back_the_seeded_registrations():
    sandbox = Sandbox(Settings(frozen_clock=True))
    changed = sandbox.ledger().area(Registrations)
    changed.remove(CLINIC, "MED-042")
    changed.register(CLINIC, unregistered_by(CLINIC)[0])
    fresh = sandbox.reset().area(Registrations)
    assert codes(fresh.list_products(CLINIC, None, None)) == [r["product_code"] for r in SEEDED[CLINIC]]


# -- the 071-104 rule -----------------------------------------------------------------------------
def test_only_unregistered_products_is_071_104_with_one_error_per_product_at_its_path(world, registrations):
    first, second = unregistered_by(CLINIC)[:2]
    named = [("products[0]", world.product(first)), ("products[1]", world.product("MED-042"))]
    named.append(("products[2]", world.product(second)))
    error = raised(lambda: registrations.check(CLINIC, named, []))
    assert (error.code, error.status) == ("071-104", 422)
    assert [e.path for e in error.errors] == ["products[0]", "products[2]"]
    assert first in error.errors[0].message and second in error.errors[1].message


def test_unregistered_products_and_another_problem_are_one_validation_error_listing_every_problem(world, registrations):
    code = unregistered_by(CLINIC)[0]
    problems = [FieldError("diagnoses[0].code", "is not an ICD-10 code"), FieldError("products[0].quantity", "< 1")]
    error = raised(lambda: registrations.check(CLINIC, [("products[1]", world.product(code))], problems))
    assert (error.code, error.status) == ("MOCK-422-validation-failed", 422)
    assert [e.path for e in error.errors] == ["diagnoses[0].code", "products[0].quantity", "products[1]"]


def test_other_problems_with_every_product_registered_are_a_validation_error(world, registrations):
    problems = [FieldError("diagnoses[0].code", "is not an ICD-10 code")]
    error = raised(lambda: registrations.check(CLINIC, [("products[0]", world.product("MED-042"))], problems))
    assert (error.code, error.errors) == ("MOCK-422-validation-failed", problems)


def test_nothing_wrong_raises_nothing(world, registrations):
    registrations.check(CLINIC, [("products[0]", world.product(c)) for c in sorted(ALWAYS_REGISTERED)], [])
    registrations.check(CLINIC, [], [])


def test_a_product_registered_later_passes_the_check(world, registrations):
    code = unregistered_by(CLINIC)[0]
    registrations.register(CLINIC, code)
    registrations.check(CLINIC, [("products[0]", world.product(code))], [])
