"""Small rooms (ARCHITECTURE.md): no module of the domain over 500 lines, no function over 60."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mock_server"
MAX_DOMAIN_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def long_functions(source: str) -> list[tuple[str, int]]:
    """``(name, lines)`` of every function longer than the limit, docstring and body included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append((node.name, length))
    return found


def test_no_domain_module_is_over_500_lines():
    sizes = {p.relative_to(PACKAGE): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    big = {str(p): n for p, n in sizes.items() if p.parts[0] == "domain" and n > MAX_DOMAIN_MODULE_LINES}
    assert not big, big


def test_no_function_is_over_60_lines():
    big = {
        f"{p.relative_to(PACKAGE)}:{name}": n
        for p in PACKAGE.rglob("*.py")
        for name, n in long_functions(p.read_text(encoding="utf-8"))
    }
    assert not big, big


def test_the_function_measure_counts_from_def_to_last_line():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"def f():\n{body}\n") == [("f", MAX_FUNCTION_LINES + 1)]
    assert long_functions("def g():\n    return 1\n") == []
