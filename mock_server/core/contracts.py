"""The contracts: JSON Schema 2020-12 files, the OpenAPI 3.1 document, and the bundled form.

``contracts/schemas/*.schema.json`` are the single source of truth for shapes. Each has
``$schema`` and a relative ``$id`` (its own file name) and refers to the others by relative file
refs, so the unbundled ``contracts/openapi.yaml`` resolves from disk (schemathesis ``from_path``)
and the same files validate requests in the mock and responses in the tests.

:func:`bundled_openapi` is the document served at ``/openapi.json``: every schema file becomes
``components/schemas/<title>`` and every ref is rewritten to ``#/components/schemas/...``
(schemathesis silently skips refs it cannot resolve; a meta-test proves every ref resolves).

Validators are compiled once per process and cached; nothing here runs per request.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from mock_server.core.errors import FieldError
from mock_server.core.resources import contracts_dir

__all__ = [
    "bundled_openapi",
    "field_errors",
    "openapi_document",
    "schema",
    "schema_files",
    "validator",
]

SCHEMA_SUFFIX = ".schema.json"
COMPONENTS = "#/components/schemas/"


def schemas_dir() -> Path:
    return contracts_dir() / "schemas"


@cache
def schema_files() -> dict[str, dict[str, Any]]:
    """File name -> parsed schema, for every ``*.schema.json``."""
    out = {}
    for path in sorted(schemas_dir().glob(f"*{SCHEMA_SUFFIX}")):
        out[path.name] = json.loads(path.read_text(encoding="utf-8"))
    return out


def schema(name: str) -> dict[str, Any]:
    """A schema by file stem (``error``) or file name (``error.schema.json``)."""
    return schema_files()[_file_name(name)]


def _file_name(name: str) -> str:
    return name if name.endswith(SCHEMA_SUFFIX) else f"{name}{SCHEMA_SUFFIX}"


@cache
def _registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry(list(schema_files().items()))


@cache
def validator(name: str) -> jsonschema_rs.Validator:
    """The compiled validator of one schema file, formats checked (jsonschema-rs: imports in
    milliseconds and validates in about a microsecond, so start-up and the hot path stay fast)."""
    return jsonschema_rs.Draft202012Validator({"$ref": _file_name(name)}, registry=_registry(), validate_formats=True)


def render_path(parts) -> str:
    """``a.b[0].c`` from a JSON path; ``$`` for the whole instance."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"


def field_errors(name: str, instance: Any) -> list[FieldError]:
    """One :class:`FieldError` per problem, sorted by path; empty when ``instance`` is valid."""
    problems: list[FieldError] = []
    for error in validator(name).iter_errors(instance):
        path = list(error.instance_path)
        kind = error.kind.name
        detail = error.kind.as_dict()
        if kind == "required":
            problems.append(FieldError(render_path([*path, detail["property"]]), "is required"))
        else:
            problems.append(FieldError(render_path(path), _message(kind, detail, error.message)))
    problems.sort(key=lambda p: p.path)
    return problems


_BOUNDS = {
    "minimum": "at least",
    "exclusiveMinimum": "greater than",
    "maximum": "at most",
    "exclusiveMaximum": "less than",
}


def _message(kind: str, detail: dict[str, Any], fallback: str) -> str:
    if kind == "type":
        return "must be of type " + " or ".join(detail.get("types", []))
    if kind == "enum":
        return "must be one of " + ", ".join(map(str, detail.get("options", [])))
    if kind == "format":
        return f"must be a valid {detail.get('format')}"
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {detail.get('limit')}"
    if kind == "minLength":
        limit = detail.get("limit")
        return "must not be empty" if limit == 1 else f"must have at least {limit} characters"
    if kind == "maxLength":
        return f"must have at most {detail.get('limit')} characters"
    if kind == "minItems":
        return f"must have at least {detail.get('limit')} item(s)"
    if kind == "pattern":
        return f"must match {detail.get('pattern')}"
    return fallback


# -- the OpenAPI document ----------------------------------------------------------------------
@cache
def openapi_document() -> dict[str, Any]:
    """``contracts/openapi.yaml`` as written (file refs to the schema files)."""
    return yaml.safe_load((contracts_dir() / "openapi.yaml").read_text(encoding="utf-8"))


