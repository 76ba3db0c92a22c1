"""Bad input never gives a 500 and never changes state: OSIGU's error body with the right status."""

from __future__ import annotations

import pytest

from tests.support.clients import error_of
from tests.support.state import fingerprint

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def unchanged(client, sandbox):
    client.token()  # some state worth protecting: a token and its expiry timer
    before = fingerprint(sandbox)
    yield
    assert fingerprint(sandbox) == before


def test_malformed_json_is_400(client, unchanged):
    response = client.post("/__admin/clock/advance", content=b'{"seconds": 1', headers=JSON)
    assert error_of(response) == (400, "MOCK-400-malformed-json", [])


def test_wrong_types_are_422_with_one_entry_per_problem(client, unchanged):
    response = client.post("/__admin/clock", json={"now": 12, "frozen": "yes"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "MOCK-422-validation-failed"
    assert body["errors"] == [
        {"path": "frozen", "message": "must be of type boolean"},
        {"path": "now", "message": "must be of type string"},
    ]


def test_missing_field_is_422_naming_the_field(client, unchanged):
    response = client.post("/__admin/clients", json={})
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["provider_slug"])
    assert response.json()["errors"] == [{"path": "provider_slug", "message": "is required"}]


def test_body_that_is_not_an_object_is_422(client, unchanged):
    response = client.post("/__admin/clock/advance", content=b"[1, 2]", headers=JSON)
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["$"])
    assert response.json()["errors"] == [{"path": "$", "message": "must be a JSON object"}]


def test_out_of_range_value_is_422(client, unchanged):
    response = client.post("/__admin/clock/advance", json={"seconds": -5})
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["seconds"])


def test_bad_date_time_is_422(client, unchanged):
    response = client.post("/__admin/clock", json={"now": "yesterday"})
    assert error_of(response) == (422, "MOCK-422-validation-failed", ["now"])


def test_unknown_route_is_404_error_body(client, unchanged):
    response = client.get("/arc/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "code": "MOCK-404-route-not-found",
        "message": "No operation is served at this path.",
        "errors": [],
    }


def test_wrong_method_is_405_error_body_with_allow(client, unchanged):
    response = client.put("/v1/oauth/token")
    assert error_of(response) == (405, "MOCK-405-method-not-allowed", [])
    assert response.headers["allow"] == "POST"


def test_wrong_content_type_is_415(client, unchanged):
    response = client.post("/__admin/clock/advance", content=b"seconds=5", headers={"Content-Type": "text/plain"})
    assert error_of(response) == (415, "MOCK-415-unsupported-media-type", [])


def test_body_over_one_mebibyte_is_413(client, unchanged):
    big = b'{"seconds": 1, "pad": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post("/__admin/clock/advance", content=big, headers=JSON)
    assert error_of(response) == (413, "MOCK-413-payload-too-large", [])


def test_streamed_body_over_the_limit_is_413_without_content_length(client, unchanged):
    def chunks():
        for _ in range(20):
            yield b"x" * 65536

    response = client.post("/__admin/clock/advance", content=chunks(), headers=JSON)
    assert error_of(response) == (413, "MOCK-413-payload-too-large", [])


def test_body_at_the_limit_is_read(client, sandbox):
    padding = 1024 * 1024 - len(b'{"seconds": 0, "pad": ""}')
    body = b'{"seconds": 0, "pad": "' + b"x" * padding + b'"}'
    assert len(body) == 1024 * 1024
    assert client.post("/__admin/clock/advance", content=body, headers=JSON).status_code == 200


def test_bad_query_parameter_is_400(client, unchanged):
    response = client.get("/__admin/journal?page=-1&size=abc")
    assert error_of(response) == (400, "MOCK-400-invalid-parameter", ["page", "size"])


def test_non_utf8_garbage_in_a_json_body_is_400(client, unchanged):
    response = client.post("/__admin/clock/advance", content=b"\xff\xfe\x00{", headers=JSON)
    assert error_of(response) == (400, "MOCK-400-malformed-json", [])


def test_a_trailing_slash_is_an_unknown_path_not_a_redirect(client, unchanged):
    response = client.get("/healthz/", follow_redirects=False)
    assert error_of(response) == (404, "MOCK-404-route-not-found", [])
