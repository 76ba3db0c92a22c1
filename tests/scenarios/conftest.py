"""What the scenario files (``test_*.tavern.yaml``) run against: the mock of the pytest plugin's
``osigu_mock_server`` fixture (served on loopback for the session, or the one at ``--osigu-mock-url`` /
``OSIGU_MOCK_URL``), on a fresh tenant for each scenario.

A scenario reads what it needs with Tavern's formatting: ``{mock.url}``, ``{mock.tenant}`` (the
``X-Osigu-Mock-Tenant`` of its control-plane calls) and a bearer header per demo role: ``{mock.clinic}``,
``{mock.pharmacy}``, ``{mock.doctors_office}``, ``{mock.doctors_office_es}``, ``{mock.pharmacy_do}``, and each
role's Basic header (``{mock.clinic_basic}``...) to ask for a new token; with a control plane, ``{mock.now}`` and
``{mock.month}`` (YYYY-MM) are the tenant clock's when the scenario starts. A scenario that drives the control
plane carries the mark ``mock_only``: against a target without one it is skipped as mock-only, never passed.
"""

from __future__ import annotations

import base64

import httpx2
import pytest

from mock_server.pytest_plugin import ROLES as DEMO_CLIENTS

ROLES = ("clinic", "pharmacy", "doctors-office", "doctors-office-es", "pharmacy-do")


@pytest.fixture(scope="session")
def _has_control_plane(_osigu_mock_url: str) -> bool:
    return httpx2.get(f"{_osigu_mock_url}/__admin/world", timeout=30).status_code == 200


@pytest.fixture
def mock(request, _has_control_plane: bool) -> dict[str, str]:
    if request.node.get_closest_marker("mock_only") and not _has_control_plane:
        pytest.skip("mock-only: the scenario drives the mock's control plane, which this target lacks")
    if not _has_control_plane:  # no tenants to ask for: the demo clients, on the target's one world
        url = request.getfixturevalue("_osigu_mock_url")
        credentials = {role: (DEMO_CLIENTS[role], f"{DEMO_CLIENTS[role]}-secret") for role in ROLES}
        bearers = {key: _bearer(url, *credentials[role]) for key, role in _keys()}
        return {"url": url, "tenant": "", **bearers, **_basics(credentials)}
    session = request.getfixturevalue("osigu_mock_server")
    credentials = {
        role: tuple(session.clients[DEMO_CLIENTS[role]][k] for k in ("client_id", "client_secret")) for role in ROLES
    }
    bearers = {key: session.headers(role)["Authorization"] for key, role in _keys()}
    now = session.admin("GET", "/__admin/clock").json()["now"]
    moment = {"now": now, "month": now[:7]}  # the tenant clock's, when the scenario starts
    return {"url": session.url, "tenant": session.tenant_id, **bearers, **_basics(credentials), **moment}


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
