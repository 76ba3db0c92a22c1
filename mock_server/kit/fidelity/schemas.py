"""Facts about schemas (the ``schemas`` of ``contracts/facts/osigu-facts.yaml``): every field, its
JSON type and format, its required flag and its enum values, each checked against the schema of
``contracts/openapi.yaml`` with the same title; plus the fields that a field note lists for an
embedded schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.kit.fidelity.context import Context
from mock_server.kit.fidelity.facts import Origin, field_name, origin_of, split_outside_brackets

__all__ = ["check_schemas"]

_JSON_TYPES = {"integer": "integer", "string": "string", "number": "number", "boolean": "boolean", "object": "object"}


@dataclass(frozen=True)
class ServedSchema:
    """A facts schema and what the contracts serve under the same title."""

    name: str
    props: dict[str, Any]
    required: set[str]
    origin: Origin


def check_schemas(ctx: Context) -> None:
    """Every kind of schema fact, schema by schema: first the embedded schemas its field notes
    describe, then, when the contracts serve a schema with its title, each of its fields."""
    for name, schema_fact in (ctx.facts.get("schemas") or {}).items():
        origin = origin_of(schema_fact)
        for entry in schema_fact.get("fields", []):  # notes may describe an embedded schema we serve
            check_note_schema(ctx, entry, origin)
        if name not in ctx.contract.schemas:
            continue
        node = ctx.contract.resolve(ctx.contract.schemas[name])
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
            ctx.backed.add((schema.name, extra))
            ctx.check(f"{schema.name}:field:{extra}", f"{schema.name}.{extra}", schema.origin, extra in schema.props)
        return
    fname = field_name(entry.get("name"))
    if not fname:
        return
    ctx.backed.add((schema.name, fname))
    prop = ctx.contract.resolve(schema.props.get(fname)) if fname in schema.props else None
    ctx.check(f"{schema.name}:field:{fname}", f"{schema.name}.{fname}", schema.origin, prop is not None)
    if prop is None:
        return
    check_nested_note(ctx, schema, fname, schema.props[fname], entry)
    check_field_type_and_format(ctx, schema, fname, prop, entry)
    if entry.get("required"):
        required = fname in schema.required
        ctx.check(f"{schema.name}:required:{fname}", f"{schema.name}.{fname} required", schema.origin, required)
    check_field_enum(ctx, schema, fname, prop, entry)


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
        if isinstance(value, str) and not value.startswith("..."):
            ok = value in have
            ctx.check(f"{schema.name}:enum:{fname}:{value}", f"{schema.name}.{fname} allows {value}", schema.origin, ok)


def check_note_schema(ctx: Context, entry: dict[str, Any], origin: Origin) -> None:
    """Fields of an embedded schema: a field note "Title: a int64, b, c (x)" lists the fields of that
    schema, when the contracts have a schema with that title."""
    note = str(entry.get("note", ""))
    title, sep, rest = note.partition(":")
    if not sep or title.strip() not in ctx.contract.schemas:
        return
    title = title.strip()
    props = ctx.contract.properties(ctx.contract.schemas[title])
    for fname in filter(None, map(field_name, split_outside_brackets(rest))):
        ctx.backed.add((title, fname))
        ctx.check(f"{title}:field:{fname}", f"{title}.{fname}", origin, fname in props)


def check_nested_note(ctx: Context, schema: ServedSchema, fname: str, prop: Any, entry: dict[str, Any]) -> None:
    """Fields of a nested object: a field note "{a int64, b, c}" lists the fields of the object the
    field holds (of its items, for an array): each must exist there, and the nested schema's fields
    it names are backed."""
    note = str(entry.get("note", "")).strip()
    if not note.startswith("{") or "}" not in note:
        return
    node = ctx.contract.resolve(prop)
    if node.get("type") == "array" or "array" in (node.get("type") or []):
        node = ctx.contract.resolve(node.get("items", {}))
    title = node.get("title") if isinstance(node, dict) else None
    props = ctx.contract.properties(node)
    owner = schema.name
    for name in filter(None, map(field_name, split_outside_brackets(note[1 : note.rfind("}")]))):
        if title:
            ctx.backed.add((title, name))
        ctx.check(f"{owner}:field:{fname}.{name}", f"{owner}.{fname}.{name}", schema.origin, name in props)
