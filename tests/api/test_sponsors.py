from __future__ import annotations

import pytest

from tests.support.clients import error_of

MARIA = {"document_type": "CC", "document_number": "1000000001"}
SEARCH = "/v1/sponsors/sponsor-sandbox/search"


def cc(number: str, kind: str = "CC") -> dict:
    return {"document_type": kind, "document_number": number}


@pytest.fixture
def auth(client):
    return client.bearer("demo-clinic")


def test_lists_the_five_affiliated_sponsors(client, auth):
    page = client.get("/v1/sponsors", headers=auth).json()
    assert page["page"]["total_elements"] == 5
    assert {s["sponsor_slug"]: s["country_code"] for s in page["content"]} == {
        "sponsor-sandbox": "CO",
        "demo-insurer": "GT",
        "async-sponsor": "MX",
        "sponsor-sandbox-do": "DO",
        "mutua-sandbox-es": "ES",
    }


def test_sponsor_endpoints_need_arc_scopes(client):
    assert error_of(client.get("/v1/sponsors")) == (401, "MOCK-401-missing-token", [])
    readonly = client.bearer("demo-readonly")
    assert error_of(client.get("/v1/sponsors", headers=readonly)) == (403, "MOCK-403-insufficient-scope", [])
    search = client.post("/v1/sponsors/sponsor-sandbox/search", json=MARIA, headers=readonly)
    assert error_of(search) == (403, "MOCK-403-insufficient-scope", [])


def test_forms_differ_per_sponsor(client, auth):
    national = client.get("/v1/sponsors/sponsor-sandbox/forms", headers=auth).json()
    assert [f["form_slug"] for f in national] == ["national-id"]
    fields = {f["slug"]: f for f in national[0]["fields"]}
    assert fields["document_type"]["options"] == ["CC", "CE", "TI", "PA"] and fields["document_type"]["required"]
    assert fields["document_number"]["type"] == "TEXT"
    member = client.get("/v1/sponsors/demo-insurer/forms", headers=auth).json()
    assert [f["form_slug"] for f in member] == ["member-id"]
    assert [f["slug"] for f in member[0]["fields"]] == ["member_id"]
    assert error_of(client.get("/v1/sponsors/nobody/forms", headers=auth)) == (404, "MOCK-404-sponsor-not-found", [])


def test_search_finds_the_documentation_example(client, auth):
    response = client.post("/v1/sponsors/sponsor-sandbox/search", json=MARIA, headers=auth)
    assert response.status_code == 200
    maria = response.json()
    assert (maria["first_name"], maria["last_name"]) == ("MARIA", "GONZALEZ")
    assert maria["coverage"]["plan_code"] == "GOLD-100" and maria["coverage"]["active"] is True
    assert maria["id"] == maria["beneficiary_id"] == 1000001
    assert [d["relationship"] for d in maria["dependants"]] == ["SPOUSE", "CHILD"]
    assert maria["general_balance"]["currency_code"]["currency_code"] == "COP"


def test_a_dependant_has_no_dependants_of_its_own(client, auth):
    child = client.post(
        "/v1/sponsors/sponsor-sandbox/search",
        json={"document_type": "TI", "document_number": "1000000102"},
        headers=auth,
    ).json()
    assert child["relationship"] == "CHILD" and child["holder_id"] == 1000001 and child["dependants"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"document_type": "CC", "document_number": "12345"},
        {"document_type": "CC", "document_number": "12ab567"},
        {"document_type": "CC", "document_number": "12345678901"},
    ],
)
def test_malformed_document_number_is_422(client, auth, body):
    response = client.post("/v1/sponsors/sponsor-sandbox/search", json=body, headers=auth)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["document_number"])


def test_unknown_document_type_is_422(client, auth):
    response = client.post(
        "/v1/sponsors/sponsor-sandbox/search", json={"document_type": "XX", "document_number": "123456"}, headers=auth
    )
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["document_type"])


def test_fields_of_no_form_are_422_naming_what_is_missing(client, auth):
    response = client.post("/v1/sponsors/sponsor-sandbox/search", json={"member_id": "SS-1000001"}, headers=auth)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["document_number", "document_type"])


def test_non_string_field_is_422(client, auth):
    response = client.post(
        "/v1/sponsors/sponsor-sandbox/search", json={"document_type": "CC", "document_number": 1000000001}, headers=auth
    )
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["document_number"])


