"""Check any response (from the mock or from the real sandbox) against the contract.

:class:`ResponseChecker` finds the operation by method and path template in the bundled OpenAPI
document, then checks that the status is documented and that a JSON body validates against the
documented schema. The project's tests run every response they get through it; the contract suite
does the same against any target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server.core.contracts import bundled_openapi

__all__ = ["Operation", "ResponseChecker"]

DOC_URI = "urn:osigu-mock:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    definition: dict[str, Any]

    @property
    def operation_id(self) -> str:
        return self.definition.get("operationId", "")


class ResponseChecker:
    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.document = document if document is not None else bundled_openapi()
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(DOC_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self._operations: list[tuple[re.Pattern[str], bool, Operation]] = []
        for template, item in self.document.get("paths", {}).items():
            regex = re.compile(
                "^" + re.sub(r"\{[^/}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            )
            for method in METHODS:
                if method in item:
                    self._operations.append((regex, "{" in template, Operation(method.upper(), template, item[method])))
        # Literal templates win over templated ones (/clock/advance before /clock/{x}).
        self._operations.sort(key=lambda entry: entry[1])

    @cached_property
    def error_validator(self) -> Draft202012Validator:
        return self._validator("#/components/schemas/ErrorResponse")

    def _validator(self, ref: str) -> Draft202012Validator:
        validator = self._validators.get(ref)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": DOC_URI + ref}, registry=self._registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            self._validators[ref] = validator
        return validator

    def operation(self, method: str, path: str) -> Operation | None:
        method = method.upper()
        for regex, _, op in self._operations:
            if op.method == method and regex.match(path):
                return op
        return None

    def path_is_known(self, path: str) -> bool:
        return any(regex.match(path) for regex, _, _ in self._operations)

    def check(self, method: str, path: str, status: int, content_type: str, body: bytes) -> list[str]:
        """Problems with one response; empty when it matches the contract."""
        op = self.operation("GET" if method.upper() == "HEAD" else method, path)
        is_json = content_type.split(";")[0].strip().lower() == "application/json"
        if op is None:
            # Unknown route or method: the mock answers OSIGU's error body with 404 or 405.
            if status not in (404, 405):
                return [f"{method} {path}: no operation in the contract, yet answered {status}"]
            return self._check_body(self.error_validator, body, is_json, f"{method} {path} {status}")
        responses = op.definition.get("responses", {})
        key = (
            str(status)
            if str(status) in responses
            else f"{str(status)[0]}XX"
            if f"{str(status)[0]}XX" in responses
            else "default"
        )
        response = responses.get(key)
        if response is None:
            return [f"{op.method} {op.template}: status {status} is not documented (documented: {sorted(responses)})"]
        content = response.get("content")
        if not content:
            return [] if not body else [f"{op.method} {op.template} {status}: a body where none is documented"]
        media = content_type.split(";")[0].strip().lower()
        if media not in content and "*/*" not in content:
            return [f"{op.method} {op.template} {status}: Content-Type {media!r} is not documented ({sorted(content)})"]
        if method.upper() == "HEAD" or media != "application/json":
            return []
        pointer = "#/" + _pointer("paths", op.template, op.method.lower(), "responses", key, "content", media, "schema")
        return self._check_body(self._validator(pointer), body, is_json, f"{op.method} {op.template} {status}")

    @staticmethod
    def _check_body(validator: Draft202012Validator, body: bytes, is_json: bool, where: str) -> list[str]:
        if not is_json:
            return [f"{where}: expected application/json"]
        try:
            instance = orjson.loads(body)
        except orjson.JSONDecodeError:
            return [f"{where}: the body is not JSON"]
        return [
            f"{where}: {'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]
