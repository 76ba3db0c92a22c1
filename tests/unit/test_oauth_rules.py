from __future__ import annotations

import base64

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_server.api.auth import (
    ANY_SCOPE,
    authenticated,
    bearer_token,
    parse_basic,
    require_scope,
    required_scope,
)
from mock_server.core.errors import ApiError
from mock_server.domain.tokens import Principal, Tokens
from mock_server.sandbox import Sandbox
from mock_server.settings import Settings
from tests.support.state import code_of


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


CLINIC = basic("demo-clinic", "demo-clinic-secret")


def issue(sandbox: Sandbox, header: str, grant_type: str | None) -> dict:
    """What the token endpoint does with a Basic header and a grant type."""
    return sandbox.issue_token(*parse_basic(header), grant_type)


def authenticate(sandbox: Sandbox, header: str | None) -> Principal:
    """What every protected route does with an ``Authorization`` header."""
    try:
        return sandbox.authenticate(bearer_token(header))
    except ApiError as error:
        raise authenticated(error) from None


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(Settings(frozen_clock=True))


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/arc/v1/authorizations", "arc:read"),
        ("POST", "/arc/v1/authorization-requests", "arc:write"),
        ("GET", "/v1/sponsors", "arc:read"),
        ("POST", "/v1/sponsors/sponsor-sandbox/search", "arc:write"),
        ("GET", "/medical-catalogs/v1/diagnoses", "arc:read"),
        ("POST", "/otp/generate", "arc:write"),
        ("POST", "/v1/otp/send", "arc:write"),
        ("POST", "/v3/settlements", "arc:write"),
        ("GET", "/v3/settlements/1", "arc:read"),
        ("GET", "/dispensing/v1/dispensations/1", "dispensing:read"),
        ("PUT", "/dispensing/v1/dispensations/1", "dispensing:write"),
        ("GET", "/ehr/v1/patients", "ehr:read"),
        ("POST", "/ehr/v2/prescriptions", "ehr:write"),
        ("DELETE", "/arc/v1/providers/products/MED-042", "arc:write"),
        ("GET", "/webhooks/v1/subscriptions", ANY_SCOPE),
        ("GET", "/widgets/v1/session", ANY_SCOPE),
        ("POST", "/widgets/v1/prescriptions/1/link", "ehr:write"),
        ("GET", "/widgets/v1/loader.js", None),
        ("GET", "/widgets/v1/patient-links/rxl_1", None),
        ("POST", "/widgets/example/token", None),
        ("POST", "/v1/oauth/token", None),
        ("GET", "/healthz", None),
        ("GET", "/openapi.json", None),
        ("GET", "/docs", None),
        ("GET", "/__admin/world", None),
    ],
)
def test_scope_table_of_api_md(method, path, scope):
    assert required_scope(method, path) == scope


def test_principal_needs_the_exact_scope_and_any_scope_for_webhooks():
    reader = Principal("p", "c", frozenset({"ehr:read"}), "default")
    require_scope(reader, "ehr:read")
    require_scope(reader, ANY_SCOPE)
    with pytest.raises(ApiError) as caught:
        require_scope(reader, "ehr:write")
    assert caught.value.status == 403 and "ehr:write" in caught.value.message
    with pytest.raises(ApiError):
        require_scope(Principal("p", "c", frozenset(), "default"), ANY_SCOPE)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer abc",
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":secret-without-id").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe").decode(),
    ],
)
def test_malformed_basic_credentials_are_401(header):
    assert code_of(lambda: parse_basic(header)) == "MOCK-401-invalid-client"


def test_basic_credentials_keep_colons_in_the_secret():
    assert parse_basic(basic("id", "a:b")) == ("id", "a:b")


def test_issued_token_is_an_rs256_jwt_carrying_the_documented_claims(sandbox):
    issued = issue(sandbox, CLINIC, "client_credentials")
    assert issued["token_type"] == "bearer" and issued["expires_in"] == 3600
    assert issued["scope"] == "arc:read arc:write dispensing:read dispensing:write ehr:read ehr:write"
    header = jwt.get_unverified_header(issued["access_token"])
    assert header["alg"] == "RS256" and header["kid"]
    claims = jwt.decode(issued["access_token"], options={"verify_signature": False})
    assert set(claims) == {"provider_slug", "client_id", "scope", "iat", "exp", "jti"}
    assert claims["provider_slug"] == "clinic-example" and claims["client_id"] == "demo-clinic"
    assert claims["scope"] == issued["scope"]
    now = int(sandbox.ledger().clock.timestamp())
    assert claims["iat"] == now and claims["exp"] == now + 3600


def test_token_authenticates_to_its_provider_until_it_expires_on_the_clock(sandbox):
    token = issue(sandbox, CLINIC, "client_credentials")["access_token"]
    principal = authenticate(sandbox, f"Bearer {token}")
    assert principal.provider_slug == "clinic-example" and "arc:write" in principal.scopes
    sandbox.ledger().clock.advance(3599)
    authenticate(sandbox, f"Bearer {token}")
    sandbox.ledger().clock.advance(1)
    assert code_of(lambda: authenticate(sandbox, f"Bearer {token}")) == "MOCK-401-token-expired"


