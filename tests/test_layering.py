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
    "mock_server.inprocess",
    "mock_server.pytest_plugin",
    "mock_server.scenarios",
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
# Modules (and their submodules) a part must not use: web frameworks and HTTP clients below the HTTP layers.
HTTP_CLIENTS = ("httpx", "httpx2", "requests", "aiohttp", "urllib.request", "http.client")
FORBIDDEN_THIRD_PARTY = {
    "core": ("starlette", "uvicorn", "click", *HTTP_CLIENTS),
    "domain": ("starlette", "uvicorn", "click", *HTTP_CLIENTS),
    "api": ("uvicorn", "click", *HTTP_CLIENTS),
    "admin": ("uvicorn", "click", *HTTP_CLIENTS),
    "kit": ("starlette", "uvicorn"),
}


def module_name(path: Path) -> str:
    if not path.is_relative_to(PACKAGE.parent):
        return path.stem
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
            if node.module == "mock_server":  # the package root: __version__ is fine, a submodule is not
                names |= {f"mock_server.{alias.name}" for alias in node.names if alias.name != "__version__"}
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


def violations(part: str, path: Path) -> list[str]:
    """What ``path``, a module of ``part``, imports that its layer does not allow."""
    allowed = ALLOWED[part]
    found = []
    for name in imports(path):
        if name.startswith("mock_server") and allowed is not None and _importable(name):
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                found.append(f"{module_name(path)} imports {name}")
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_THIRD_PARTY.get(part, ())):
            found.append(f"{module_name(path)} imports {name}")
    return found


@pytest.mark.parametrize("part", [*PACKAGES, "top"])
def test_a_part_imports_only_what_its_layer_allows(part):
    files = [p for p in MODULES if part_of(module_name(p)) == part]
    assert files
    problems = [problem for path in files for problem in violations(part, path)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("part", "source"),
    [
        ("domain", "from mock_server.settings import Settings\n"),
        ("domain", "from mock_server import settings\n"),
        ("domain", "import mock_server.api.http\n"),
        ("domain", "import urllib.request\n"),
        ("domain", "from starlette.requests import Request\n"),
        ("core", "from mock_server.domain import world\n"),
        ("api", "from mock_server.admin.routes import routes\n"),
        ("admin", "from mock_server.api.authorizations import routes\n"),
        ("kit", "from mock_server.domain.world import load_world\n"),
    ],
)
def test_the_checker_reports_an_import_the_layer_forbids(tmp_path, part, source):
    module = PACKAGE / part / "sample_module.py"  # named inside the package, read from tmp_path
    sample = tmp_path / "sample_module.py"
    sample.write_text(source, encoding="utf-8")
    assert violations(part, sample), source
    assert part_of(module_name(module)) == part and part_of("mock_server.something_new") is None


def test_the_checker_lets_through_what_the_layer_allows(tmp_path):
    sample = tmp_path / "sample_module.py"
    sample.write_text("from mock_server import __version__\nimport urllib.parse\nfrom mock_server.core import clock\n")
    assert violations("domain", sample) == []


def test_the_wiring_provides_every_method_of_the_port_the_http_layers_use():
    """``api.http.SandboxPort`` is how api and admin see ``sandbox.Sandbox`` without importing it."""
    import inspect

    from mock_server.api.http import SandboxPort
    from mock_server.sandbox import Sandbox

    members = [name for name in vars(SandboxPort) if not name.startswith("_")]
    assert members
    for name in members:
        port = inspect.signature(getattr(SandboxPort, name))
        actual = inspect.signature(getattr(Sandbox, name))
        assert list(port.parameters) == list(actual.parameters), name
    assert "world" in SandboxPort.__annotations__
