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