def test_nobody_found_is_404(client, auth):
    response = client.post(
        "/v1/sponsors/sponsor-sandbox/search",
        json={"document_type": "CC", "document_number": "999999999"},
        headers=auth,
    )
    assert error_of(response) == (404, "MOCK-404-beneficiary-not-found", [])


def test_inactive_coverage_is_found_with_active_false(client, auth):
    response = client.post(
        "/v1/sponsors/sponsor-sandbox/search",
        json={"document_type": "CC", "document_number": "1000000006"},
        headers=auth,
    )
    assert response.status_code == 200 and response.json()["coverage"]["active"] is False


def test_coverage_follows_the_mock_clock(client, auth):
    maria = client.post("/v1/sponsors/sponsor-sandbox/search", json=MARIA, headers=auth).json()
    assert maria["coverage"]["active"] is True
    client.post("/__admin/clock", json={"now": maria["coverage"]["effective_until"] + "T23:59:59Z"})
    last_day = client.post("/v1/sponsors/sponsor-sandbox/search", json=MARIA, headers=client.bearer()).json()
    assert last_day["coverage"]["active"] is True
    client.post("/__admin/clock/advance", json={"seconds": 1})  # the day after the coverage ends
    maria = client.post("/v1/sponsors/sponsor-sandbox/search", json=MARIA, headers=client.bearer()).json()
    assert maria["coverage"]["active"] is False and maria["status"] == "DISABLED"


@pytest.mark.parametrize(
    ("sponsor", "body", "beneficiary_id"),
    [
        ("demo-insurer", {"member_id": "DI-1000008"}, 1000008),
        ("demo-insurer", {"member_id": "di-1000008"}, 1000008),
        ("sponsor-sandbox-do", {"document_number": "001-0000001-7"}, 1000007),
        ("mutua-sandbox-es", {"document_number": "12345678Z"}, 1000013),
        ("async-sponsor", {"document_number": "HEHD920229HDFRRG09"}, 1000009),
    ],
)
def test_each_sponsor_searches_with_its_own_form(client, auth, sponsor, body, beneficiary_id):
    response = client.post(f"/v1/sponsors/{sponsor}/search", json=body, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["beneficiary_id"] == beneficiary_id


@pytest.mark.parametrize(
    ("sponsor", "body"),
    [
        ("sponsor-sandbox-do", {"document_number": "00100000018"}),
        ("mutua-sandbox-es", {"document_number": "12345678A"}),
    ],
)
def test_check_digits_and_letters_are_verified(client, auth, sponsor, body):
    response = client.post(f"/v1/sponsors/{sponsor}/search", json=body, headers=auth)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["document_number"])


def test_a_beneficiary_of_another_sponsor_is_not_found(client, auth):
    response = client.post("/v1/sponsors/sponsor-sandbox/search", json={"member_id": "DI-1000008"}, headers=auth)
    # sponsor-sandbox has no member-id form: its national-id form's fields are missing
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["document_number", "document_type"])
    response = client.post("/v1/sponsors/sponsor-sandbox-do/search", json={"member_id": "DI-1000008"}, headers=auth)
    assert error_of(response) == (404, "MOCK-404-beneficiary-not-found", [])


def test_dependants_are_the_family_group(client, auth):
    page = client.get("/v1/sponsors/sponsor-sandbox/beneficiaries/1000102/dependants", headers=auth).json()
    assert [(d["beneficiary_id"], d["relationship"]) for d in page["content"]] == [
        (1000001, "HOLDER"),
        (1000101, "SPOUSE"),
    ]
    assert (
        client.get("/v1/sponsors/sponsor-sandbox/beneficiaries/1000001/dependants", headers=auth).json()["page"][
            "total_elements"
        ]
        == 2
    )


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (
            "/v1/sponsors/sponsor-sandbox/beneficiaries/abc/dependants",
            (400, "MOCK-400-invalid-parameter", ["beneficiary_id"]),
        ),
        ("/v1/sponsors/sponsor-sandbox/beneficiaries/99/dependants", (404, "MOCK-404-beneficiary-not-found", [])),
        ("/v1/sponsors/demo-insurer/beneficiaries/1000001/dependants", (404, "MOCK-404-beneficiary-not-found", [])),
        ("/v1/sponsors/nobody/beneficiaries/1000001/dependants", (404, "MOCK-404-sponsor-not-found", [])),
    ],
)
def test_dependants_of_unknown_or_foreign_beneficiaries(client, auth, path, error):
    assert error_of(client.get(path, headers=auth)) == error


