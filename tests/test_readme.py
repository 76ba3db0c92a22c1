"""The README stays true: its quick start, credentials and personas match the code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.domain.world import load_world
from tests.support.served import ServedMock

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_install_and_serve_then_pytest():
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ['pip install -e ".[test]" && osigu-mock serve', "pytest"]


def test_every_demo_client_is_listed_with_its_secret_and_scope():
    for client in load_world().demo_clients:
        row = next(line for line in README.splitlines() if line.startswith(f"| `{client.client_id}` |"))
        assert f"`{client.client_secret}`" in row and client.provider_slug in row


def test_every_persona_is_in_the_table_with_its_id_sponsor_and_behaviour():
    world = load_world()
    for persona in world.personas:
        row = next(line for line in README.splitlines() if line.startswith(f"| `{persona.persona}`"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert str(persona.beneficiary_id) in cells[0]
        assert cells[1] == persona.sponsor_slug and cells[3] == persona.behaviour
        beneficiary = world.beneficiary(persona.beneficiary_id)
        assert beneficiary.document_number in cells[2] or beneficiary.member_id in cells[2]


def _sh_block(heading: str) -> str:
    return re.search(rf"\n## {re.escape(heading)}\n.*?```sh\n(.*?)```", README, re.S).group(1)


def _json_values(text: str) -> list:
    """Every JSON value in ``text`` (curl -s prints bodies without newlines between them)."""
    decoder, values, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        value, index = decoder.raw_decode(text, index)
        values.append(value)
    return values


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's flow is written for curl")
def test_the_readme_eprescription_flow_runs_as_written_over_http():
    """Create a patient, issue a v1.1 prescription, email it, read the email in the outbox: the README's own
    shell block, run by bash and curl against the mock served on loopback."""
    script = _sh_block("E-prescriptions")
    assert "MOCK=http://127.0.0.1:8080\n" in script
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    with ServedMock() as mock:
        script = script.replace("MOCK=http://127.0.0.1:8080\n", f"MOCK={mock.url}\n")
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, env=env, timeout=60
        )
    assert done.returncode == 0, done.stderr
    sent, outbox = _json_values(done.stdout)
    assert sent["status"] == "DELIVERED" and sent["email"] == "ana.perez@example.com"
    [email] = outbox["content"]
    assert email["kind"] == "EMAIL" and email["to"] == "ana.perez@example.com"
    assert email["id"] == sent["outbox_id"] and sent["prescription_code"] in email["body"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's flow is written for curl")
def test_the_readme_preauthorization_flow_runs_as_written_over_http(tmp_path):
    """Initiate, attach the indication, complete: the README's own shell block, run by bash and curl against
    the mock served on loopback, from a folder that holds the indicacion.pdf it uploads."""
    script = _sh_block("Pre-authorizations")
    assert "MOCK=http://127.0.0.1:8080\n" in script and "MEDICATION" not in script
    (tmp_path / "indicacion.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    with ServedMock() as mock:
        script = script.replace("MOCK=http://127.0.0.1:8080\n", f"MOCK={mock.url}\n")
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stderr
    initiated, indication, completed = _json_values(done.stdout)
    assert initiated["status"] == "PENDING_INDICATION" and initiated["id"] == indication["authorization_request_id"]
    assert completed["status"] == "APPROVED" and completed["authorizations"][0]["status"] == "READY"


def _sh_subsection(heading: str) -> str:
    return re.search(rf"\n### {re.escape(heading)}\n.*?```sh\n(.*?)```", README, re.S).group(1)


def _run_readme_script(script: str, cwd: Path) -> str:
    assert "MOCK=http://127.0.0.1:8080\n" in script
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    with ServedMock() as mock:
        script = script.replace("MOCK=http://127.0.0.1:8080\n", f"MOCK={mock.url}\n")
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, env=env, timeout=60, cwd=cwd
        )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's flow is written for curl")
def test_the_readme_flow_from_clinic_authorization_to_pharmacy_claim_runs_as_written_over_http(tmp_path):
    """The clinic's pre-authorization, the pharmacy's dispensation of its code, the generated claim: the
    README's own shell block, run by bash and curl against the mock served on loopback."""
    (tmp_path / "indicacion.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    script = _sh_subsection("Issue an authorization at the clinic, redeem it at the pharmacy, read the generated claim")
    [claims] = _json_values(_run_readme_script(script, tmp_path))
    [claim] = claims["content"]
    assert claim["claim_type"] == "DISPENSATION" and claim["status"] == "COMPLETED"
    assert claim["claimed_amount"] == 30 * 500.0 and claim["document_number"] == "FAC-0001"  # MED-042: 500 COP
    assert claim["authorization_id"] is not None and claim["dispensation_id"] is not None


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's flow is written for curl")
def test_the_readme_flow_from_prescription_to_dispensation_runs_as_written_over_http(tmp_path):
    script = _sh_subsection("Issue a prescription at the doctor's office, dispense it at the pharmacy")
    completed, prescription = _json_values(_run_readme_script(script, tmp_path))
    assert completed["status"] == "COMPLETED" and completed["code_type"] == "PRESCRIPTION"
    assert completed["claim_id"] is None and completed["prescription_id"] == prescription["id"]
    assert prescription["status"] == "DISPENSED"


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's flow is written for curl")
def test_the_readme_settlement_flow_runs_as_written_over_http(tmp_path):
    """A DO authorization redeemed at the Dominican pharmacy, a batch, the pending list, attach, complete, the
    sponsor's decision, and the claim and authorization PAID: the README's own shell block, run by bash and
    curl against the mock served on loopback."""
    script = _sh_block("Settlement batches (Dominican Republic radicación)")
    pending, claims, authorization = _json_values(_run_readme_script(script, tmp_path))
    [offered] = pending["content"]
    # MED-042 lists at 7 DOP (fixtures/world/catalogue.json); the otp-do persona's plan pays 90 % of it
    assert offered["claimed_amount"] == 30 * 7.0 and offered["total_amount"] == 189.0
    [claim] = claims["content"]
    assert claim["status"] == "PAID" and claim["id"] == offered["claim_id"]
    assert claim["settlement_id"] is not None and claim["paid_at"] is not None
    assert authorization["id"] == offered["authorization_id"] and authorization["status"] == "PAID"


def test_the_readme_complete_scenario_is_the_library_file_it_names():
    name, block = re.search(
        r"A complete scenario \(`(tests/scenarios/[\w.]+)`\):\n\n```yaml\n(.*?)```", README, re.S
    ).groups()
    shipped = (Path(__file__).resolve().parents[1] / name).read_text(encoding="utf-8")
    assert block == shipped
