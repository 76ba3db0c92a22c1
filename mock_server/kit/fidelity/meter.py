"""The meter itself: run every kind of fact check, tally the results against the deviations of
``contracts/facts/deviations.yaml``, and check the converse: whatever in ``contracts/openapi.yaml``
no confirmed fact backs is tagged ``x-osigu-confidence: inferred`` (or ``mock``)."""

from __future__ import annotations

from typing import Any

from mock_server.core.contracts import bundled_openapi
from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.contract import Contract, confidence_of
from mock_server.kit.fidelity.conventions import check_conventions
from mock_server.kit.fidelity.facts import UNTRUSTED, Fact, Report, load_deviations, load_facts
from mock_server.kit.fidelity.operations import check_operations
from mock_server.kit.fidelity.schemas import check_schemas

__all__ = ["measure"]


def measure(document: dict[str, Any] | None = None) -> Report:
    """The fidelity report of ``document`` (the bundled ``contracts/openapi.yaml`` by default)."""
    contract = Contract(document or bundled_openapi())
    ctx = Context(contract, load_facts())
    deviations = load_deviations()
    check_operations(ctx)
    check_schemas(ctx)
    check_conventions(ctx)
    report = tally(ctx.checks, deviations)
    report.untagged += untagged_operations(ctx)
    report.untagged += untagged_fields(ctx)
    return report


def tally(checks: list[tuple[Fact, bool]], deviations: dict[str, str]) -> Report:
    """Deviations: the first check of each fact id decides it; a fact that does not hold is a
    documented deviation when ``contracts/facts/deviations.yaml`` lists it, else missing. A listed
    deviation that is reproduced now is stale."""
    report = Report()
    seen_ids: set[str] = set()
    for fact, ok in checks:
        if fact.id in seen_ids:
            continue
        seen_ids.add(fact.id)
        if ok:
            report.reproduced.append(fact)
        elif fact.id in deviations:
            report.deviations.append((fact, deviations[fact.id]))
        else:
            report.missing.append(fact)
    reproduced_ids = {f.id for f in report.reproduced}
    report.stale_deviations = sorted(d for d in deviations if d in reproduced_ids)
    return report


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
