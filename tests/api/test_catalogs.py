from __future__ import annotations

import pytest

from tests.support.clients import error_of


@pytest.fixture
def auth(client):
    return client.bearer("demo-clinic")


def all_items(client, path, auth):
    items, page = [], 0
    while True:
        body = client.get(f"{path}{'&' if '?' in path else '?'}size=100&page={page}", headers=auth).json()
        items += body["content"]
        if page >= body["page"]["total_pages"] - 1:
            return items
        page += 1


def test_diagnosis_search_by_code_or_words(client, auth):
    r51 = client.get("/medical-catalogs/v1/diagnoses?query=R51", headers=auth).json()["content"]
    assert {"code": "R51", "name": "Headache"} in r51
    diabetes = client.get("/medical-catalogs/v1/diagnoses?query=DIABETES&size=100", headers=auth).json()["content"]
    assert {"E10", "E11", "E12", "E13", "E14"} <= {d["code"] for d in diabetes}
    assert all("diabetes" in d["name"].lower() or "diabetes" in d["code"].lower() for d in diabetes)


def test_diagnoses_without_query_are_everything_paginated(client, auth):
    page = client.get("/medical-catalogs/v1/diagnoses", headers=auth).json()
    assert page["page"]["total_elements"] >= 300 and page["page"]["size"] == 15 and len(page["content"]) == 15
    assert {link["rel"] for link in page["links"]} == {"self", "first", "next", "last"}


def test_medications_with_list_prices_per_currency(client, auth):
    meds = all_items(client, "/medical-catalogs/v1/medications", auth)
    assert sum(1 for m in meds if m["product_code"].startswith("MED-SBX-")) >= 50
    assert all(m["product_type"] == "DRUG" for m in meds)
    med042 = next(m for m in meds if m["product_code"] == "MED-042")
    assert {p["currency_code"] for p in med042["prices"]} == {"COP", "GTQ", "MXN", "DOP", "EUR"}
    found = client.get("/medical-catalogs/v1/medications?query=paracetamol", headers=auth).json()["content"]
    assert found and all("paracetamol" in m["name"].lower() for m in found)


def test_products_are_labs_imaging_and_procedures(client, auth):
    labs = all_items(client, "/arc/v1/products?product_type=LABORATORY", auth)
    imaging = all_items(client, "/arc/v1/products?product_type=DIAGNOSTIC_TEST", auth)
    procedures = all_items(client, "/arc/v1/products?product_type=MEDICAL_PROCEDURE", auth)
    assert len(labs) >= 20 and len(imaging) >= 10 and len(procedures) >= 20
    assert "LAB-HEMO" in {p["product_code"] for p in labs} and "CONS-GEN" in {p["product_code"] for p in procedures}
    assert client.get("/arc/v1/products?product_type=DRUG", headers=auth).json()["content"] == []
    everything = all_items(client, "/arc/v1/products", auth)
    assert len(everything) == len(labs) + len(imaging) + len(procedures)


def test_guide_product_type_names_are_accepted_with_a_warning(client, auth):
    response = client.get("/arc/v1/products?product_type=LAB", headers=auth)
    assert response.headers["osigu-mock-warning"].startswith("product_type LAB accepted as LABORATORY")
    assert {p["product_type"] for p in response.json()["content"]} == {"LABORATORY"}
    empty = client.get("/arc/v1/products?product_type=", headers=auth)
    assert error_of(empty) == (400, "MOCK-400-invalid-parameter", ["product_type"])


def test_provider_products_are_a_subset_including_the_documentation_examples(client, auth):
    mine = {p["product_code"] for p in all_items(client, "/arc/v1/providers/products", auth)}
    assert {"MED-042", "CONS-GEN", "LAB-HEMO"} <= mine
    assert mine < {p["product_code"] for p in all_items(client, "/medical-catalogs/v1/medications", auth)} | {
        p["product_code"] for p in all_items(client, "/arc/v1/products", auth)
    }
    drugs = all_items(client, "/arc/v1/providers/products?product_type=MEDICATION", auth)
    assert drugs and {p["product_type"] for p in drugs} == {"DRUG"} and all(p["registered_at"] for p in drugs)


def unregistered_code(client, auth):
    mine = {p["product_code"] for p in all_items(client, "/arc/v1/providers/products", auth)}
    return next(p["product_code"] for p in all_items(client, "/arc/v1/products", auth) if p["product_code"] not in mine)


def test_register_list_and_remove_a_product(client, auth):
    code = unregistered_code(client, auth)
    client.post("/__admin/clock", json={"now": "2026-06-25T18:00:00Z"})
    response = client.post("/arc/v1/providers/products", json={"product_code": code}, headers=auth)
    assert response.status_code == 201
    assert response.json() == {"product_code": code, "registered_at": "2026-06-25T18:00:00.000Z"}
    assert code in {p["product_code"] for p in all_items(client, f"/arc/v1/providers/products?query={code}", auth)}
    again = client.post("/arc/v1/providers/products", json={"product_code": code}, headers=auth)
    # its errors[] path is pinned by test_registering_a_product_twice_is_409_naming_the_product_code
    assert error_of(again)[:2] == (409, "MOCK-409-product-already-registered")
    assert client.delete(f"/arc/v1/providers/products/{code}", headers=auth).status_code == 204
    gone = client.delete(f"/arc/v1/providers/products/{code}", headers=auth)
    assert error_of(gone) == (404, "MOCK-404-product-not-registered", [])


def test_registering_a_product_twice_is_409_naming_the_product_code(client, auth):
    code = unregistered_code(client, auth)
    assert client.post("/arc/v1/providers/products", json={"product_code": code}, headers=auth).status_code == 201
    again = client.post("/arc/v1/providers/products", json={"product_code": code}, headers=auth)
    assert error_of(again) == (409, "MOCK-409-product-already-registered", ["product_code"])


def test_registering_an_unknown_product_is_422(client, auth):
    response = client.post("/arc/v1/providers/products", json={"product_code": "NOPE-1"}, headers=auth)
    assert error_of(response) == (422, "MOCK-422-unknown-product", ["product_code"])


def test_registrations_belong_to_one_provider(client, auth):
    code = unregistered_code(client, auth)
    pharmacy = client.bearer("demo-pharmacy")
    pharmacy_had = code in {p["product_code"] for p in all_items(client, "/arc/v1/providers/products", pharmacy)}
    client.post("/arc/v1/providers/products", json={"product_code": code}, headers=auth)
    pharmacy_has = code in {p["product_code"] for p in all_items(client, "/arc/v1/providers/products", pharmacy)}
    assert pharmacy_has == pharmacy_had


def test_registration_needs_arc_write(client):
    response = client.post(
        "/arc/v1/providers/products", json={"product_code": "MED-042"}, headers=client.bearer("demo-readonly")
    )
    assert error_of(response) == (403, "MOCK-403-insufficient-scope", [])
