"""The pytest plugin, as an integrator's suite uses it: a test file in a fresh folder, run by pytest in a
subprocess, with only the installed plugin (entry point ``pytest11``) to give it its fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from mock_server.domain.patients import Patients
from tests.support.served import ServedMock

SUITE = textwrap.dedent(
    """
    import os

    import pytest

    WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
    PATIENT = {"first_name": "ANA", "last_name": WORKER, "document_type": "CC",
               "document_number": "7654321", "date_of_birth": "1990-04-11"}
    GUIDE = {"beneficiary_id": 1000001, "sponsor_slug": "sponsor-sandbox", "diagnosis_code": "R51",
             "products": [{"product_code": "MED-042", "product_type": "DRUG", "quantity": 1}]}
    ASYNC = {**GUIDE, "beneficiary_id": 1000009, "sponsor_slug": "async-sponsor"}


    def fresh_tenant_sees_only_its_own_patient(mock):
        # The same document in every test: a 409 would mean a tenant already holds it.
        assert mock.post("/ehr/v1/patients", json=PATIENT, role="doctors-office").status_code == 201
        found = mock.get("/ehr/v1/patients?document_number=7654321", role="doctors-office").json()
        assert found["page"]["total_elements"] == 1


    @pytest.mark.parametrize("n", range(8))
    def test_served_tests_do_not_see_each_other(osigu_mock_server, n):
        fresh_tenant_sees_only_its_own_patient(osigu_mock_server)


    @pytest.mark.parametrize("n", range(3))
    def test_in_process_tests_do_not_see_each_other(osigu_mock, n):
        fresh_tenant_sees_only_its_own_patient(osigu_mock)


    def test_the_helpers_drive_the_control_plane_of_this_tests_tenant(osigu_mock):
        osigu_mock.set_clock(now="2030-01-02T03:04:05Z", frozen=True)
        assert osigu_mock.admin("GET", "/__admin/clock").json()["now"].startswith("2030-01-02T03:04:05")
        assert osigu_mock.advance(3600)["now"].startswith("2030-01-02T04:04:05")
        sent = osigu_mock.post("/otp/generate", json={"beneficiary_id": 1000007,
                               "sponsor_slug": "sponsor-sandbox-do", "channel": "SMS"})
        assert sent.status_code == 201
        assert [item["kind"] for item in osigu_mock.outbox("OTP")] == ["OTP"]
        listed = lambda: osigu_mock.get("/arc/v1/authorizations").json()["page"]["total_elements"]
        before = listed()
        event_id = osigu_mock.trigger("authorization.created")
        assert event_id.startswith("evt_") and osigu_mock.deliveries() == []
        assert listed() == before + 1  # the trigger's flow ran in this test's tenant
        created = osigu_mock.post("/arc/v1/authorization-requests", json=GUIDE).json()
        assert created["status"] == "PENDING_INDICATION"
        pending = osigu_mock.post("/arc/v1/authorization-requests", json=ASYNC).json()
        completed = osigu_mock.post(f"/arc/v1/authorization-requests/{pending['id']}/complete", json={}).json()
        assert completed["status"] == "PENDING_SPONSOR"
        osigu_mock.decide(pending["id"], "APPROVED")
        decided = osigu_mock.get(f"/arc/v1/authorization-requests/{pending['id']}").json()
        assert decided["status"] == "APPROVED"
        osigu_mock.reset()
        assert osigu_mock.outbox() == []
    """
)


def run_suite(tmp_path, *args, env=None):
    (tmp_path / "test_with_the_plugin.py").write_text(SUITE, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_the_plugins_fixtures_give_each_test_a_fresh_tenant(tmp_path):
    result = run_suite(tmp_path, "-n", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 passed" in result.stdout


def test_two_xdist_workers_on_one_served_mock_do_not_see_each_others_data(tmp_path):
    with ServedMock() as mock:
        result = run_suite(tmp_path, "-n", "2", "-k", "served", env={"OSIGU_MOCK_URL": mock.url})
        made = [
            patient.last_name.lower()
            for _, ledger in mock.app.state.sandbox.store.items()
            for patient in ledger.area(Patients).patients.values()
            if patient.document_number == "7654321"
        ]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed" in result.stdout
    # One patient per test, each in a tenant of its own, made by both workers on this one server.
    assert len(made) == 8 and set(made) == {"gw0", "gw1"}