def component_name(file_name: str) -> str:
    title = schema_files()[file_name].get("title")
    if not title:
        raise ValueError(f"{file_name} has no title; the title names it in components/schemas")
    return title


def _rewrite_ref(ref: str, base_file: str | None) -> str:
    """A file ref (``x.schema.json#/$defs/y``, ``schemas/x.schema.json``) or a local ref, bundled."""
    target, _, fragment = ref.partition("#")
    if target:
        file_name = Path(target).name
        if file_name not in schema_files():
            raise ValueError(f"unresolvable $ref {ref!r}")
    elif base_file is not None:
        file_name = base_file
    else:
        return ref  # already local to the OpenAPI document
    return COMPONENTS + component_name(file_name) + fragment


def _rewrite(node: Any, base_file: str | None) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = _rewrite_ref(value, base_file)
            else:
                out[key] = _rewrite(value, base_file)
        return out
    if isinstance(node, list):
        return [_rewrite(item, base_file) for item in node]
    return node


@cache
def _bundled() -> dict[str, Any]:
    document = _rewrite(copy.deepcopy(openapi_document()), None)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for file_name, contents in schema_files().items():
        body = {k: v for k, v in contents.items() if k not in ("$id", "$schema")}
        name = component_name(file_name)
        if name in components:
            raise ValueError(f"two schemas are titled {name!r}")
        components[name] = _rewrite(body, file_name)
    return document


def bundled_openapi(*, include_admin: bool = True) -> dict[str, Any]:
    """The self-contained document (a fresh copy); without the admin operations when asked."""
    document = copy.deepcopy(_bundled())
    if not include_admin:
        paths = document.get("paths", {})
        for path in [p for p in paths if p.startswith("/__admin")]:
            del paths[path]
        document["tags"] = [t for t in document.get("tags", []) if t.get("name") != "admin"]
    return document


# -- error responses, generated from the catalogue -------------------------------------------
ERROR_SCHEMA_REF = "schemas/error.schema.json"
BODY_ERRORS = (
    "MOCK-400-malformed-json",
    "MOCK-413-payload-too-large",
    "MOCK-415-unsupported-media-type",
    "MOCK-422-validation-failed",
)
FORM_BODY_ERRORS = ("MOCK-413-payload-too-large", "MOCK-415-unsupported-media-type")
BEARER_ERRORS = (
    "MOCK-401-missing-token",
    "MOCK-401-invalid-token",
    "MOCK-401-token-expired",
    "MOCK-403-insufficient-scope",
    "MOCK-429-rate-limited",
)
ADMIN_ERRORS = ("MOCK-401-admin-token", "MOCK-404-tenant-not-found")
PAGED_ERRORS = ("MOCK-400-invalid-parameter",)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def operation_error_codes(path: str, operation: dict[str, Any]) -> list[str]:
    """Every catalogue code the operation can answer: its own ``x-osigu-errors`` plus the ones
    implied by its shape (a JSON body, bearer auth, the admin plane, query parameters)."""
    codes: list[str] = []
    body = operation.get("requestBody", {}).get("content", {})
    if any(kind == "application/json" for kind in body):
        codes += BODY_ERRORS
    elif body:
        codes += FORM_BODY_ERRORS
    if any("bearerAuth" in requirement for requirement in operation.get("security", [])):
        codes += BEARER_ERRORS
    if path.startswith("/__admin"):
        codes += ADMIN_ERRORS
    if any(_is_query(p) for p in operation.get("parameters", [])):
        codes += PAGED_ERRORS
    codes += operation.get("x-osigu-errors", [])
    known = catalogue_codes()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"{path}: x-osigu-errors names codes not in errors.yaml: {unknown}")
    return list(dict.fromkeys(codes))


def _is_query(parameter: dict[str, Any]) -> bool:
    if "$ref" in parameter:
        return parameter["$ref"].rsplit("/", 1)[-1] in ("Page", "Size")
    return parameter.get("in") == "query"


def catalogue_codes() -> dict[str, Any]:
    from mock_server.core.errors import catalogue

    return catalogue()


