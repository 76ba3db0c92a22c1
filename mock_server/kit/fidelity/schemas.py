"""Facts about schemas (the ``schemas`` of ``contracts/facts/osigu-facts.yaml``): every field, its JSON
type and format, its required flag and its enum values, each checked against the schema of
``contracts/openapi.yaml`` with the same title; the nested fields (and documented values) a field note
lists in braces; and the fields that a note lists for an embedded schema (``"Title: a, b"``, or
``"Title (see Other)"`` for the list another schema's note gives).

Every fact is named from the catalogue alone: the facts of a schema or field the contract lacks are
missing, not left uncounted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.facts import Origin, origin_of
from mock_server.kit.fidelity.fields import Target, check_specs
from mock_server.kit.fidelity.text import field_name, is_placeholder, parse_fields

__all__ = ["check_schemas"]

_JSON_TYPES = {"integer": "integer", "string": "string", "number": "number", "boolean": "boolean", "object": "object"}
_NOTE_SCHEMA = re.compile(r"^([A-Z][A-Za-z0-9]+):(.*)$", re.S)
_SEE_ALSO = re.compile(r"^([A-Z][A-Za-z0-9]+) \(see ([A-Z][A-Za-z0-9]+)\)")


@dataclass(frozen=True)
class ServedSchema:
    """A facts schema and what the contracts serve under the same title (nothing, when they do not)."""

    name: str
    props: dict[str, Any]
    required: set[str]
    origin: Origin


def check_schemas(ctx: Context) -> None:
    """Every kind of schema fact, schema by schema: the embedded schemas its field notes describe, then
    each of its fields."""
    for name, schema_fact in (ctx.facts.get("schemas") or {}).items():
        origin = origin_of(schema_fact, ("schema", name))
        for entry in schema_fact.get("fields", []):
            check_note_schema(ctx, entry, origin)
        node = ctx.contract.resolve(ctx.contract.schemas.get(name, {}))
        schema = ServedSchema(name, ctx.contract.properties(node), set(node.get("required", [])), origin)
        for entry in schema_fact.get("fields", []):
            check_schema_field(ctx, schema, entry)


def check_schema_field(ctx: Context, schema: ServedSchema, entry: dict[str, Any]) -> None:
    """Fields: the field exists; then its nested fields, type, format, required flag and enum values.
    An entry naming several fields (``"payment_type / status / products"``) is checked for existence only."""
    raw_name = str(entry.get("name", ""))
    if raw_name.startswith(("(", "...")):
        return
    names = [field_name(part) for part in raw_name.split("/")]
    if len(names) > 1:
        for extra in filter(None, names):
            ctx.back(schema.origin, schema.name, extra)
            ctx.check(f"{schema.name}:field:{extra}", f"{schema.name}.{extra}", schema.origin, extra in schema.props)
        return
    fname = field_name(entry.get("name"))
    if not fname:
        return
    ctx.back(schema.origin, schema.name, fname)
    prop = ctx.contract.resolve(schema.props[fname]) if fname in schema.props else None
    ctx.check(f"{schema.name}:field:{fname}", f"{schema.name}.{fname}", schema.origin, prop is not None)
    check_nested_note(ctx, schema, fname, prop, entry)
    check_field_type_and_format(ctx, schema, fname, prop or {}, entry)
    if entry.get("required"):
        required = fname in schema.required
        ctx.check(f"{schema.name}:required:{fname}", f"{schema.name}.{fname} required", schema.origin, required)
    check_field_enum(ctx, schema, fname, prop or {}, entry)


def check_field_type_and_format(
    ctx: Context, schema: ServedSchema, fname: str, prop: dict[str, Any], entry: dict[str, Any]
) -> None:
    """Types and formats: the field's JSON type (``x[]`` is an array) and its ``format``."""
    name, origin = schema.name, schema.origin
    fact_type = str(entry.get("type", ""))
    expected = "array" if fact_type.endswith("[]") else _JSON_TYPES.get(fact_type)
    if expected:
        types = prop.get("type")
        types = types if isinstance(types, list) else [types]
        ctx.check(f"{name}:type:{fname}", f"{name}.{fname} is {expected}", origin, expected in types)
    if entry.get("format"):
        ok = prop.get("format") == entry["format"]
        ctx.check(f"{name}:format:{fname}", f"{name}.{fname} format {entry['format']}", origin, ok)


def check_field_enum(
    ctx: Context, schema: ServedSchema, fname: str, prop: dict[str, Any], entry: dict[str, Any]
) -> None:
    """Enum values: every value the fact lists (inline, or by the name of a catalogue ``enums`` entry)
    is allowed by the field, or by its items for an array."""
    enum_name = entry.get("enum")
    enums = ctx.facts.get("enums", {})
    values = enums.get(enum_name, {}).get("values") if isinstance(enum_name, str) else enum_name
    if not isinstance(values, list):
        return
    have = set(prop.get("enum", []) or ctx.contract.resolve(prop.get("items", {})).get("enum", []))
    for value in values:
        if isinstance(value, str) and not is_placeholder(value):
            ok = value in have
            ctx.check(f"{schema.name}:enum:{fname}:{value}", f"{schema.name}.{fname} allows {value}", schema.origin, ok)


def note_schema(ctx: Context, note: str) -> tuple[str, str] | None:
    """``(title, field list)`` of a note describing an embedded schema: ``"Title: a, b"``, or
    ``"Title (see Other)"`` for the list that a field note of the catalogue schema ``Other`` gives."""
    match = _NOTE_SCHEMA.match(note)
    if match:
        return match.group(1), match.group(2)
    see = _SEE_ALSO.match(note)
    if not see:
        return None
    other = (ctx.facts.get("schemas") or {}).get(see.group(2), {})
    for entry in other.get("fields", []):
        found = _NOTE_SCHEMA.match(str(entry.get("note", "")))
        if found and found.group(1) == see.group(1):
            return found.group(1), found.group(2)
    return None


def check_note_schema(ctx: Context, entry: dict[str, Any], origin: Origin) -> None:
    """Fields of an embedded schema a field note lists: each is a field of the contract's schema with
    that title (facts ``Title:field:x``)."""
    found = note_schema(ctx, str(entry.get("note", "")).strip())
    if found is None:
        return
    title, fields = found
    node = ctx.contract.schemas.get(title)
    target = Target.of_schema(title, origin, title)
    check_specs(ctx, target, parse_fields(fields), [node] if node is not None else [])


def check_nested_note(ctx: Context, schema: ServedSchema, fname: str, prop: Any, entry: dict[str, Any]) -> None:
    """Fields of a nested object: a field note "{a int64, b (x|y), c}" lists the fields of the object the
    field holds (of its items, for an array): each must exist there, and take the values it documents
    (facts ``Schema:field:f.a``)."""
    note = str(entry.get("note", "")).strip()
    if not note.startswith("{") or "}" not in note:
        return
    inner = [ctx.contract.inner(prop)] if prop is not None else []
    fields = parse_fields(note[1 : note.rfind("}")])
    check_specs(ctx, Target.of_schema(schema.name, schema.origin), fields, inner, f"{fname}.")
