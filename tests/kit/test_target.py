"""Which target ``osigu-mock contract`` checks, and what it refuses: the production host without leave, the
real sandbox without credentials (skipped, not failed), anything that is neither a known name nor a URL."""

from __future__ import annotations

import pytest

from mock_server.kit.connection import ADMIN, Connection
from mock_server.kit.target import Beneficiary, TargetRefused, admin_headers, select_target
from mock_server.settings import Settings
from tests.support.served import ServedMock

CREDENTIALS = {"OSIGU_CLIENT_ID": "acme", "OSIGU_CLIENT_SECRET": "s3cret"}


def test_the_default_target_is_the_app_in_process_with_the_demo_clients_and_the_guides_beneficiary():
    target = select_target(env={})
    assert (target.kind, target.base_url, target.skip_reason) == ("inprocess", None, None)
    assert target.credentials["clinic"] == ("demo-clinic", "demo-clinic-secret")
    assert target.credentials["pharmacy-do"] == ("demo-pharmacy-do", "demo-pharmacy-do-secret")
    assert target.beneficiary == Beneficiary(
        "sponsor-sandbox", {"document_type": "CC", "document_number": "1000000001"}
    )
    assert not target.polite


def test_the_sandbox_without_credentials_is_skipped_with_its_reason():
    target = select_target("sandbox", env={"OSIGU_CLIENT_ID": "acme"})
    assert target.skip_reason and "OSIGU_CLIENT_SECRET" in target.skip_reason
    assert target.base_url == "https://sandbox.osigu.com"


def test_the_sandbox_uses_one_client_for_every_role_and_the_test_beneficiary_of_the_environment():
    env = {
        **CREDENTIALS,
        "OSIGU_BASE_URL": "https://sandbox.example.test/",
        "OSIGU_TEST_SPONSOR_SLUG": "sponsor-x",
        "OSIGU_TEST_DOCUMENT_TYPE": "CC",
        "OSIGU_TEST_DOCUMENT_NUMBER": "42",
        "OSIGU_TEST_BENEFICIARY_ID": "77",
    }
    target = select_target("sandbox", env=env)
    assert target.skip_reason is None and target.base_url == "https://sandbox.example.test"
    assert set(target.credentials.values()) == {("acme", "s3cret")}
    assert target.beneficiary == Beneficiary("sponsor-x", {"document_number": "42", "document_type": "CC"}, 77)
    assert target.polite and not target.allow_writes


def test_the_sandbox_without_a_test_beneficiary_has_none():
    assert select_target("sandbox", env=CREDENTIALS).beneficiary is None


@pytest.mark.parametrize("spec", ["https://api.osigu.com", "https://API.osigu.com/v1/"])
def test_the_production_host_is_refused_unless_allowed(spec):
    with pytest.raises(TargetRefused, match="production"):
        select_target(spec, env={})
    assert select_target(spec, allow_production=True, env={}).kind == "url"


def test_the_production_host_is_refused_as_the_sandbox_base_url_too():
    with pytest.raises(TargetRefused):
        select_target("sandbox", env={**CREDENTIALS, "OSIGU_BASE_URL": "https://api.osigu.com"})


@pytest.mark.parametrize("spec", ["ftp://example.test", "staging", "http://"])
def test_a_target_that_is_neither_a_name_nor_a_url_is_refused(spec):
    with pytest.raises(TargetRefused):
        select_target(spec, env={})


def test_a_url_target_gets_no_writes_until_allowed_and_takes_credentials_from_the_environment():
    target = select_target("http://127.0.0.1:9/", env=CREDENTIALS)
    assert target.base_url == "http://127.0.0.1:9" and not target.allow_writes
    assert target.credentials["pharmacy"] == ("acme", "s3cret")
    assert select_target("http://127.0.0.1:9", allow_writes=True, env={}).allow_writes


def test_the_admin_token_of_the_environment_is_the_control_planes_bearer():
    assert admin_headers({"OSIGU_MOCK_ADMIN_TOKEN": "s3cret"}) == {"Authorization": "Bearer s3cret"}
    assert admin_headers({"OSIGU_MOCK_ADMIN_TOKEN": " "}) == {}
    assert admin_headers({}) == {}


def test_the_kit_uses_a_token_protected_control_plane_with_the_token_of_the_environment(monkeypatch):
    with ServedMock(Settings(frozen_clock=True, admin_token="compose-secret")) as mock:
        monkeypatch.delenv("OSIGU_MOCK_ADMIN_TOKEN", raising=False)
        with Connection(select_target(mock.url, env={}), own_tenant=True) as without:
            assert not without.has(ADMIN) and without.tenant is None
        monkeypatch.setenv("OSIGU_MOCK_ADMIN_TOKEN", "compose-secret")
        with Connection(select_target(mock.url, env={}), own_tenant=True) as conn:
            assert conn.has(ADMIN) and conn.tenant
            assert conn.admin("GET", "/__admin/clock").status_code == 200
