"""The drift comparison, on a small hand-written contract: each observation is classed by the confidence tag
that applies to it (its own, else its schema's, else its operation's), and what the contract does not know is
``new``. The expected classes follow from the tags written below, not from the code under test."""

from __future__ import annotations

import orjson
import pytest

from mock_server.kit.drift import Drift

ITEM = {
    "type": "object",
    "x-osigu-confidence": "schema-page",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["READY", "VOIDED"]},
        "note": {"type": ["string", "null"], "x-osigu-confidence": "inferred"},
        "amount": {"type": "number", "x-osigu-confidence": "inferred"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}
DOCUMENT = {
    "openapi": "3.1.0",
    "paths": {
        "/items/{id}": {
            "get": {
                "operationId": "getItem",
                "x-osigu-confidence": "operation-page",
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                    "404": {
                        "x-osigu-confidence": "inferred",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"code": {"type": "string"}}}
                            }
                        },
                    },
                    "4XX": {"content": {"application/json": {"schema": {"type": "object"}}}},
                },
            }
        },
        "/guesses": {
            "post": {
                "operationId": "makeGuess",
                "x-osigu-confidence": "inferred",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["count"],
                                "properties": {"count": {"type": "integer"}},
                            }
                        }
                    }
                },
                "responses": {
                    "201": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/Item"},
                                        {
                                            "type": "object",
                                            "required": ["extra"],
                                            "properties": {"extra": {"type": "boolean"}},
                                        },
                                    ]
                                }
                            }
                        }
                    }
                },
            }
        },
        "/choices": {
            "post": {
                "operationId": "choose",
                "x-osigu-confidence": "guide",
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "pick": {
                                            "anyOf": [
                                                {
                                                    "type": "object",
                                                    "required": ["a"],
                                                    "properties": {"a": {"type": "string"}},
                                                },
                                                {
                                                    "type": "object",
                                                    "required": ["b"],
                                                    "properties": {"b": {"type": "integer"}},
                                                },
                                            ]
                                        },
                                        "totals": {"type": "object", "additionalProperties": {"type": "integer"}},
                                    },
                                }
                            }
                        }
                    }
                },
            }
        },
        "/__admin/thing": {
            "get": {
                "operationId": "adminThing",
                "x-osigu-confidence": "mock",
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}
                        }
                    }
                },
            }
        },
        "/pages": {
            "get": {
                "operationId": "listItems",
                "x-osigu-confidence": "guide",
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "content": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                                        "next": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Item"}]},
                                    },
                                }
                            }
                        }
                    }
                },
            }
        },
    },
    "webhooks": {
        "item.ready": {
            "post": {
                "operationId": "webhook_item_ready",
                "x-osigu-confidence": "guide",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
            }
        }
    },
    "components": {"schemas": {"Item": ITEM}},
}
GOOD = {"id": 1, "status": "READY", "note": None, "amount": 2.5, "expires_at": "2026-11-30T10:00:00Z"}


@pytest.fixture
def drift() -> Drift:
    return Drift(DOCUMENT)


def classes(drift: Drift) -> dict[tuple[str, str, str], str]:
    return {(e.status, e.aspect, e.field): e.cls for e in drift.entries.values() if e.seen}


def test_a_conforming_answer_holds_each_fact_under_its_own_tag(drift):
    drift.observe("GET", "/items/7", 200, GOOD)
    found = classes(drift)
    assert found[("", "status", "")] == "confirmed-held"  # the operation page documents 200
    assert found[("200", "field", "id")] == "confirmed-held"  # untagged: the schema page's tag vouches for it
    assert found[("200", "field", "amount")] == "inferred-held"  # its own tag
    assert found[("200", "field", "note")] == "inferred-held"
    assert "confirmed-violated" not in found.values() and "new" not in found.values()


def test_a_missing_required_confirmed_field_is_a_confirmed_violation(drift):
    drift.observe("GET", "/items/7", 200, {k: v for k, v in GOOD.items() if k != "id"})
    assert classes(drift)[("200", "field", "id")] == "confirmed-violated"