def error_responses(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The 4xx/5xx ``responses`` entries of one operation, from the catalogue."""
    by_status: dict[int, list[str]] = {}
    entries = catalogue_codes()
    for code in operation_error_codes(path, operation):
        by_status.setdefault(entries[code].status, []).append(code)
    out: dict[str, Any] = {}
    for status in sorted(by_status):
        codes = by_status[status]
        response: dict[str, Any] = {
            "description": " | ".join(f"{c}: {entries[c].message}" for c in codes),
            "x-osigu-error-codes": codes,
            "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}},
        }
        if status == 429:
            response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
        out[str(status)] = response
    return out


def synced(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every operation's error responses regenerated from the catalogue."""
    out = copy.deepcopy(document)
    for path, item in out.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = {k: v for k, v in operation.get("responses", {}).items() if not _is_error_status(k)}
            responses.update(error_responses(path, operation))
            operation["responses"] = dict(sorted(responses.items()))
    return out


def _is_error_status(status: str) -> bool:
    return status[:1] in ("4", "5")


def write_synced(path: Path | None = None) -> bool:
    """Rewrite ``contracts/openapi.yaml`` with regenerated error responses; True when it changed."""
    target = path or contracts_dir() / "openapi.yaml"
    current = yaml.safe_load(target.read_text(encoding="utf-8"))
    new = synced(current)
    if new == current:
        return False
    target.write_text(dump_yaml(new), encoding="utf-8")
    openapi_document.cache_clear()
    _bundled.cache_clear()
    return True


# -- the statuses valid data may get, for schemathesis.toml ------------------------------------
SCHEMATHESIS_FILE = "schemathesis.toml"
GENERATED_BEGIN = "# -- BEGIN generated by `osigu-mock contracts sync`"
GENERATED_END = "# -- END generated"


def accepted_statuses(path: str, operation: dict[str, Any]) -> list[str]:
    """What a schema-valid request may get: the operation's documented successes and the business errors it
    documents as its own (``x-osigu-errors``), never the errors of malformed input, auth or rate limits.
    On the admin plane, an unknown ``X-Osigu-Mock-Tenant`` is a valid header naming no tenant: 404."""
    successes = [status for status in operation.get("responses", {}) if status.startswith("2")]
    own = list(operation.get("x-osigu-errors", []))
    if path.startswith("/__admin"):
        own.append("MOCK-404-tenant-not-found")
    entries = catalogue_codes()
    return successes + sorted({str(entries[code].status) for code in own})


def schemathesis_sections(document: dict[str, Any]) -> str:
    """The generated block of ``schemathesis.toml``: one section per operation with its accepted statuses."""
    lines = [
        GENERATED_BEGIN + " from contracts/openapi.yaml: the statuses each operation documents for",
        "# valid data (its successes and its own business errors, x-osigu-errors). Do not edit by hand.",
    ]
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            statuses = ", ".join(f'"{status}"' for status in accepted_statuses(path, operation))
            lines += [
                "",
                "[[operations]]",
                f'include-operation-id = "{operation["operationId"]}"',
                "[operations.checks.positive_data_acceptance]",
                f"expected-statuses = [{statuses}]",
            ]
    return "\n".join([*lines, GENERATED_END]) + "\n"


def schemathesis_file() -> Path:
    return contracts_dir().parent / SCHEMATHESIS_FILE


def synced_schemathesis(text: str, document: dict[str, Any]) -> str:
    """``text`` (schemathesis.toml) with its generated block made anew (appended when it has none)."""
    begin, end = text.find(GENERATED_BEGIN), text.find(GENERATED_END)
    block = schemathesis_sections(document)
    if begin == -1 or end == -1:
        return text.rstrip("\n") + "\n\n" + block
    tail = text[end:].split("\n", 1)[1] if "\n" in text[end:] else ""
    return text[:begin] + block + tail


def write_synced_schemathesis() -> bool:
    """Rewrite schemathesis.toml's generated block from the contract; True when it changed (a checkout only)."""
    target = schemathesis_file()
    if not target.exists():
        return False
    current = target.read_text(encoding="utf-8")
    new = synced_schemathesis(current, openapi_document())
    if new == current:
        return False
    target.write_text(new, encoding="utf-8")
    return True


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line strings as literal blocks; short lists and maps of scalars inline."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool)) and "\n" not in str(value)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    inline = all(_scalar(v) for v in value) and len(str(value)) < 100
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=inline)


def _dict(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    inline = 0 < len(value) <= 3 and all(_scalar(v) for v in value.values()) and len(str(value)) < 60
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=inline)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _dict)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
