from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx2
import pytest
from click.testing import CliRunner

from mock_server import server
from mock_server.cli import cli


@pytest.fixture
def captured(monkeypatch):
    seen = {}
    monkeypatch.setattr(server, "run", lambda settings, log_level: seen.setdefault("settings", settings))
    return seen


def invoke(args, env=None):
    return CliRunner().invoke(cli, args, env={k: None for k in os.environ if k.startswith("OSIGU_MOCK_")} | (env or {}))


def test_serve_flags_become_settings(captured):
    result = invoke(
        [
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "9001",
            "--seed",
            "7",
            "--admin-token",
            "t",
            "--strict",
            "--sandbox-limits",
            "--frozen-clock",
        ]
    )
    assert result.exit_code == 0, result.output
    s = captured["settings"]
    assert (s.host, s.port, s.seed, s.admin_token) == ("0.0.0.0", 9001, 7, "t")
    assert s.strict and s.sandbox_limits and s.frozen_clock and s.admin_enabled


def test_serve_defaults_are_loopback_8080(captured):
    assert invoke(["serve"]).exit_code == 0
    s = captured["settings"]
    assert (s.host, s.port, s.admin_enabled, s.strict, s.sandbox_limits) == ("127.0.0.1", 8080, True, False, False)


def test_no_admin_flag(captured):
    invoke(["serve", "--no-admin"])
    assert captured["settings"].admin_enabled is False


def test_environment_variables_configure_serve(captured):
    invoke(["serve"], env={"OSIGU_MOCK_PORT": "9100", "OSIGU_MOCK_SANDBOX_LIMITS": "1"})
    assert captured["settings"].port == 9100 and captured["settings"].sandbox_limits


def test_where_an_admin_token_is_required_serve_refuses_to_start_without_one(captured):
    result = invoke(["serve"], env={"OSIGU_MOCK_REQUIRE_ADMIN_TOKEN": "1"})
    assert result.exit_code == 2 and "admin token" in result.output
    assert "settings" not in captured
    for args in (["serve", "--admin-token", "x"], ["serve", "--insecure-admin"], ["serve", "--no-admin"]):
        captured.clear()
        assert invoke(args, env={"OSIGU_MOCK_REQUIRE_ADMIN_TOKEN": "1"}).exit_code == 0
        assert "settings" in captured


def test_contracts_check_passes_on_the_committed_contracts():
    result = invoke(["contracts", "check"])
    assert result.exit_code == 0, result.output


def test_contracts_check_fails_when_schemathesis_toml_drifts(tmp_path, monkeypatch):
    """One operation's accepted statuses edited by hand: check exits 1 and names the file; sync repairs it."""
    from mock_server.core import contracts

    committed = contracts.schemathesis_file().read_text(encoding="utf-8")
    section = 'include-operation-id = "voidPrescription"\n[operations.checks.positive_data_acceptance]\n'
    edited = committed.replace(section + "expected-statuses = [", section + 'expected-statuses = ["500", ')
    assert edited != committed
    copy = tmp_path / "schemathesis.toml"
    copy.write_text(edited, encoding="utf-8")
    monkeypatch.setattr(contracts, "schemathesis_file", lambda: copy)
    result = invoke(["contracts", "check"])
    assert result.exit_code == 1 and "schemathesis.toml is out of date" in result.output
    assert invoke(["contracts", "sync"]).exit_code == 0
    assert copy.read_text(encoding="utf-8") == committed
    assert contracts.synced_schemathesis(committed, contracts.openapi_document()) == committed  # a fixed point


def test_valid_data_is_accepted_with_the_successes_and_the_operations_own_business_errors():
    """Known answers, written from contracts/openapi.yaml and errors.yaml: the successes, then the statuses of
    the operation's x-osigu-errors; never what malformed input, auth or rate limits get."""
    from mock_server.core import contracts

    document = contracts.openapi_document()

    def accepted(path, method):
        return contracts.accepted_statuses(path, document["paths"][path][method])

    # voidPrescription: 400 bad id, 404 unknown, 422 not voidable
    assert accepted("/ehr/v1/prescriptions/{prescription_id}/void", "post") == ["200", "400", "404", "422"]
    # startDispensation: 404 unknown code, 409 held by another, 422 not redeemable or coverage inactive
    assert accepted("/dispensing/v1/dispensations", "post") == ["201", "404", "409", "422"]
    # the admin plane: an unknown tenant header is a valid header naming no tenant
    assert accepted("/__admin/world", "get") == ["200", "404"]
    # the token endpoint's own business: a bad client (401) and its rate limit (429)
    assert accepted("/v1/oauth/token", "post") == ["200", "400", "401", "429"]
    # a bearer-protected read with a body-less request: no 401, 403, 413, 415 or 429 for valid data
    assert accepted("/dispensing/v1/dispensations/{dispensation_id}", "get") == ["200", "400", "404"]


@pytest.mark.served
def test_serve_prints_urls_and_demo_credentials_serves_and_stops_cleanly_on_ctrl_c():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSIGU_MOCK_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        banner = "".join(lines)
        url = re.search(r"serving on (http://127\.0\.0\.1:\d+)", banner).group(1)
        assert f"{url}/docs" in banner
        assert "demo-clinic / demo-clinic-secret -> clinic-example" in banner
        assert "demo-readonly / demo-readonly-secret" in banner
        assert httpx2.get(f"{url}/healthz", timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        assert "osigu-mock stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
