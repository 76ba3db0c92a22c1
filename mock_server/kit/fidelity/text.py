"""Reading names and values out of the catalogue's prose entries.

The catalogue (``contracts/facts/osigu-facts.yaml``) writes fields as short texts: ``"access_token (JWT, ...)"``,
``"products[{product_code, quantity, unit_price}]"``, ``"status (STARTED)"``, ``"code_type (A|B)"``. A
:class:`FieldSpec` is one such text read: the field's name, its nested fields, and the values the text
documents for it. Only these forms of the parenthesised note are read as values: an id prefix
(``dsp_...``), alternatives (``A|B|null``), a quoted string, ``e.g. X``, a leading ``example X``,
``always X`` or ``default X``, and a single bare upper-case or numeric token (``MEDICATION``,
``RX-2026-9182``); anything else is prose and documents no value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = [
    "FieldSpec",
    "annotation_values",
    "example_keys",
    "field_name",
    "inline_example",
    "is_placeholder",
    "parse_field",
    "parse_fields",
    "spec_at",
    "specs_from_example",
    "split_outside_brackets",
]

_IDENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)")
_PREFIX = re.compile(r"^[a-z]+_\.\.\.$")
_ALTERNATIVES = re.compile(r"^[\w.\-]+(\|[\w.\-]+)+$")
_QUOTED = re.compile(r'^"([^"]*)"$')
_LEADING = re.compile(r"^(?:example|always|default)\s+([^\s,;)]+)")
_EG = re.compile(r"\be\.g\.\s+([^\s,;)]+)")
_TOKEN = re.compile(r"^[A-Z0-9][A-Za-z0-9_.\-]*$")
# A bare token that constrains the field rather than exemplifying a value: "url (HTTPS)".
_CONSTRAINTS = frozenset({"HTTPS"})
_PLACEHOLDERS = frozenset({"...", "etc."})


@dataclass(frozen=True)
class FieldSpec:
    """One documented field: its name, its nested fields (an object's, or an array's items'), and the
    values the documentation shows for it."""

    name: str
    children: tuple[FieldSpec, ...] = ()
    values: tuple[Any, ...] = ()


def field_name(text: Any) -> str | None:
    """``access_token`` from ``"access_token (JWT, RS256...)"``; None for cut or prose entries."""
    if isinstance(text, dict):
        text = text.get("name", "")
    match = _IDENT.match(str(text))
    return match.group(1) if match else None


def split_outside_brackets(text: str) -> list[str]:
    """``"a, b (x, y), c{d, e}"`` -> ``["a", " b (x, y)", " c{d, e}"]``."""
    depth, current, items = 0, "", []
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return items


def example_keys(text: str) -> list[str]:
    """The keys of an inline example, ``"e.g. {a: 1, b: '2'}"`` -> ``["a", "b"]``."""
    inner = text[text.find("{") + 1 : text.rfind("}")] if "{" in text else ""
    return re.findall(r"([a-z_][a-z0-9_]*)\s*:", inner)


def inline_example(text: str) -> dict[str, Any]:
    """The inline example of a prose entry as a mapping: ``"e.g. {a: CC, b: '2'}"`` -> ``{a: CC, b: '2'}``."""
    if "{" not in text:
        return {}
    snippet = text[text.find("{") : text.rfind("}") + 1]
    try:
        parsed = yaml.safe_load(snippet)
    except yaml.YAMLError:
        parsed = None
    return parsed if isinstance(parsed, dict) else dict.fromkeys(example_keys(text))


def _closing(text: str, start: int) -> int:
    """The index of the bracket that closes the one at ``start`` (the end of the text if none does)."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] in "({":
            depth += 1
        elif text[index] in ")}":
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def _coerce(token: str) -> Any:
    return int(token) if token.isdigit() else token


def annotation_values(note: str) -> tuple[Any, ...]:
    """The values a parenthesised note documents (see the module's docstring); ``()`` for prose."""
    note = note.strip()
    if _PREFIX.match(note):
        return (note,)
    if _ALTERNATIVES.match(note):
        return tuple(None if part == "null" else _coerce(part) for part in note.split("|"))
    quoted = _QUOTED.match(note)
    if quoted:
        return (quoted.group(1),)
    example = _LEADING.match(note) or _EG.search(note)
    if example:
        return (_coerce(example.group(1)),)
    if _TOKEN.match(note) and note not in _CONSTRAINTS:
        return (_coerce(note),)
    return ()


def parse_field(entry: Any) -> FieldSpec | None:
    """One catalogue field entry (a text, or ``{name, value}``) read; None for cut or prose entries."""
    if isinstance(entry, dict):
        spec = parse_field(entry.get("name", ""))
        if spec is None or "value" not in entry:
            return spec
        return FieldSpec(spec.name, spec.children, (*spec.values, entry["value"]))
    text = str(entry).strip()
    match = _IDENT.match(text)
    if not match or text[match.end() :].startswith("..."):
        return None
    rest, children = text[match.end() :], ()
    brace, paren = rest.find("{"), rest.find("(")
    if brace != -1 and (paren == -1 or brace < paren):
        close = _closing(rest, brace)
        children = parse_fields(rest[brace + 1 : close])
        rest = rest[:brace] + rest[close + 1 :]
    paren = rest.find("(")
    values = annotation_values(rest[paren + 1 : _closing(rest, paren)]) if paren != -1 else ()
    return FieldSpec(match.group(1), children, values)


def parse_fields(text: str) -> tuple[FieldSpec, ...]:
    """A comma-separated field list (``"a, b{c, d}, e (x|y)"``) read, cut and prose entries left out."""
    return tuple(spec for spec in map(parse_field, split_outside_brackets(text)) if spec is not None)


def specs_from_example(example: dict[str, Any]) -> tuple[FieldSpec, ...]:
    """An example object as fields: each key a field, nested objects (or the first item of a list of
    objects) its nested fields, and a scalar its documented value (placeholders such as ``"..."`` aside)."""
    specs = []
    for key, value in example.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = value[0]
        if isinstance(value, dict):
            specs.append(FieldSpec(str(key), specs_from_example(value)))
        elif value is None or isinstance(value, list) or value in _PLACEHOLDERS:
            specs.append(FieldSpec(str(key)))
        else:
            specs.append(FieldSpec(str(key), values=(value,)))
    return tuple(specs)


def spec_at(path: str, values: tuple[Any, ...]) -> FieldSpec:
    """A field spec documenting values at a dotted path: ``a.b`` -> ``a{b (values)}``."""
    head, _, rest = path.partition(".")
    return FieldSpec(head, (spec_at(rest, values),)) if rest else FieldSpec(head, values=values)


def is_placeholder(value: Any) -> bool:
    """``"..."``, ``"etc."`` or a cut-list marker (``"... (list cut after X)"``): no value at all."""
    return isinstance(value, str) and (value in _PLACEHOLDERS or value.startswith("..."))
