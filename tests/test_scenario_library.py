"""The scenario library (tests/scenarios) against a mock without its control plane: every scenario that drives
the control plane is reported mock-only (skipped, with that reason), never passed; the others pass."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from mock_server.settings import Settings
from tests.support.served import ServedMock

LIBRARY = Path(__file__).resolve().parent / "scenarios"
ROOT = LIBRARY.parent.parent


def scenario_run(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``osigu-mock scenario run ARGS`` in a subprocess, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "mock_server.cli", "scenario", "run", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env if env is not None else os.environ.copy(),
    )


def reported_mock_only(stdout: str) -> set[str]:
    return set(re.findall(r"SKIPPED \[1\] \S*?(test_[\w]+\.tavern\.yaml):\d+: mock-only", stdout))


def test_without_a_control_plane_the_scenarios_that_need_it_are_mock_only_and_the_rest_pass():
    files = sorted(LIBRARY.glob("test_*.tavern.yaml"))
    needing = _marked("mock_only")
    assert needing and len(needing) < len(files)
    with ServedMock(Settings(frozen_clock=True, admin_enabled=False)) as mock:
        result = scenario_run("--target", mock.url, env={**os.environ, "PYTEST_ADDOPTS": "-n 0"})  # no worker start-up
    assert result.returncode == 0, result.stdout + result.stderr
    assert reported_mock_only(result.stdout) == needing
    summary = f"scenarios: {len(files) - len(needing)} passed, 0 failed, {len(needing)} mock-only, 0 skipped"
    assert summary in result.stdout


def test_the_runner_serves_a_mock_for_the_run_counts_the_outcomes_and_fails_when_a_scenario_fails(tmp_path):
    # The whole library runs in the suite itself (tests/scenarios) and, through this runner, in CI from the wheel.
    (tmp_path / "conftest.py").write_text((LIBRARY / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "common.yaml").write_text((LIBRARY / "common.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    right = LIBRARY / "test_preauthorization_approved.tavern.yaml"
    (tmp_path / right.name).write_text(right.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "test_wrong.tavern.yaml").write_text(WRONG, encoding="utf-8")
    result = scenario_run("-q", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "scenarios: 1 passed, 1 failed, 0 mock-only, 0 skipped" in result.stdout


def _marked(mark: str) -> set[str]:
    return {
        f.name
        for f in LIBRARY.glob("test_*.tavern.yaml")
        if re.search(rf"^\s*-\s*{mark}\s*$", f.read_text(encoding="utf-8"), re.M)
    }


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without any OSIGU_* variable (nor xdist's), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSIGU_", "PYTEST_XDIST"))}
    return {**env, **extra}


def test_against_the_sandbox_without_credentials_the_run_is_skipped_in_one_line():
    result = scenario_run("--target", "sandbox", env=_clean_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines() == [
        "scenarios: skipped against the sandbox: no OSIGU_CLIENT_ID / OSIGU_CLIENT_SECRET in the environment"
    ]


def test_against_the_production_host_the_sandbox_run_is_refused():
    result = scenario_run(
        "--target",
        "sandbox",
        env=_clean_env(OSIGU_BASE_URL="https://api.osigu.com", OSIGU_CLIENT_ID="x", OSIGU_CLIENT_SECRET="y"),
    )
    assert result.returncode == 2
    assert "production" in result.stderr


def test_against_the_sandbox_persona_and_control_plane_scenarios_are_mock_only_and_the_rest_run():
    # The "sandbox" here is the mock on loopback, with its control plane on: sandbox mode must not use it.
    files = {f.name for f in LIBRARY.glob("test_*.tavern.yaml")}
    mock_only = _marked("mock_only") | _marked("personas")
    portable = files - mock_only
    assert portable and mock_only
    with ServedMock(Settings()) as mock:
        env = _clean_env(
            OSIGU_BASE_URL=mock.url, OSIGU_CLIENT_ID="demo-clinic", OSIGU_CLIENT_SECRET="demo-clinic-secret"
        )
        result = scenario_run("--target", "sandbox", env=env)
        sandbox = mock.app.state.sandbox
        tenants = [tenant_id for tenant_id, _ in sandbox.store.items()]
        journal = sandbox.store.get("default").journal
        searched = journal.find(path="/v1/sponsors/*/search", client_id="demo-clinic")
        tokens = journal.find(path="/v1/oauth/token", status=200, client_id="demo-clinic")
    assert result.returncode == 0, result.stdout + result.stderr
    assert tenants == ["default"]  # no control plane was asked for a tenant, though this one has it
    assert searched  # the scenarios ran against OSIGU_BASE_URL, not a mock of their own
    # One token a run for the scenarios, plus the one test_sponsor_lookup asks for in a stage of its own.
    assert len(tokens) == 2
    assert reported_mock_only(result.stdout) == mock_only
    passed = {
        re.search(r"test_\w+\.tavern\.yaml", line).group(0) for line in result.stdout.splitlines() if "PASSED" in line
    }
    assert passed == portable
    assert f"scenarios: {len(portable)} passed, 0 failed, {len(mock_only)} mock-only, 0 skipped" in result.stdout


def test_the_library_covers_the_qa_flows():
    assert len(sorted(LIBRARY.glob("test_*.tavern.yaml"))) >= 15


WRONG = """
test_name: expects the wrong status
marks:
  - usefixtures: [mock]
stages:
  - name: the claims list is 200, not 418
    request:
      url: "{mock.url}/arc/v1/claims"
      headers: {Authorization: "{mock.clinic}"}
    response:
      status_code: 418
"""


def test_a_mock_whose_control_plane_wants_a_token_runs_the_control_plane_scenarios_with_the_token_from_the_env():
    # docker/compose.yaml: one OSIGU_MOCK_ADMIN_TOKEN for the served mock and for the scenarios run against it.
    chosen = ["test_preauthorization_async_sponsor.tavern.yaml", "test_otp_lockout.tavern.yaml"]
    assert set(chosen) <= _marked("mock_only")
    with ServedMock(Settings(frozen_clock=True, admin_token="compose-secret")) as mock:
        outcomes = {}
        for label, token in (("with", "compose-secret"), ("without", None)):
            # two files: one process is quicker than starting xdist's workers
            env = _clean_env(PYTEST_ADDOPTS="-n 0", **({"OSIGU_MOCK_ADMIN_TOKEN": token} if token else {}))
            result = scenario_run("--target", mock.url, *(str(LIBRARY / name) for name in chosen), env=env)
            outcomes[label] = (result.returncode, result.stdout.strip().splitlines()[-1])
    assert outcomes["with"] == (0, "scenarios: 2 passed, 0 failed, 0 mock-only, 0 skipped")
    assert outcomes["without"] == (0, "scenarios: 0 passed, 0 failed, 2 mock-only, 0 skipped")
