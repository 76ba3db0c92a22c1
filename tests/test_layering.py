"""The parts of the package and who may import whom (ARCHITECTURE.md, "Layers").

- ``core`` imports nothing of the project;
- ``domain`` imports ``core`` and ``domain`` only: no settings, no Starlette, no HTTP client;
- ``api`` imports ``domain``, ``core`` and ``api``;
- ``admin`` imports ``domain``, ``core`` and the shared HTTP helpers (``mock_server.api.http``);
- ``kit`` imports ``core`` and ``kit``;
- the top (app, cli, server, settings and the wiring) may import anything.

Every module belongs to exactly one part, so a new top-level module fails here until it is placed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mock_server"

TOP = {
    "mock_server",
    "mock_server.app",
    "mock_server.cli",
    "mock_server.server",
    "mock_server.settings",
    "mock_server.sandbox",
    "mock_server.transport",
    "mock_server.middleware",
    "mock_server.routing",
    "mock_server.webhooks",
}
PACKAGES = ("core", "domain", "api", "admin", "kit")
# part -> the project's modules it may import (by prefix); None: anything.
ALLOWED: dict[str, tuple[str, ...] | None] = {
    "core": ("mock_server.core",),
    "domain": ("mock_server.core", "mock_server.domain"),
    "api": ("mock_server.core", "mock_server.domain", "mock_server.api"),
    "admin": ("mock_server.core", "mock_server.domain", "mock_server.api.http", "mock_server.admin"),
    "kit": ("mock_server.core", "mock_server.kit"),
    "top": None,
}
# Third-party packages a part must not use.
FORBIDDEN_THIRD_PARTY = {
    "core": ("starlette", "uvicorn", "httpx", "httpx2", "click"),
    "domain": ("starlette", "uvicorn", "httpx", "httpx2", "click"),
    "api": ("uvicorn", "httpx", "httpx2", "click"),
    "admin": ("uvicorn", "httpx", "httpx2", "click"),
    "kit": ("starlette", "uvicorn"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str | None:
    if module in TOP:
        return "top"
    pieces = module.split(".")
    if len(pieces) >= 2 and pieces[1] in PACKAGES:
        return pieces[1]
    return None


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                raise AssertionError(f"{path}: no relative imports")
            if node.module == "mock_server":  # the package root: only __version__ (and a lazy create_app)
                continue
            names.add(node.module)
            if node.module.startswith("mock_server"):
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_exactly_one_part():
    unplaced = [module_name(p) for p in MODULES if part_of(module_name(p)) is None]
    assert not unplaced, f"place these in a part (tests/test_layering.py, ARCHITECTURE.md): {unplaced}"


def _importable(name: str) -> bool:
    """A name from ``from X import Y`` that is a module of the project (not a class or function)."""
    return (PACKAGE.parent / Path(*name.split("."))).with_suffix(".py").exists() or (
        PACKAGE.parent / Path(*name.split("."))
    ).is_dir()


@pytest.mark.parametrize("part", [*PACKAGES, "top"])
def test_a_part_imports_only_what_its_layer_allows(part):
    files = [p for p in MODULES if part_of(module_name(p)) == part]
    assert files
    allowed = ALLOWED[part]
    problems = []
    for path in files:
        for name in imports(path):
            if name.startswith("mock_server") and allowed is not None and _importable(name):
                if not any(name == a or name.startswith(a + ".") for a in allowed):
                    problems.append(f"{module_name(path)} imports {name}")
            top = name.split(".")[0]
            if top in FORBIDDEN_THIRD_PARTY.get(part, ()):
                problems.append(f"{module_name(path)} imports {name}")
    assert not problems, "\n".join(problems)


def test_the_rules_catch_a_domain_module_that_reads_the_settings(tmp_path):
    """The checker itself: a domain module importing the settings (or Starlette) is reported."""
    sample = tmp_path / "sample.py"
    sample.write_text("from mock_server.settings import Settings\nimport starlette.requests\n")
    names = imports(sample)
    assert "mock_server.settings" in names and "starlette.requests" in names
    assert not any("mock_server.settings" == a or "mock_server.settings".startswith(a + ".") for a in ALLOWED["domain"])
    assert part_of("mock_server.something_new") is None