def test_a_wrong_type_on_an_inferred_field_is_an_inferred_contradiction(drift):
    drift.observe("GET", "/items/7", 200, {**GOOD, "amount": "2.50"})
    assert classes(drift)[("200", "field", "amount")] == "inferred-contradicted"


def test_a_bad_format_violates_the_field(drift):
    drift.observe("GET", "/items/7", 200, {**GOOD, "expires_at": "yesterday"})
    assert classes(drift)[("200", "field", "expires_at")] == "confirmed-violated"


def test_a_field_the_contract_does_not_name_is_new(drift):
    drift.observe("GET", "/items/7", 200, {**GOOD, "colour": "red"})
    found = classes(drift)
    assert found[("200", "new-field", "colour")] == "new"
    assert found[("200", "field", "id")] == "confirmed-held"


def test_a_value_outside_the_enum_is_new_and_violates_the_enum(drift):
    drift.observe("GET", "/items/7", 200, {**GOOD, "status": "ON_HOLD"})
    found = classes(drift)
    assert found[("200", "new-value", 'status="ON_HOLD"')] == "new"
    assert found[("200", "field", "status")] == "confirmed-violated"


def test_an_undocumented_status_is_new_and_violates_the_operations_statuses(drift):
    drift.observe("GET", "/items/7", 202, GOOD)
    found = classes(drift)
    assert found[("202", "new-status", "")] == "new"
    assert found[("", "status", "")] == "confirmed-violated"


def test_an_inferred_operation_tags_its_statuses_and_all_of_merges_the_parts(drift):
    drift.observe("POST", "/guesses", 200, {})
    assert classes(drift)[("", "status", "")] == "inferred-contradicted"
    drift = Drift(DOCUMENT)
    drift.observe("POST", "/guesses", 201, {**GOOD, "extra": True})
    found = classes(drift)
    assert found[("201", "field", "id")] == "confirmed-held"  # from Item, under Item's tag
    assert found[("201", "field", "extra")] == "inferred-held"  # the inline part, under the operation's tag
    assert ("201", "new-field", "extra") not in found


def test_array_items_and_one_of_branches_are_walked(drift):
    drift.observe(
        "GET", "/pages", 200, {"content": [GOOD, {**GOOD, "status": "LOST"}], "next": {"id": "x", "status": "READY"}}
    )
    found = classes(drift)
    assert found[("200", "field", "content[].status")] == "confirmed-violated"
    assert found[("200", "new-value", 'content[].status="LOST"')] == "new"
    assert found[("200", "field", "next.id")] == "confirmed-violated"
    drift = Drift(DOCUMENT)
    drift.observe("GET", "/pages", 200, {"content": [], "next": None})
    assert classes(drift)[("200", "field", "next")] == "confirmed-held"


def test_a_request_body_is_checked_against_the_request_schema(drift):
    drift.observe_request("POST", "/guesses", {"count": "three"})
    assert classes(drift)[("request", "field", "count")] == "inferred-contradicted"


def test_a_path_no_operation_serves_is_new(drift):
    drift.observe("GET", "/elsewhere", 200, {})
    assert [(e.aspect, e.cls) for e in drift.entries.values()] == [("new-operation", "new")]


def test_a_body_that_is_not_json_violates_the_documented_schema(drift):
    drift.observe("GET", "/items/7", 200, b"<html>")
    assert classes(drift)[("200", "field", "$")] == "confirmed-violated"


def test_a_violation_is_shown_first_among_what_was_observed(drift):
    for _ in range(3):
        drift.observe("GET", "/items/7", 200, GOOD)
    drift.observe("GET", "/items/7", 200, {**GOOD, "amount": "x"})
    entry = next(e for e in drift.entries.values() if e.field == "amount")
    assert entry.observed[0] == 'string "x"' and entry.seen == 4 and entry.violations == 1


