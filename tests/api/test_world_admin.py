from __future__ import annotations

import pytest

from tests.support.clients import error_of
from tests.support.world import BEHAVIOURS


def personas(client):
    return client.get("/__admin/world").json()["personas"]


def test_world_lists_sponsors_personas_and_products(client):
    world = client.get("/__admin/world").json()
    assert len(world["sponsors"]) == 5
    assert {p["behaviour"] for p in world["personas"]} == BEHAVIOURS
    assert all(p["otp_code"] == "123456" for p in world["personas"])
    assert len({p["persona"] for p in world["personas"]}) == len(world["personas"])
    med042 = next(p for p in world["products"] if p["product_code"] == "MED-042")
    assert set(med042["registered_by"]) == {
        "clinic-example",
        "pharmacy-example",
        "doctors-office-example",
        "consultorio-madrid",
        "farmacia-santo-domingo",
    }


def search_body(client, auth, persona):
    forms = client.get(f"/v1/sponsors/{persona['sponsor_slug']}/forms", headers=auth).json()
    slugs = {f["slug"] for f in forms[0]["fields"]}
    if "member_id" in slugs:
        return {"member_id": persona["member_id"]}
    body = {"document_number": persona["document_number"]}
    if "document_type" in slugs:
        body["document_type"] = persona["document_type"]
    return body


def test_every_persona_is_found_by_its_sponsors_search_form(client):
    auth = client.bearer()
    for persona in personas(client):
        response = client.post(
            f"/v1/sponsors/{persona['sponsor_slug']}/search", json=search_body(client, auth, persona), headers=auth
        )
        assert response.status_code == 200, persona["persona"]
        assert response.json()["beneficiary_id"] == persona["beneficiary_id"]
        assert response.json()["coverage"]["active"] is (persona["behaviour"] != "inactive_coverage")


def test_explain_says_what_each_persona_will_do(client):
    expected = {
        "approved": "APPROVED",
        "rejected": "REJECTED",
        "manual_review": "PENDING_REVIEW",
        "async_sponsor": "APPROVED",
        "otp": "APPROVED",
        "biometric": "APPROVED",
        "inactive_coverage": "COVERAGE_INACTIVE",
        "partial_approval": "PARTIALLY_APPROVED",
        "benefit_limit": "BENEFIT_LIMIT",
    }
    for persona in personas(client):
        body = client.get(f"/__admin/explain?beneficiary_id={persona['beneficiary_id']}").json()
        assert (body["persona"], body["behaviour"], body["sponsor_slug"]) == (
            persona["persona"],
            persona["behaviour"],
            persona["sponsor_slug"],
        )
        assert body["preauthorization"]["outcome"] == expected[persona["behaviour"]]
    otp = next(p for p in personas(client) if p["behaviour"] == "otp")
    assert (
        client.get(f"/__admin/explain?beneficiary_id={otp['beneficiary_id']}").json()["preauthorization"][
            "verification_required"
        ]
        == "OTP"
    )
    biometric = next(p for p in personas(client) if p["behaviour"] == "biometric")
    assert (
        client.get(f"/__admin/explain?beneficiary_id={biometric['beneficiary_id']}").json()["preauthorization"][
            "verification_required"
        ]
        == "BIOMETRIC"
    )
    async_ = next(p for p in personas(client) if p["behaviour"] == "async_sponsor")
    assert (
        client.get(f"/__admin/explain?beneficiary_id={async_['beneficiary_id']}").json()["preauthorization"][
            "evaluation_mode"
        ]
        == "ASYNCHRONOUS"
    )


def test_explain_a_generated_beneficiary(client):
    body = client.get("/__admin/explain?beneficiary_id=2000001").json()
    assert body["persona"] is None and body["behaviour"] in ("approved", "inactive_coverage")


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("beneficiary_id=5", (404, "MOCK-404-beneficiary-not-found", [])),
        ("", (422, "MOCK-422-validation-failed", ["beneficiary_id"])),
        ("code=JG2SJYAP5", (404, "MOCK-404-code-not-found", [])),
        ("beneficiary_id=x", (400, "MOCK-400-invalid-parameter", ["beneficiary_id"])),
    ],
)
def test_explain_errors(client, query, error):
    assert error_of(client.get(f"/__admin/explain?{query}")) == error
