"""Documented fields, checked: each field (nested ones included) exists where the contract should hold
it, and takes each value the documentation shows for it.

The same check serves request and response bodies, alias operations, schema field notes, error bodies
and webhook event data; a :class:`Target` says where the fields live and how their facts are named.
The facts are named from the documentation alone, so a field the contract lacks is a missing fact,
never a fact that is not counted: its nested fields and values are missing too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.facts import Origin
from mock_server.kit.fidelity.text import FieldSpec

__all__ = ["Target", "check_specs", "render"]


@dataclass(frozen=True)
class Target:
    """Where documented fields live and how their facts are named: ``{fields}{path}`` for a field,
    ``{values}{path}:{value}`` for a value (``createPatient:request-field:`` and
    ``createPatient:request-value:``, say)."""

    fields: str
    values: str
    label: str
    origin: Origin
    owner: str | None = None  # the operationId or schema title whose top-level fields these are

    @classmethod
    def of_operation(cls, label: str, kind: str, origin: Origin, owner: str | None = None) -> Target:
        """An operation's ``request`` or ``response`` fields, facts ``<label>:<kind>-field:<path>``."""
        return cls(f"{label}:{kind}-field:", f"{label}:{kind}-value:", f"{label} {kind}", origin, owner)

    @classmethod
    def of_schema(cls, title: str, origin: Origin, owner: str | None = None) -> Target:
        """A schema's fields, facts ``<title>:field:<path>`` and ``<title>:value:<path>:<value>``."""
        return cls(f"{title}:field:", f"{title}:value:", title, origin, owner)

    @classmethod
    def of_event(cls, event_type: str, origin: Origin) -> Target:
        """A webhook event's data fields, facts ``webhook:<type>:data:<path>``."""
        prefix = f"webhook:{event_type}:data"
        return cls(f"{prefix}:", f"{prefix}-value:", f"{event_type} data", origin, f"WebhookEnvelope/{event_type}")


def render(value: Any) -> str:
    """A documented value as it appears in a fact id."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def check_specs(ctx: Context, target: Target, specs: Iterable[FieldSpec], nodes: list[Any], prefix: str = "") -> None:
    """Each field of ``specs`` is a property of the merged ``nodes``; each documented value is a valid
    value of it; and its nested fields are properties of its object (or items), recursively."""
    for spec in specs:
        path = prefix + spec.name
        prop = ctx.contract.lookup(nodes, spec.name) if nodes else None
        ctx.check(f"{target.fields}{path}", f"{target.label} has {path}", target.origin, prop is not None)
        if not prefix:
            ctx.back(target.origin, target.owner, spec.name)
        for node in map(ctx.contract.resolve, nodes):
            ctx.back(target.origin, node.get("title") if isinstance(node, dict) else None, spec.name)
        for value in spec.values:
            ok = prop is not None and ctx.contract.accepts(prop, value)
            description = f"{target.label} {path} takes {render(value)}"
            ctx.check(f"{target.values}{path}:{render(value)}", description, target.origin, ok)
        if spec.children:
            inner = [ctx.contract.inner(prop)] if prop is not None else []
            check_specs(ctx, target, spec.children, inner, f"{path}.")