def test_a_webhook_delivery_is_checked_against_the_contracts_webhook_of_its_event_type(drift):
    drift.observe_webhook("item.ready", b'{"id": "1", "status": "READY"}')
    found = {(e.operation, e.field): e.cls for e in drift.entries.values() if e.seen}
    assert found[("webhook_item_ready", "id")] == "confirmed-violated"
    assert found[("webhook_item_ready", "status")] == "confirmed-held"
    drift.observe_webhook("item.gone", b"{}")
    assert found.keys() <= {(e.operation, e.field) for e in drift.entries.values()}
    assert any(e.aspect == "new-operation" and e.path == "item.gone" for e in drift.entries.values())


def test_a_partial_body_does_not_report_the_fields_it_leaves_out(drift):
    drift.observe("GET", "/items/7", 200, {"status": "LOST"}, partial=True)
    found = classes(drift)
    assert ("200", "field", "id") not in found  # a guide listing some fields says nothing of the others
    assert found[("200", "field", "status")] == "confirmed-violated"  # what it does show still counts


def test_an_integer_is_a_valid_number(drift):
    drift.observe("GET", "/items/7", 200, {**GOOD, "amount": 2})
    assert classes(drift)[("200", "field", "amount")] == "inferred-held"


def test_a_status_covered_by_a_range_is_documented(drift):
    drift.observe("GET", "/items/7", 418, {})
    found = classes(drift)
    assert found[("", "status", "")] == "confirmed-held" and ("418", "new-status", "") not in found


def test_a_responses_own_tag_governs_its_body(drift):
    drift.observe("GET", "/items/7", 404, {"code": 5})
    assert classes(drift)[("404", "field", "code")] == "inferred-contradicted"  # the operation is operation-page


def test_any_of_branches_are_told_apart_by_their_required_fields(drift):
    drift.observe("POST", "/choices", 200, {"pick": {"b": 1}})
    found = classes(drift)
    assert found[("200", "field", "pick.b")] == "confirmed-held"
    assert ("200", "field", "pick.a") not in found


def test_the_values_of_a_map_are_checked_against_its_additional_properties(drift):
    drift.observe("POST", "/choices", 200, {"totals": {"x": "many"}})
    found = classes(drift)
    assert found[("200", "field", "totals.*")] == "confirmed-violated"
    assert ("200", "new-field", "totals.x") not in found
    drift = Drift(DOCUMENT)
    drift.observe("POST", "/choices", 200, {"totals": {"x": 3}})
    assert classes(drift)[("200", "field", "totals.*")] == "confirmed-held"


def test_the_mocks_own_control_plane_is_held_to_its_contract_as_a_confirmed_fact(drift):
    drift.observe("GET", "/__admin/thing", 200, {"n": "one"})
    assert classes(drift)[("200", "field", "n")] == "confirmed-violated"


def test_the_suites_client_refuses_an_answer_with_a_field_the_contract_does_not_name():
    from tests.support.clients import unnamed_fields

    page = {"content": [], "page": {"size": 20, "total_elements": 0, "total_pages": 0, "number": 0}, "links": []}
    named = orjson.dumps(page)
    renamed = orjson.dumps({**page, "CONTENT": []})
    assert unnamed_fields("GET", "/arc/v1/claims", 200, "application/json", named) == []
    assert unnamed_fields("GET", "/arc/v1/claims", 200, "application/json", renamed) == [
        "GET /arc/v1/claims 200: CONTENT is not named by the contract"
    ]
    # the same unnamed field in a later answer is refused again
    assert len(unnamed_fields("GET", "/arc/v1/claims", 200, "application/json", renamed)) == 1


def test_the_suites_client_raises_on_an_answer_naming_a_field_the_contract_does_not():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.support.clients import CheckedClient, ContractViolation

    page = {"content": [], "page": {"size": 20, "total_elements": 0, "total_pages": 0, "number": 0}, "links": []}
    answers = {"named": page, "renamed": {**page, "CONTENT": []}}

    async def claims(request):
        return JSONResponse(answers[request.query_params["which"]])

    with CheckedClient(Starlette(routes=[Route("/arc/v1/claims", claims)])) as client:
        assert client.get("/arc/v1/claims?which=named").status_code == 200
        with pytest.raises(ContractViolation, match="CONTENT is not named by the contract"):
            client.get("/arc/v1/claims?which=renamed")