def test_an_expired_token_is_told_apart_from_a_forged_one_after_the_tenant_forgot_it(sandbox):
    token = issue(sandbox, CLINIC, "client_credentials")["access_token"]
    ledger = sandbox.ledger()
    ledger.clock.advance(3600)  # the expiry timer fired: the tenant no longer holds the token
    assert not ledger.area(Tokens).tokens
    assert code_of(lambda: authenticate(sandbox, f"Bearer {token}")) == "MOCK-401-token-expired"
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert code_of(lambda: authenticate(sandbox, f"Bearer {forged}")) == "MOCK-401-invalid-token"


def test_a_token_another_key_signed_is_invalid_whatever_its_claims(sandbox):
    claims = jwt.decode(
        issue(sandbox, CLINIC, "client_credentials")["access_token"], options={"verify_signature": False}
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = jwt.encode({**claims, "exp": claims["iat"] - 1}, other, algorithm="RS256")
    assert code_of(lambda: authenticate(sandbox, f"Bearer {foreign}")) == "MOCK-401-invalid-token"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Token abc", "Bearer not-a-token"])
def test_missing_malformed_or_unknown_bearer_is_401(sandbox, header):
    assert code_of(lambda: authenticate(sandbox, header)).startswith("MOCK-401-")


def test_reset_keeps_issued_tokens_and_clients(sandbox):
    token = issue(sandbox, CLINIC, "client_credentials")["access_token"]
    sandbox.reset()
    assert authenticate(sandbox, f"Bearer {token}").client_id == "demo-clinic"
    sandbox.ledger().clock.advance(3600)  # still valid until its exp, and no longer
    assert code_of(lambda: authenticate(sandbox, f"Bearer {token}")) == "MOCK-401-token-expired"


def test_reset_of_everything_revokes_tokens_but_keeps_clients(sandbox):
    token = issue(sandbox, CLINIC, "client_credentials")["access_token"]
    sandbox.reset(everything=True)
    assert code_of(lambda: authenticate(sandbox, f"Bearer {token}")) == "MOCK-401-invalid-token"
    issue(sandbox, CLINIC, "client_credentials")


def test_wrong_secret_unknown_client_and_bad_grant(sandbox):
    assert (
        code_of(lambda: issue(sandbox, basic("demo-clinic", "nope"), "client_credentials")) == "MOCK-401-invalid-client"
    )
    assert code_of(lambda: issue(sandbox, basic("ghost", "x"), "client_credentials")) == "MOCK-401-invalid-client"
    assert code_of(lambda: issue(sandbox, CLINIC, "password")) == "MOCK-400-invalid-grant-type"
    assert code_of(lambda: issue(sandbox, CLINIC, None)) == "MOCK-400-invalid-grant-type"


def test_eleventh_token_request_in_a_minute_is_429_until_the_window_slides(sandbox):
    for _ in range(10):
        issue(sandbox, CLINIC, "client_credentials")
    with pytest.raises(ApiError) as caught:
        issue(sandbox, CLINIC, "client_credentials")
    assert caught.value.status == 429 and caught.value.headers["Retry-After"] == "60"
    issue(sandbox, basic("demo-pharmacy", "demo-pharmacy-secret"), "client_credentials")  # per client
    sandbox.ledger().clock.advance(60)
    issue(sandbox, CLINIC, "client_credentials")


def test_sandbox_limits_allow_50_api_requests_per_minute_per_client():
    sandbox = Sandbox(Settings(frozen_clock=True, sandbox_limits=True))
    token = issue(sandbox, CLINIC, "client_credentials")["access_token"]
    for _ in range(50):
        authenticate(sandbox, f"Bearer {token}")
    assert code_of(lambda: authenticate(sandbox, f"Bearer {token}")) == "MOCK-429-rate-limited"
    sandbox.ledger().clock.advance(60)
    authenticate(sandbox, f"Bearer {token}")


def test_without_sandbox_limits_the_api_is_not_rate_limited(sandbox):
    token = issue(sandbox, CLINIC, "client_credentials")["access_token"]
    for _ in range(200):
        authenticate(sandbox, f"Bearer {token}")


def test_new_client_gets_chosen_scopes_and_a_known_provider(sandbox):
    client = sandbox.create_client("default", "pharmacy-example", "dispensing:read")
    issued = issue(sandbox, basic(client.client_id, client.client_secret), "client_credentials")
    assert issued["scope"] == "dispensing:read"
    assert code_of(lambda: sandbox.create_client("default", "nowhere")) == "MOCK-422-unknown-provider"
    assert code_of(lambda: sandbox.create_client("default", "pharmacy-example", "root")) == "MOCK-422-validation-failed"


def test_generated_client_ids_stay_unique_across_resets(sandbox):
    first = sandbox.create_client("default", "clinic-example")
    sandbox.reset()
    second = sandbox.create_client("default", "clinic-example")
    assert first.client_id != second.client_id
