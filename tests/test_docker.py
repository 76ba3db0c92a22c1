"""No Docker engine runs here: check what can be checked about the image definition."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from mock_server import server
from mock_server.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def exec_form(value: str) -> list[str]:
    return json.loads(value)


def test_every_copied_source_exists():
    for copy in instructions("COPY"):
        *sources, _ = shlex.split(copy)
        for source in sources:
            assert (ROOT / source).exists(), source


def test_the_command_matches_the_cli_and_binds_all_interfaces(monkeypatch):
    entrypoint = exec_form(instructions("ENTRYPOINT")[0])
    cmd = exec_form(instructions("CMD")[0])
    assert entrypoint[0] == "osigu-mock"
    args = entrypoint[1:] + cmd
    seen = {}
    monkeypatch.setattr(server, "run", lambda settings, log_level: seen.setdefault("settings", settings))
    clean = {k: None for k in os.environ if k.startswith("OSIGU_MOCK_")}
    result = CliRunner().invoke(cli, args, env=clean | {"OSIGU_MOCK_ADMIN_TOKEN": "t"})
    assert result.exit_code == 0, result.output
    assert seen["settings"].host == "0.0.0.0" and seen["settings"].port == 8080


def test_the_image_requires_an_admin_token_unless_insecure_admin(monkeypatch):
    env = dict(pair.split("=", 1) for value in instructions("ENV") for pair in shlex.split(value) if "=" in pair)
    assert env.get("OSIGU_MOCK_REQUIRE_ADMIN_TOKEN") == "1"
    monkeypatch.setattr(server, "run", lambda settings, log_level: None)
    args = exec_form(instructions("ENTRYPOINT")[0])[1:]
    clean = {k: None for k in os.environ if k.startswith("OSIGU_MOCK_")}
    assert CliRunner().invoke(cli, args, env=clean | env).exit_code != 0
    assert CliRunner().invoke(cli, [*args, "--insecure-admin"], env=clean | env).exit_code == 0


def test_runs_as_a_non_root_user_with_a_health_check_on_healthz():
    users = instructions("USER")
    assert users and users[-1] not in ("root", "0")
    assert DOCKERFILE.index("USER") > DOCKERFILE.index("RUN pip install")
    health = instructions("HEALTHCHECK")
    assert health and "/healthz" in health[0] and "8080" in health[0]
    assert instructions("FROM")[0].startswith("python:3.11-slim")


def test_compose_builds_this_dockerfile():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8"))
    build = compose["services"]["osigu-mock"]["build"]
    assert (ROOT / "docker" / build["context"] / build["dockerfile"]).resolve() == (ROOT / "docker" / "Dockerfile")


COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8"))


def test_the_image_carries_the_kit_and_the_scenario_library_the_compose_example_runs():
    installs = [run for run in instructions("RUN") if run.startswith("pip install")]
    assert installs and installs[0].split()[2] == '".[kit]"'
    copied = {shlex.split(copy)[0] for copy in instructions("COPY")}
    assert {"tests/scenarios", "schemathesis.toml"} <= copied
    # copied before the install, which packages them into the wheel (pyproject's force-include)
    install_at = DOCKERFILE.index("RUN pip install")
    assert all(DOCKERFILE.index(f"COPY {source}") < install_at for source in ("tests/scenarios", "schemathesis.toml"))


def test_the_compose_example_runs_the_kit_and_the_scenarios_against_the_healthy_mock_with_its_admin_token():
    mock, example = COMPOSE["services"]["osigu-mock"], COMPOSE["services"]["contract-check"]
    assert example["image"] == mock["image"]
    assert example["depends_on"]["osigu-mock"]["condition"] == "service_healthy"
    assert example["environment"]["OSIGU_MOCK_ADMIN_TOKEN"] == mock["environment"]["OSIGU_MOCK_ADMIN_TOKEN"]
    assert example["entrypoint"] == ["/bin/sh", "-c"]  # the command is a shell line, not the image's serve arguments
    url = f"http://osigu-mock:{mock['ports'][0].split(':')[-1]}"
    commands = [shlex.split(part) for part in " ".join(example["command"]).split("&&")]
    assert [c[:2] for c in commands] == [["osigu-mock", "contract"], ["osigu-mock", "scenario"]]
    for command in commands:
        assert command[command.index("--target") + 1] == url
