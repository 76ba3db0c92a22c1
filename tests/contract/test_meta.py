"""The contracts hold together: refs resolve, routes and contract agree, bundled and file forms
agree, error responses are generated from the catalogue, every schema and fixture is well-formed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from starlette.routing import Mount, Route

from mock_server.api.auth import required_scope
from mock_server.app import create_app
from mock_server.core import contracts
from mock_server.core.errors import catalogue
from mock_server.core.resources import contracts_dir, fixtures_dir
from mock_server.settings import Settings

METHODS = ("get", "put", "post", "delete", "patch")


def walk_refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value)
            else:
                walk_refs(value, found)
    elif isinstance(node, list):
        for item in node:
            walk_refs(item, found)
    return found


def pointer(document, ref):
    target = document
    for part in ref.lstrip("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def test_every_ref_in_the_bundled_document_resolves():
    document = contracts.bundled_openapi()
    refs = walk_refs(document, [])
    assert len(refs) > 20
    for ref in refs:
        assert ref.startswith("#/"), ref
        pointer(document, ref)  # raises KeyError when dangling


def test_schemathesis_loads_the_bundled_document_without_unresolvable_refs():
    import schemathesis

    schema = schemathesis.openapi.from_dict(contracts.bundled_openapi(), config=schemathesis.Config())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(
        1 for item in contracts.bundled_openapi()["paths"].values() for m in METHODS if m in item
    )


def served_operations(app) -> set[tuple[str, str]]:
    served = set()
    for route in app.routes:
        if isinstance(route, Route):
            served |= {(m, route.path) for m in route.methods if m != "HEAD"}
        elif isinstance(route, Mount):
            served.add(("GET", route.path + "/{asset}"))
    return served


def contract_operations(document) -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, item in document["paths"].items() for m in METHODS if m in item}


def test_routes_and_contract_paths_are_the_same_set():
    app = create_app(Settings())
    assert served_operations(app) == contract_operations(contracts.openapi_document())


def test_without_admin_the_served_document_matches_the_served_routes():
    app = create_app(Settings(admin_enabled=False))
    assert served_operations(app) == contract_operations(contracts.bundled_openapi(include_admin=False))


def load_any(path: Path):
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def deref(node, base: Path, root, depth=0):
    """Inline every $ref: file refs from disk relative to ``base``, local refs within ``root``."""
    assert depth < 50, "ref cycle"
    if isinstance(node, dict):
        if "$ref" in node:
            target_file, _, fragment = node["$ref"].partition("#")
            if target_file:
                path = (base / target_file).resolve()
                new_root = load_any(path)
                new_base = path.parent
            else:
                new_root, new_base = root, base
            target = pointer(new_root, "#" + fragment) if fragment else new_root
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**target, **siblings} if siblings else target
            return deref(merged, new_base, new_root, depth + 1)
        return {k: deref(v, base, root, depth) for k, v in node.items() if k not in ("$id", "$schema")}
    if isinstance(node, list):
        return [deref(item, base, root, depth) for item in node]
    return node


def test_bundled_and_file_forms_agree():
    file_form = contracts.openapi_document()
    bundled = contracts.bundled_openapi()
    left = deref(file_form["paths"], contracts_dir(), file_form)
    right = deref(bundled["paths"], contracts_dir(), bundled)
    assert left == right


def test_error_responses_are_generated_from_the_catalogue():
    assert contracts.synced(contracts.openapi_document()) == contracts.openapi_document(), (
        "run `osigu-mock contracts sync`"
    )


def _answered_codes() -> set[str]:
    """Codes some operation answers, or some asynchronous monitor reports (``x-osigu-monitor-errors``)."""
    document = contracts.openapi_document()
    return {
        code
        for path, item in document["paths"].items()
        for m in METHODS
        if m in item
        for code in [*contracts.operation_error_codes(path, item[m]), *item[m].get("x-osigu-monitor-errors", [])]
    }


def test_every_catalogue_code_is_reachable_from_some_operation():
    used = _answered_codes()
    # Route-level codes the exception handlers answer for any path.
    used |= {"MOCK-404-route-not-found", "MOCK-405-method-not-allowed", "MOCK-500-internal"}
    assert set(catalogue()) - used - set(_awaiting_operations()) == set()


def _awaiting_operations() -> dict[str, str]:
    raw = yaml.safe_load((contracts_dir() / "errors.yaml").read_text(encoding="utf-8"))
    return {item["code"]: item["awaits"] for item in raw["errors"] if "awaits" in item}


def test_a_code_awaiting_its_operations_is_raised_by_the_domain_and_answered_by_no_operation():
    used = _answered_codes()
    package = Path(__file__).resolve().parents[2] / "mock_server"
    source = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    for code in _awaiting_operations():
        assert code not in used, f"{code} is answered by an operation now: drop its `awaits`"
        assert f'"{code}"' in source, f"{code} awaits operations but nothing raises it"


def test_schema_files_are_valid_2020_12_with_id_title_and_confidence():
    titles = set()
    for name, schema in contracts.schema_files().items():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        assert schema["$id"] == name
        assert schema["title"] not in titles
        titles.add(schema["title"])
        assert schema.get("x-osigu-confidence") in {"schema-page", "operation-page", "guide", "inferred", "mock"}, name
        for ref in walk_refs(schema, []):
            target = ref.partition("#")[0]
            assert not target or target in contracts.schema_files(), f"{name}: {ref}"


def test_operations_have_unique_ids_tags_and_a_confidence():
    ids = []
    for path, item in contracts.openapi_document()["paths"].items():
        for m in METHODS:
            if m in item:
                op = item[m]
                ids.append(op["operationId"])
                assert op.get("x-osigu-confidence") in {"schema-page", "operation-page", "guide", "inferred", "mock"}
                assert op.get("tags"), path
                if path.startswith("/__admin"):
                    assert op["tags"] == ["admin"] and op["x-osigu-confidence"] == "mock"
    assert len(ids) == len(set(ids))


def test_bearer_operations_declare_the_scope_the_mock_enforces():
    for path, item in contracts.openapi_document()["paths"].items():
        for m in METHODS:
            if m not in item:
                continue
            security = item[m].get("security", [])
            expected = required_scope(m.upper(), path)
            declared = [r["bearerAuth"] for r in security if "bearerAuth" in r]
            if expected is None:
                assert not declared, f"{m} {path} declares a scope the mock does not enforce"
            elif expected != "*":
                assert declared == [[expected]], f"{m} {path}: declared {declared}, enforced {expected}"


FIXTURE_SCHEMA = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)")


def fixture_files():
    return sorted(p for p in fixtures_dir().rglob("*") if p.suffix in (".yaml", ".json"))


def declared_schema(path: Path) -> tuple[str, object]:
    """The schema a fixture names (a yaml-language-server comment, or a JSON "$schema" key) and its data."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
        assert "$schema" in data, f'{path.name} must name its schema in a "$schema" key'
        return Path(data["$schema"]).name, data
    match = FIXTURE_SCHEMA.match(text.splitlines()[0])
    assert match, f"{path.name} must start with '# yaml-language-server: $schema=...'"
    return Path(match.group(1)).name, yaml.safe_load(text)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(fixtures_dir())))
def test_every_fixture_validates_against_its_schema(path):
    schema_name, data = declared_schema(path)
    errors = contracts.field_errors(schema_name, data)
    assert not errors, errors
