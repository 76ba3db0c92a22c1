from __future__ import annotations

import jwt
import pytest

from tests.support.clients import error_of

CREDS = ("demo-clinic", "demo-clinic-secret")
FORM = {"grant_type": "client_credentials"}


def test_token_from_basic_credentials_and_a_form_body(client):
    response = client.post("/v1/oauth/token", auth=CREDS, data=FORM)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["scope"] == "arc:read arc:write dispensing:read dispensing:write ehr:read ehr:write"
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["provider_slug"] == "clinic-example" and claims["client_id"] == "demo-clinic"
    assert claims["exp"] - claims["iat"] == 3600 and claims["jti"]


def test_token_with_grant_type_in_the_query_string_and_an_empty_body(client):
    response = client.post("/v1/oauth/token?grant_type=client_credentials", auth=CREDS)
    assert response.status_code == 200


def test_read_only_client_gets_only_its_scope(client):
    response = client.post("/v1/oauth/token", auth=("demo-readonly", "demo-readonly-secret"), data=FORM)
    assert response.json()["scope"] == "ehr:read"


@pytest.mark.parametrize(
    "auth",
    [("demo-clinic", "wrong"), ("nobody", "x"), None],
    ids=["wrong-secret", "unknown-client", "no-credentials"],
)
def test_bad_client_is_401_with_a_basic_challenge(client, auth):
    response = client.post("/v1/oauth/token", auth=auth, data=FORM)
    assert error_of(response) == (401, "MOCK-401-invalid-client", [])
    assert response.headers["www-authenticate"].startswith("Basic")


def test_credentials_in_the_body_instead_of_basic_are_401(client):
    response = client.post("/v1/oauth/token", data={**FORM, "client_id": CREDS[0], "client_secret": CREDS[1]})
    assert error_of(response) == (401, "MOCK-401-invalid-client", [])


@pytest.mark.parametrize("data", [{"grant_type": "password"}, {}], ids=["wrong-grant", "missing-grant"])
def test_bad_grant_is_400(client, data):
    response = client.post("/v1/oauth/token", auth=CREDS, data=data)
    assert error_of(response) == (400, "MOCK-400-invalid-grant-type", ["grant_type"])


def test_json_body_is_415(client):
    response = client.post("/v1/oauth/token", auth=CREDS, json=FORM)
    assert error_of(response) == (415, "MOCK-415-unsupported-media-type", [])


def test_eleventh_token_request_in_a_minute_is_429_with_retry_after(client):
    for _ in range(10):
        assert client.post("/v1/oauth/token", auth=CREDS, data=FORM).status_code == 200
    response = client.post("/v1/oauth/token", auth=CREDS, data=FORM)
    assert error_of(response) == (429, "MOCK-429-token-rate-limited", [])
    assert response.headers["retry-after"] == "60"
    client.post("/__admin/clock/advance", json={"seconds": 60})
    assert client.post("/v1/oauth/token", auth=CREDS, data=FORM).status_code == 200
