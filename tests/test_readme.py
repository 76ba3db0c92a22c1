"""The README stays true: its quick start, credentials and personas match the code."""

from __future__ import annotations

import re
from pathlib import Path

from mock_server.domain.world import load_world

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
