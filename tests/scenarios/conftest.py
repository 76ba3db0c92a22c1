"""What the scenario files (``test_*.tavern.yaml``) run against.

Usually the mock of the pytest plugin's ``osigu_mock_server`` fixture (served on loopback for the session, or
the one at ``--osigu-mock-url`` / ``OSIGU_MOCK_URL``), on a fresh tenant for each scenario. With
``OSIGU_SCENARIO_TARGET=sandbox`` (``osigu-mock scenario run --target sandbox``), the real OSIGU sandbox of
``OSIGU_BASE_URL`` with the client of ``OSIGU_CLIENT_ID`` / ``OSIGU_CLIENT_SECRET`` in every role, never asked
for a control plane even where one answers.

A scenario reads what it needs with Tavern's formatting: ``{mock.url}``, ``{mock.tenant}`` (the
``X-Osigu-Mock-Tenant`` of its control-plane calls), a bearer header per demo role: ``{mock.clinic}``,
``{mock.pharmacy}``, ``{mock.doctors_office}``, ``{mock.doctors_office_es}``, ``{mock.pharmacy_do}``, and each
role's Basic header (``{mock.clinic_basic}``...) to ask for a new token; ``{mock.provider}``,
``{mock.provider_basic}`` and ``{mock.provider_client_id}`` (the clinic on the mock, the sandbox client there) and
the test beneficiary ``{mock.sponsor}``, ``{mock.document_type}``, ``{mock.document_number}`` (the guides'
MARIA GONZALEZ on the mock, ``OSIGU_TEST_*`` on the sandbox when set); with a control plane, ``{mock.now}`` and
``{mock.month}`` (YYYY-MM) are the tenant clock's when the scenario starts.

Two marks say what a scenario needs beyond the API: ``mock_only`` (it drives the control plane) and ``personas``
(it uses the mock's seeded world: its persona beneficiaries, products and demo providers). Where the target lacks
what is marked, the scenario is skipped as mock-only, never passed. Where the mock's control plane wants a token
(``osigu-mock serve --admin-token``), ``OSIGU_MOCK_ADMIN_TOKEN`` gives it: every ``/__admin`` call carries it.
"""

from __future__ import annotations

import base64
import os

import httpx2
import pytest

from mock_server.kit.target import Target, admin_headers, guide_beneficiary, select_target
from mock_server.pytest_plugin import ROLES as DEMO_CLIENTS

ROLES = ("clinic", "pharmacy", "doctors-office", "doctors-office-es", "pharmacy-do")


def pytest_tavern_beta_before_every_request(request_args: dict) -> None:
    """A control-plane call carries the admin token, when one is set (Tavern's hook, before each request)."""
    if "/__admin" in str(request_args.get("url", "")):
        request_args["headers"] = {**admin_headers(), **(request_args.get("headers") or {})}


@pytest.fixture(scope="session")
def _sandbox() -> Target | None:
    """The real sandbox when the runner was asked for it (it has already skipped a run without credentials)."""
    return select_target("sandbox") if os.environ.get("OSIGU_SCENARIO_TARGET") == "sandbox" else None


@pytest.fixture(scope="session")
def _has_control_plane(request) -> bool:
    url = request.getfixturevalue("_osigu_mock_url")
    return httpx2.get(f"{url}/__admin/world", headers=admin_headers(), timeout=30).status_code == 200


@pytest.fixture
def mock(request, _sandbox: Target | None) -> dict[str, str]:
    if _sandbox is not None:
        for mark, what in (("mock_only", "the mock's control plane"), ("personas", "the mock's seeded personas")):
            if request.node.get_closest_marker(mark):
                pytest.skip(f"mock-only: the scenario needs {what}, which the real sandbox lacks")
        return request.getfixturevalue("_sandbox_world")  # one token a run: the sandbox allows 50 requests a minute
    has_control_plane = request.getfixturevalue("_has_control_plane")
    if request.node.get_closest_marker("mock_only") and not has_control_plane:
        pytest.skip("mock-only: the scenario drives the mock's control plane, which this target lacks")
    beneficiary = _beneficiary(guide_beneficiary())
    if not has_control_plane:  # no tenants to ask for: the demo clients, on the target's one world
        return {**request.getfixturevalue("_demo_world"), **beneficiary}
    session = request.getfixturevalue("osigu_mock_server")
    credentials = {
        role: tuple(session.clients[DEMO_CLIENTS[role]][k] for k in ("client_id", "client_secret")) for role in ROLES
    }
    bearers = {key: session.headers(role)["Authorization"] for key, role in _keys()}
    now = session.admin("GET", "/__admin/clock").json()["now"]
    moment = {"now": now, "month": now[:7]}  # the tenant clock's, when the scenario starts
    headers = {**bearers, **_basics(credentials)}
    return {"url": session.url, "tenant": session.tenant_id, **headers, **_provider(headers), **beneficiary, **moment}


@pytest.fixture(scope="session")
def _demo_world(_osigu_mock_url: str) -> dict[str, str]:
    """A mock without tenants: the demo clients' tokens, asked for once a run (the token endpoint allows 10 a
    minute per client, contracts/errors.yaml MOCK-429-token-rate-limited; a token lasts an hour)."""
    credentials = {role: (DEMO_CLIENTS[role], f"{DEMO_CLIENTS[role]}-secret") for role in ROLES}
    headers = {**{key: _bearer(_osigu_mock_url, *credentials[role]) for key, role in _keys()}, **_basics(credentials)}
    return {"url": _osigu_mock_url, "tenant": "", **headers, **_provider(headers)}


@pytest.fixture(scope="session")
def _sandbox_world(_sandbox: Target) -> dict[str, str]:
    return _on_sandbox(_sandbox)


def _on_sandbox(target: Target) -> dict[str, str]:
    """Every role is the one sandbox client; the beneficiary is OSIGU_TEST_*'s, or the guides' sandbox example."""
    assert target.base_url is not None
    credentials = dict(target.credentials)
    bearer = _bearer(target.base_url, *credentials["clinic"])
    headers = {**{key: bearer for key, _ in _keys()}, **_basics(credentials)}
    beneficiary = _beneficiary(target.beneficiary or guide_beneficiary())
    return {"url": target.base_url, "tenant": "", **headers, **_provider(headers), **beneficiary}


def _provider(headers: dict[str, str]) -> dict[str, str]:
    """The provider the portable scenarios act as (the clinic), and its client id, to try a wrong secret with."""
    client_id = base64.b64decode(headers["clinic_basic"].split(" ", 1)[1]).decode().split(":", 1)[0]
    return {"provider": headers["clinic"], "provider_basic": headers["clinic_basic"], "provider_client_id": client_id}


def _beneficiary(found) -> dict[str, str]:
    return {
        "sponsor": found.sponsor_slug,
        "document_type": found.search.get("document_type", ""),
        "document_number": found.search["document_number"],
    }


def _basics(credentials: dict[str, tuple[str, str]]) -> dict[str, str]:
    """``{mock.<role>_basic}``: the Basic header of the role's client, to ask for a new token in a scenario."""
    return {
        f"{key}_basic": "Basic " + base64.b64encode(":".join(credentials[role]).encode()).decode()
        for key, role in _keys()
    }


def _keys() -> list[tuple[str, str]]:
    return [(role.replace("-", "_"), role) for role in ROLES]


def _bearer(url: str, client_id: str, secret: str) -> str:
    answer = httpx2.post(
        f"{url}/v1/oauth/token",
        auth=(client_id, secret),
        data={"grant_type": "client_credentials"},
        timeout=30,
    )
    return f"Bearer {answer.raise_for_status().json()['access_token']}"
