"""DESIGN.md's dependency rules: cli/app -> api, admin -> domain -> core; the domain imports neither
Starlette nor the HTTP layers; core imports no area; api never reaches admin."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mock_server"

RULES = {
    "core": ("starlette", "uvicorn", "mock_server.domain", "mock_server.api", "mock_server.admin", "mock_server.app"),
    "domain": ("starlette", "uvicorn", "mock_server.api", "mock_server.admin", "mock_server.app"),
    "api": ("mock_server.admin", "mock_server.app", "mock_server.cli"),
}


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_only_what_the_design_allows(layer):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    for path in files:
        for name in imports(path):
            for forbidden in RULES[layer]:
                assert not (name == forbidden or name.startswith(forbidden + ".")), (
                    f"{path.relative_to(PACKAGE)} imports {name}"
                )
