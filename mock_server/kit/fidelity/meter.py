"""The meter itself: run every kind of fact check, tally the results against the scope of
``contracts/facts/scope.yaml`` and the deviations of ``contracts/facts/deviations.yaml``, and check the
converse: whatever in ``contracts/openapi.yaml`` no confirmed fact backs is tagged
``x-osigu-confidence: inferred`` (or ``mock``)."""

from __future__ import annotations

from typing import Any

from mock_server.core.contracts import bundled_openapi
from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.contract import Contract, confidence_of
from mock_server.kit.fidelity.conventions import check_conventions
from mock_server.kit.fidelity.facts import UNTRUSTED, Result, Subject, load_deviations, load_facts
from mock_server.kit.fidelity.operations import check_operations
from mock_server.kit.fidelity.placed import check_error_codes, check_standalone_enums
from mock_server.kit.fidelity.report import UNCLASSIFIED, Report
from mock_server.kit.fidelity.schemas import check_schemas
from mock_server.kit.fidelity.scope import Scope, load_scope, served_name

__all__ = ["measure", "tally"]


def measure(document: dict[str, Any] | None = None) -> Report:
    """The fidelity report of ``document`` (the bundled ``contracts/openapi.yaml`` by default)."""
    ctx = Context(Contract(document or bundled_openapi()), load_facts(), load_scope())
    check_operations(ctx)
    check_schemas(ctx)
    check_conventions(ctx)
    check_standalone_enums(ctx)
    check_error_codes(ctx)
    report = tally(list(ctx.results.values()), load_deviations(), ctx.scope)
    report.allowance_problems = allowance_problems(ctx)
    report.untagged = untagged_operations(ctx) + untagged_fields(ctx)
    return report


def tally(results: list[Result], deviations: dict[str, str], scope: Scope) -> Report:
    """Each fact once: out of scope (by the reason of the subjects it is about) unless it is about an
    in-scope subject; then reproduced, a documented deviation, not built yet, or missing. A listed
    deviation that is reproduced now is stale; one that names no in-scope fact is unknown."""
    report = Report(reasons=scope.reasons)
    for result in results:
        fact, inside = result.fact, sorted(s for s in result.subjects if scope.in_scope(s))
        if not inside:
            reasons = [scope.reason(subject) for subject in sorted(result.subjects)]
            report.out_of_scope.setdefault(next(filter(None, reasons), UNCLASSIFIED), []).append((fact, result.ok))
            continue
        report.subjects[fact.id] = set(inside)
        if result.ok:
            report.reproduced.append(fact)
        elif fact.id in deviations:
            report.deviations.append((fact, deviations[fact.id]))
        elif all(subject in scope.not_built_yet for subject in inside):
            report.not_built.append(fact)
        else:
            report.missing.append(fact)
    reproduced = {fact.id for fact in report.reproduced}
    report.stale_deviations = sorted(d for d in deviations if d in reproduced)
    report.unknown_deviations = sorted(d for d in deviations if d not in report.subjects)
    return report


def allowance_problems(ctx: Context) -> list[str]:
    """``not_built_yet`` lists exactly what is in scope and not served: an entry the contract serves now
    must go, and an in-scope operation or schema the contract does not serve must be listed."""
    scope, problems = ctx.scope, []

    def served(subject: Subject) -> bool:
        kind, name = subject
        return served_name(name) in ctx.contract.operations if kind == "operation" else name in ctx.contract.schemas

    for subject in sorted(scope.not_built_yet):
        if served(subject):
            problems.append(f"{subject[0]} {subject[1]!r} is served now: remove it from not_built_yet (scope.yaml)")
    for kind in ("operation", "schema"):
        for name in scope.names(f"{kind}s", "in_scope"):
            if not served((kind, name)) and (kind, name) not in scope.not_built_yet:
                problems.append(f"{kind} {name!r} is in scope but not served: list it in not_built_yet (scope.yaml)")
    return problems


def untagged_operations(ctx: Context) -> list[str]:
    """The converse, for operations: every operation no fact backs is tagged inferred or mock."""
    untagged = []
    for op_id, (method, path, op) in ctx.contract.operations.items():
        if confidence_of(op, "") in UNTRUSTED or op_id in ctx.backed_ops:
            continue
        untagged.append(f"operation {op_id} ({method} {path}) has no confirmed fact and is not tagged inferred")
    return untagged


def untagged_fields(ctx: Context) -> list[str]:
    """The converse, for schemas: every schema is tagged, and in a schema the facts vouch for, every
    field no fact backs (directly, or through an operation that uses the schema) is tagged inferred
    or mock."""
    contract, untagged = ctx.contract, []
    for title, node in contract.schemas.items():
        node = contract.resolve(node)
        confidence = confidence_of(node, "")
        if confidence in UNTRUSTED:
            continue
        if not confidence:
            untagged.append(f"schema {title} has no x-osigu-confidence")
            continue
        for fname, prop in contract.properties(node).items():
            if (title, fname) in ctx.backed or any((op_id, fname) in ctx.backed for op_id in contract.users(title)):
                continue
            if confidence_of(contract.resolve(prop), "") not in UNTRUSTED:
                untagged.append(f"{title}.{fname} is backed by no fact and not tagged inferred")
    return untagged