def config(client, auth, sponsor, product_type=None, **kwargs):
    query = f"?product_type={product_type}" if product_type else ""
    return client.get(f"/arc/v1/sponsors/{sponsor}/configuration{query}", headers=auth, **kwargs)


def test_configuration_carries_each_sponsors_rules(client, auth):
    sandbox = config(client, auth, "sponsor-sandbox", "DRUG").json()
    assert sandbox["evaluation_mode"] == "SYNCHRONOUS" and sandbox["required_request_fields"] == []
    assert sandbox["required_documents"] == ["MEDICAL_INDICATION"] and sandbox["otp_required"]["dispense"] is False
    assert sandbox["authorization_types"]["required"] is False and sandbox["settlement_batches_allowed"] is False
    assert {p["plan_code"] for p in sandbox["plans"]} == {"GOLD-100", "SILVER-80", "BASIC-10"}
    insurer = config(client, auth, "demo-insurer", "MEDICAL_PROCEDURE").json()
    assert set(insurer["required_request_fields"]) == {"professional_license_number", "service_type_code"}
    assert insurer["biometric_required"] == {"complete_authorization": True, "dispense": True}
    assert insurer["authorization_types"] == {"required": True, "accepted": ["PRESCRIPTION", "LAB_ORDER", "PROCEDURE"]}
    assert config(client, auth, "demo-insurer", "DRUG").json()["biometric_required"]["complete_authorization"] is False
    assert config(client, auth, "async-sponsor", "DRUG").json()["evaluation_mode"] == "ASYNCHRONOUS"
    dominican = config(client, auth, "sponsor-sandbox-do", "DRUG").json()
    assert dominican["otp_required"] == {"complete_authorization": True, "dispense": True}
    assert dominican["settlement_batches_allowed"] is True
    assert config(client, auth, "sponsor-sandbox-do", "LABORATORY").json()["otp_required"]["dispense"] is False


def test_configuration_for_an_uncovered_product_type_says_so(client, auth):
    body = config(client, auth, "mutua-sandbox-es", "MEDICAL_PROCEDURE").json()
    assert body["covered"] is False and body["rules"][0]["covered"] is False


def test_configuration_without_product_type_lists_every_rule(client, auth):
    body = config(client, auth, "demo-insurer").json()
    assert body["product_type"] is None and len(body["rules"]) == 4
    assert body["biometric_required"]["complete_authorization"] is True


def test_guide_product_type_is_accepted_with_a_warning_and_journalled(client, auth):
    response = config(client, auth, "sponsor-sandbox", "MEDICATION")
    assert response.status_code == 200 and response.json()["product_type"] == "DRUG"
    assert "MEDICATION" in response.headers["osigu-mock-warning"]
    entry = client.get("/__admin/journal?path=/arc/v1/sponsors/*").json()["content"][0]
    assert entry["warnings"] and "MEDICATION" in entry["warnings"][0]
    assert "osigu-mock-warning" not in config(client, auth, "sponsor-sandbox", "DRUG").headers


def test_strict_mode_refuses_guide_product_types():
    from mock_server.app import create_app
    from mock_server.settings import Settings
    from tests.support.clients import CheckedClient, error_of

    with CheckedClient(create_app(Settings(strict=True))) as strict:
        auth = strict.bearer()
        refused = config(strict, auth, "sponsor-sandbox", "MEDICATION")
        assert error_of(refused) == (400, "MOCK-400-invalid-parameter", ["product_type"])
        assert config(strict, auth, "sponsor-sandbox", "DRUG").status_code == 200


def test_configuration_errors(client, auth):
    assert error_of(config(client, auth, "nobody", "DRUG")) == (404, "MOCK-404-sponsor-not-found", [])
    toys = config(client, auth, "sponsor-sandbox", "TOYS")
    assert error_of(toys) == (400, "MOCK-400-invalid-parameter", ["product_type"])


def test_no_sponsor_slug_is_written_into_the_code():
    """Rules are data: the domain never branches on a sponsor's slug."""
    from pathlib import Path

    import mock_server

    slugs = ("sponsor-sandbox", "demo-insurer", "async-sponsor", "mutua-sandbox-es")
    for path in Path(mock_server.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not [s for s in slugs if s in text], path
