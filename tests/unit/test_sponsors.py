"""Sponsors and beneficiaries as reference data, without HTTP (``mock_server.domain.sponsors``).

Expected values come from README.md ("The seeded world", "Personas") and fixtures/world/*.yaml|json,
never from the functions under test. Dates are fixed so coverage does not depend on the wall clock.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from mock_server.core.errors import ApiError
from mock_server.core.resources import fixtures_dir
from mock_server.domain.sponsors import behaviour_of, configuration, dependants, explain, search
from mock_server.domain.world import DEFAULT_SEED, FIXTURE_YEAR, load_world
from tests.support.flows import INACTIVE, MARIA

# The fixtures' coverage dates are written for FIXTURE_YEAR (2026); this module reads them as written.
TODAY = date(2026, 6, 1)  # inside every persona's coverage (2020-01-01..2030-12-31) but 1000006's


@pytest.fixture(scope="module")
def world():
    return load_world(DEFAULT_SEED, FIXTURE_YEAR)


@pytest.fixture(scope="module")
def generated() -> list[dict]:
    return json.loads((fixtures_dir() / "world" / "beneficiaries.seed-1234.json").read_text("utf-8"))["beneficiaries"]


def raised(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def paths(error: ApiError) -> list[str]:
    return [e.path for e in error.errors]


def ids(items) -> list[int]:
    return [item["beneficiary_id"] for item in items]


# -- search ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sponsor", "body", "expected"),
    [
        ("sponsor-sandbox", {"document_type": "CC", "document_number": "1000000001"}, 1000001),
        ("sponsor-sandbox", {"document_type": "TI", "document_number": "1000000102"}, 1000102),
        ("demo-insurer", {"member_id": "DI-1000008"}, 1000008),
        ("async-sponsor", {"member_id": "AS-1000009"}, 1000009),
        ("async-sponsor", {"document_number": "HEHD920229HDFRRG09"}, 1000009),
        ("sponsor-sandbox-do", {"document_number": "00100000017"}, 1000007),
        ("sponsor-sandbox-do", {"member_id": "DO-1000012"}, 1000012),
        ("mutua-sandbox-es", {"document_number": "12345678Z"}, 1000013),
        ("mutua-sandbox-es", {"member_id": "MU-1000013"}, 1000013),
    ],
    ids=["national-id", "national-id-ti", "member-id-gt", "member-id-mx", "curp", "cedula-do", "member-id-do"]
    + ["dni", "member-id-es"],
)
def test_each_sponsors_search_form_finds_its_beneficiary(world, sponsor, body, expected):
    found = search(world, sponsor, body, TODAY)
    assert found["beneficiary_id"] == expected and found["sponsor_slug"] == sponsor


def test_a_nie_finds_a_generated_spanish_beneficiary(world, generated):
    nie = next(b for b in generated if b["document_type"] == "NIE")
    found = search(world, "mutua-sandbox-es", {"document_number": nie["document_number"]}, TODAY)
    assert (found["beneficiary_id"], found["document_type"]) == (nie["beneficiary_id"], "NIE")


@pytest.mark.parametrize(
    ("sponsor", "body", "expected"),
    [
        ("sponsor-sandbox", {"document_type": " cc ", "document_number": " 1000 000 001 "}, 1000001),
        ("demo-insurer", {"member_id": " di-1000008 "}, 1000008),
        ("async-sponsor", {"document_number": "hehd920229hdfrrg09"}, 1000009),
        ("sponsor-sandbox-do", {"document_number": "001-0000001-7"}, 1000007),
        ("mutua-sandbox-es", {"document_number": "12345678z"}, 1000013),
    ],
    ids=["cc-case-and-spaces", "member-id-case", "curp-case", "cedula-dashes", "dni-letter-case"],
)
def test_search_normalises_documents_before_matching(world, sponsor, body, expected):
    assert search(world, sponsor, body, TODAY)["beneficiary_id"] == expected


@pytest.mark.parametrize(
    ("sponsor", "body", "path"),
    [
        ("sponsor-sandbox", {"document_type": "CC", "document_number": "12AB"}, "document_number"),
        ("sponsor-sandbox", {"document_type": "CC", "document_number": "12345"}, "document_number"),
        ("sponsor-sandbox", {"document_type": "CC", "document_number": "12345678901"}, "document_number"),
        ("sponsor-sandbox", {"document_type": "XX", "document_number": "1000000001"}, "document_type"),
        ("sponsor-sandbox-do", {"document_number": "00100000018"}, "document_number"),
        ("sponsor-sandbox-do", {"document_number": "0010000001"}, "document_number"),
        ("mutua-sandbox-es", {"document_number": "12345678A"}, "document_number"),
        ("async-sponsor", {"document_number": "HEHD920229"}, "document_number"),
    ],
    ids=["cc-letters", "cc-5-digits", "cc-11-digits", "unknown-type", "cedula-check-digit", "cedula-10-digits"]
    + ["dni-check-letter", "short-curp"],
)
def test_a_malformed_document_is_422_on_its_field(world, sponsor, body, path):
    error = raised(lambda: search(world, sponsor, body, TODAY))
    assert (error.code, error.status, paths(error)) == ("MOCK-422-validation-failed", 422, [path])


@pytest.mark.parametrize(
    ("sponsor", "body"),
    [
        ("sponsor-sandbox", {"document_type": "CC", "document_number": "123456"}),
        ("sponsor-sandbox", {"document_type": "CE", "document_number": "1000000001"}),
        ("mutua-sandbox-es", {"member_id": "DI-1000008"}),
        ("demo-insurer", {"member_id": "DI-0000000"}),
    ],
    ids=["unknown-cc", "right-number-wrong-type", "another-sponsors-member", "unknown-member"],
)
def test_a_well_formed_search_that_finds_nobody_is_404(world, generated, sponsor, body):
    assert body.get("document_number") not in {b["document_number"] for b in generated}  # nobody has it
    error = raised(lambda: search(world, sponsor, body, TODAY))
    assert (error.code, error.status) == ("MOCK-404-beneficiary-not-found", 404)


@pytest.mark.parametrize(
    ("sponsor", "body", "missing"),
    [
        ("sponsor-sandbox", {}, ["document_type", "document_number"]),
        ("sponsor-sandbox", {"document_type": "CC"}, ["document_number"]),
        ("sponsor-sandbox", {"member_id": "SS-1000001"}, ["document_type", "document_number"]),
        ("demo-insurer", {"document_number": "2345678910101"}, ["member_id"]),
    ],
    ids=["empty", "half-national-id", "a-form-the-sponsor-lacks", "document-to-a-member-id-sponsor"],
)
def test_a_body_filling_no_form_is_422_naming_the_missing_fields(world, sponsor, body, missing):
    error = raised(lambda: search(world, sponsor, body, TODAY))
    assert (error.code, paths(error)) == ("MOCK-422-validation-failed", missing)


def test_searching_an_unknown_sponsor_is_404(world):
    error = raised(lambda: search(world, "no-such-sponsor", {"member_id": "X"}, TODAY))
    assert (error.code, error.status) == ("MOCK-404-sponsor-not-found", 404)


def test_a_beneficiary_whose_coverage_ended_is_still_found_with_coverage_inactive(world):
    found = search(world, "sponsor-sandbox", {"document_type": "CC", "document_number": "1000000006"}, TODAY)
    assert found["beneficiary_id"] == INACTIVE
    assert found["coverage"] == {
        "plan_code": "SILVER-80",
        "active": False,
        "effective_from": "2020-01-01",
        "effective_until": "2025-06-30",
    }


def test_coverage_is_active_while_today_is_within_it(world):
    body = {"document_type": "CC", "document_number": "1000000006"}
    assert search(world, "sponsor-sandbox", body, date(2025, 6, 30))["coverage"]["active"] is True
    assert search(world, "sponsor-sandbox", body, date(2025, 7, 1))["coverage"]["active"] is False
    # the first day counts too (personas are covered from 2020-01-01: mock_server/domain/world.py loads them so)
    assert search(world, "sponsor-sandbox", body, date(2020, 1, 1))["coverage"]["active"] is True
    assert search(world, "sponsor-sandbox", body, date(2019, 12, 31))["coverage"]["active"] is False


def test_a_beneficiary_out_of_coverage_is_shown_disabled(world):
    body = {"document_type": "CC", "document_number": "1000000006"}
    assert search(world, "sponsor-sandbox", body, date(2025, 6, 30))["status"] == "ENABLED"
    assert search(world, "sponsor-sandbox", body, date(2025, 7, 1))["status"] == "DISABLED"


# -- families -------------------------------------------------------------------------------------
def test_a_holders_search_result_lists_the_family_but_not_the_holder(world):
    found = search(world, "sponsor-sandbox", {"document_type": "CC", "document_number": "1000000001"}, TODAY)
    assert [(d["beneficiary_id"], d["relationship"]) for d in found["dependants"]] == [
        (1000101, "SPOUSE"),
        (1000102, "CHILD"),
    ]


def test_a_dependants_search_result_names_its_holder_and_lists_no_dependants(world):
    found = search(world, "sponsor-sandbox", {"document_type": "CC", "document_number": "1000000101"}, TODAY)
    assert (found["beneficiary_id"], found["holder_id"], found["dependants"]) == (1000101, MARIA, [])


def test_dependants_of_the_holder_leave_the_holder_out(world):
    assert ids(dependants(world, "sponsor-sandbox", MARIA, TODAY)) == [1000101, 1000102]


def test_dependants_of_a_dependant_list_the_holder_first_and_leave_itself_out(world):
    family = dependants(world, "sponsor-sandbox", 1000102, TODAY)
    assert [(d["beneficiary_id"], d["relationship"]) for d in family] == [(MARIA, "HOLDER"), (1000101, "SPOUSE")]


def test_a_beneficiary_without_a_family_has_no_dependants(world):
    assert dependants(world, "sponsor-sandbox", 1000002, TODAY) == []


def test_a_generated_family_lists_the_holder_first_then_the_fixture_order(world, generated):
    holder = next(b for b in generated if sum(1 for m in generated if m["holder_id"] == b["beneficiary_id"]) >= 2)
    members = [m["beneficiary_id"] for m in generated if m["holder_id"] == holder["beneficiary_id"]]
    youngest = members[-1]
    expected = [holder["beneficiary_id"], *members[:-1]]
    assert ids(dependants(world, holder["sponsor_slug"], youngest, TODAY)) == expected


@pytest.mark.parametrize(("sponsor", "beneficiary_id"), [("demo-insurer", MARIA), ("sponsor-sandbox", 99999999)])
def test_dependants_of_someone_not_of_the_sponsor_are_404(world, sponsor, beneficiary_id):
    error = raised(lambda: dependants(world, sponsor, beneficiary_id, TODAY))
    assert (error.code, error.status) == ("MOCK-404-beneficiary-not-found", 404)


# -- configuration --------------------------------------------------------------------------------
def rule(config: dict, product_type: str) -> dict:
    return next(r for r in config["rules"] if r["product_type"] == product_type)


def test_the_dominican_sponsor_needs_an_otp_for_drug_to_complete_and_to_dispense(world):
    config = configuration(world, "sponsor-sandbox-do", "DRUG")
    assert config["covered"] is True and config["product_type"] == "DRUG"
    assert config["otp_required"] == {"complete_authorization": True, "dispense": True}
    assert config["biometric_required"] == {"complete_authorization": False, "dispense": False}
    assert config["required_documents"] == []  # only sponsor-sandbox requires a document
    assert [r["product_type"] for r in config["rules"]] == ["DRUG"]
    assert rule(config, "DRUG")["coverage_type"] == "PRESCRIPTION_DRUGS"


def test_the_dominican_sponsor_needs_no_otp_for_laboratory(world):
    config = configuration(world, "sponsor-sandbox-do", "LABORATORY")
    assert config["otp_required"] == {"complete_authorization": False, "dispense": False}
    assert config["required_documents"] == []


def test_the_overall_configuration_flags_what_any_product_type_needs(world):
    config = configuration(world, "sponsor-sandbox-do", None)
    assert config["product_type"] is None
    assert config["otp_required"] == {"complete_authorization": True, "dispense": True}
    assert config["biometric_required"] == {"complete_authorization": False, "dispense": False}
    assert config["covered_product_types"] == ["DRUG", "LABORATORY", "DIAGNOSTIC_TEST"]
    assert [r["product_type"] for r in config["rules"]] == [
        "DRUG",
        "LABORATORY",
        "DIAGNOSTIC_TEST",
        "MEDICAL_PROCEDURE",
    ]
    assert rule(config, "MEDICAL_PROCEDURE")["covered"] is False
    assert config["required_documents"] == []  # only sponsor-sandbox requires a document
    assert config["settlement_batches_allowed"] is True
    assert config["search_forms"] == ["cedula-do", "member-id"]
    assert (config["country_code"], config["currency_code"]) == ("DO", "DOP")


def test_demo_insurer_needs_a_biometric_match_for_medical_procedures_only(world):
    procedure = configuration(world, "demo-insurer", "MEDICAL_PROCEDURE")
    assert procedure["biometric_required"] == {"complete_authorization": True, "dispense": True}
    assert procedure["otp_required"] == {"complete_authorization": False, "dispense": False}
    assert rule(procedure, "MEDICAL_PROCEDURE")["required_documents"] == []
    assert rule(procedure, "MEDICAL_PROCEDURE")["max_lines_per_authorization"] == 1
    drug = configuration(world, "demo-insurer", "DRUG")
    assert drug["biometric_required"] == {"complete_authorization": False, "dispense": False}
    assert rule(drug, "DRUG")["max_lines_per_authorization"] == 5


def test_demo_insurer_requires_request_fields_and_an_authorization_type(world):
    config = configuration(world, "demo-insurer", None)
    assert config["required_request_fields"] == ["professional_license_number", "service_type_code"]
    assert config["authorization_types"] == {"required": True, "accepted": ["PRESCRIPTION", "LAB_ORDER", "PROCEDURE"]}
    assert config["service_type_codes"] == ["OUTPATIENT", "HOSPITALIZATION", "EMERGENCY"]


def test_the_asynchronous_sponsor_decides_30_seconds_later_and_reimburses(world):
    config = configuration(world, "async-sponsor", None)
    assert config["evaluation_mode"] == "ASYNCHRONOUS" and config["decision_delay_seconds"] == 30
    assert config["payment_type"] == "REIMBURSEMENT"


@pytest.mark.parametrize("sponsor", ["sponsor-sandbox", "demo-insurer", "sponsor-sandbox-do", "mutua-sandbox-es"])
def test_a_synchronous_sponsor_has_no_decision_delay(world, sponsor):
    config = configuration(world, sponsor, None)
    assert (config["evaluation_mode"], config["decision_delay_seconds"]) == ("SYNCHRONOUS", 0)


@pytest.mark.parametrize(
    ("sponsor", "product_type"),
    [
        ("demo-insurer", "DIAGNOSTIC_TEST"),
        ("async-sponsor", "MEDICAL_PROCEDURE"),
        ("mutua-sandbox-es", "DIAGNOSTIC_TEST"),
    ],
)
def test_an_uncovered_product_type_shows_covered_false_and_no_requirements(world, sponsor, product_type):
    config = configuration(world, sponsor, product_type)
    assert config["covered"] is False
    assert rule(config, product_type) == {
        "product_type": product_type,
        "covered": False,
        "coverage_type": None,
        "otp_required": {"complete_authorization": False, "dispense": False},
        "biometric_required": {"complete_authorization": False, "dispense": False},
        "required_documents": [],
        "max_lines_per_authorization": None,
    }


def test_the_configuration_carries_validity_days_and_plans_from_the_fixture(world):
    assert configuration(world, "mutua-sandbox-es", None)["authorization_validity_days"] == 90
    sandbox = configuration(world, "sponsor-sandbox", None)
    assert sandbox["authorization_validity_days"] == 30
    assert [p["plan_code"] for p in sandbox["plans"]] == ["GOLD-100", "SILVER-80", "BASIC-10"]
    basic = next(p for p in sandbox["plans"] if p["plan_code"] == "BASIC-10")
    assert {"product_type": "DRUG", "max_units": 10, "period": "MONTH"} in basic["benefit_limits"]


def test_the_configuration_of_an_unknown_sponsor_is_404(world):
    assert raised(lambda: configuration(world, "no-such-sponsor", None)).code == "MOCK-404-sponsor-not-found"


# -- explain and behaviour ------------------------------------------------------------------------
PERSONAS = [
    # beneficiary, persona, sponsor, behaviour, outcome, verification, evaluation mode, delay (README table)
    (1000001, "approved-co", "sponsor-sandbox", "approved", "APPROVED", None, "SYNCHRONOUS", 0),
    (1000002, "rejected-co", "sponsor-sandbox", "rejected", "REJECTED", None, "SYNCHRONOUS", 0),
    (1000003, "manual-review-co", "sponsor-sandbox", "manual_review", "PENDING_REVIEW", None, "SYNCHRONOUS", 0),
    (
        1000004,
        "partial-approval-co",
        "sponsor-sandbox",
        "partial_approval",
        "PARTIALLY_APPROVED",
        None,
        "SYNCHRONOUS",
        0,
    ),
    (1000005, "benefit-limit-co", "sponsor-sandbox", "benefit_limit", "BENEFIT_LIMIT", None, "SYNCHRONOUS", 0),
    (
        1000006,
        "inactive-coverage-co",
        "sponsor-sandbox",
        "inactive_coverage",
        "COVERAGE_INACTIVE",
        None,
        "SYNCHRONOUS",
        0,
    ),
    (1000007, "otp-do", "sponsor-sandbox-do", "otp", "APPROVED", "OTP", "SYNCHRONOUS", 0),
    (1000008, "biometric-gt", "demo-insurer", "biometric", "APPROVED", "BIOMETRIC", "SYNCHRONOUS", 0),
    (1000009, "async-sponsor-mx", "async-sponsor", "async_sponsor", "APPROVED", None, "ASYNCHRONOUS", 30),
    (1000010, "approved-gt", "demo-insurer", "approved", "APPROVED", "BIOMETRIC", "SYNCHRONOUS", 0),
    (1000011, "approved-mx", "async-sponsor", "approved", "APPROVED", None, "ASYNCHRONOUS", 30),
    (1000012, "approved-do", "sponsor-sandbox-do", "approved", "APPROVED", "OTP", "SYNCHRONOUS", 0),
    (1000013, "approved-es", "mutua-sandbox-es", "approved", "APPROVED", None, "SYNCHRONOUS", 0),
]


@pytest.mark.parametrize(
    ("beneficiary_id", "persona", "sponsor", "behaviour", "outcome", "verification", "mode", "delay"),
    PERSONAS,
    ids=[p[1] for p in PERSONAS],
)
def test_explain_says_what_each_persona_will_do(
    world, beneficiary_id, persona, sponsor, behaviour, outcome, verification, mode, delay
):
    explained = explain(world, beneficiary_id, TODAY)
    assert (explained["persona"], explained["sponsor_slug"], explained["behaviour"]) == (persona, sponsor, behaviour)
    assert explained["otp_code"] == "123456"
    assert explained["coverage_active"] is (beneficiary_id != INACTIVE)
    pre = explained["preauthorization"]
    assert (pre["outcome"], pre["verification_required"]) == (outcome, verification)
    assert (pre["evaluation_mode"], pre["decision_delay_seconds"]) == (mode, delay)


def test_explain_lists_every_product_type_with_its_verification(world):
    by_type = {t["product_type"]: t for t in explain(world, 1000008, TODAY)["preauthorization"]["by_product_type"]}
    assert list(by_type) == ["DRUG", "LABORATORY", "DIAGNOSTIC_TEST", "MEDICAL_PROCEDURE"]
    assert by_type["MEDICAL_PROCEDURE"]["verification_required"] == "BIOMETRIC"
    assert by_type["MEDICAL_PROCEDURE"]["dispense_verification_required"] == "BIOMETRIC"
    assert by_type["DRUG"]["verification_required"] is None
    assert by_type["DIAGNOSTIC_TEST"]["covered"] is False


def test_explain_of_an_unknown_beneficiary_is_404(world):
    assert raised(lambda: explain(world, 99999999, TODAY)).code == "MOCK-404-beneficiary-not-found"


def generated_with_coverage(world):
    return next(
        b
        for b in world.beneficiaries.values()
        if b.persona is None and b.effective_from < b.effective_until and b.beneficiary_id >= 2000000
    )


def test_a_generated_beneficiary_is_approved_up_to_the_last_day_of_its_coverage(world):
    beneficiary = generated_with_coverage(world)
    last_day = date.fromisoformat(beneficiary.effective_until)
    assert behaviour_of(world, beneficiary, last_day) == "approved"
    explained = explain(world, beneficiary.beneficiary_id, last_day)
    assert (explained["persona"], explained["preauthorization"]["outcome"]) == (None, "APPROVED")


def test_a_generated_beneficiary_is_inactive_after_or_before_its_coverage(world):
    beneficiary = generated_with_coverage(world)
    after = date.fromisoformat(beneficiary.effective_until) + timedelta(days=1)
    before = date.fromisoformat(beneficiary.effective_from) - timedelta(days=1)
    assert behaviour_of(world, beneficiary, after) == "inactive_coverage"
    assert behaviour_of(world, beneficiary, before) == "inactive_coverage"
    assert explain(world, beneficiary.beneficiary_id, after)["preauthorization"]["outcome"] == "COVERAGE_INACTIVE"


def test_a_personas_behaviour_does_not_depend_on_the_date(world):
    maria = world.beneficiary(MARIA)
    assert behaviour_of(world, maria, date(2040, 1, 1)) == "approved"


def test_every_generated_coverage_starts_before_it_ends(generated):
    inverted = [b["beneficiary_id"] for b in generated if b["effective_from"] > b["effective_until"]]
    assert inverted == []


@pytest.mark.parametrize("slug", ["demo-insurer", "async-sponsor", "sponsor-sandbox-do", "mutua-sandbox-es"])
def test_only_sponsor_sandbox_requires_a_document_before_complete(world, slug):
    assert configuration(world, slug, None)["required_documents"] == []
    assert configuration(world, "sponsor-sandbox", None)["required_documents"] == ["MEDICAL_INDICATION"]
