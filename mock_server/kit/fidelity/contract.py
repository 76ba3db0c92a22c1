"""Read-only views of the bundled OpenAPI document (``contracts/openapi.yaml``, bundled) that the
meter's checks need."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["HTTP_METHODS", "Contract", "confidence_of", "shape"]

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_FORMATS = {
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "uuid": re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"),
}


def shape(path: str) -> str:
    """A path with its parameter names erased: ``/a/{id}`` and ``/a/{slug}`` have one shape."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def confidence_of(node: dict[str, Any], default: str) -> str:
    """The node's ``x-osigu-confidence`` tag, or ``default``."""
    return node.get("x-osigu-confidence", default)


def json_type(value: Any) -> str:
    """The JSON Schema type of a documented value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "string")


def types_of(node: dict[str, Any]) -> list[str]:
    types = node.get("type") or []
    return [types] if isinstance(types, str) else list(types)


class Contract:
    """Read-only views of the bundled document that the checks need."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.operations: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for path, item in document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    op = item[method]
                    self.operations[op.get("operationId", f"{method} {path}")] = (method.upper(), path, op)

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            ref = node["$ref"]
            target: Any = self.document
            for part in ref.lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra} if extra else target
            seen += 1
        return node

    def properties(self, node: Any) -> dict[str, Any]:
        node = self.resolve(node)
        props: dict[str, Any] = {}
        if not isinstance(node, dict):
            return props
        layers = [self.properties(sub) for sub in node.get("allOf", [])] + [node.get("properties", {})]
        for layer in layers:
            for name, prop in layer.items():
                # allOf narrows a property (a page's content items): merge, do not replace
                if name in props and isinstance(props[name], dict) and isinstance(prop, dict):
                    props[name] = {**self.resolve(props[name]), **prop}
                else:
                    props[name] = prop
        return props

    def response_schemas(self, op: dict[str, Any]) -> list[Any]:
        return [
            media.get("schema", {})
            for status, response in op.get("responses", {}).items()
            if status.startswith("2")
            for media in response.get("content", {}).values()
        ]

    def request_schemas(self, op: dict[str, Any]) -> list[Any]:
        return [media.get("schema", {}) for media in op.get("requestBody", {}).get("content", {}).values()]

    def inner(self, prop: Any) -> Any:
        """The node that holds a field's nested fields: the field's own, or its items' for an array."""
        node = self.resolve(prop)
        if isinstance(node, dict) and "array" in types_of(node):
            return self.resolve(node.get("items", {}))
        return node

    def lookup(self, nodes: list[Any], path: str) -> Any:
        """The property at a dotted path below the merged properties of ``nodes`` (arrays are walked
        through their items); None when any step is missing."""
        prop: Any = None
        for step, name in enumerate(path.split(".")):
            merged: dict[str, Any] = {}
            for node in nodes if step == 0 else [self.inner(prop)]:
                merged.update(self.properties(node))
            if name not in merged:
                return None
            prop = merged[name]
        return prop

    def find(self, node: Any, name: str, depth: int = 4) -> Any:
        """The first property called ``name`` at any depth below ``node`` (None when there is none)."""
        props = self.properties(self.inner(node))
        if name in props:
            return props[name]
        for prop in props.values() if depth else []:
            found = self.find(prop, name, depth - 1)
            if found is not None:
                return found
        return None

    def accepts(self, prop: Any, value: Any) -> bool:
        """Whether a documented value is a valid value of the field: its type, enum or const, pattern and
        format (date-time, date, uuid); a scalar given for an array field is checked against the items."""
        node = self.resolve(prop)
        if not isinstance(node, dict):
            return False
        if "array" in types_of(node) and not isinstance(value, list):
            return self.accepts(node.get("items", {}), value)
        for key in ("anyOf", "oneOf"):
            if key in node:
                return any(self.accepts(sub, value) for sub in node[key])
        if "enum" in node or "const" in node:
            return value in node.get("enum", [node.get("const")])
        types, kind = types_of(node), json_type(value)
        if types and kind not in types and not (kind == "integer" and "number" in types):
            return False
        if isinstance(value, str):
            if "pattern" in node and not re.search(node["pattern"], value):
                return False
            fmt = _FORMATS.get(node.get("format", ""))
            return fmt is None or bool(fmt.match(value))
        return True

    def parameter(self, op: dict[str, Any], name: str, where: str = "query") -> dict[str, Any] | None:
        """The operation's parameter ``name`` in ``where`` (references resolved), or None."""
        for param in op.get("parameters", []):
            param = self.resolve(param)
            if param.get("name") == name and param.get("in") == where:
                return param
        return None

    @staticmethod
    def scopes(op: dict[str, Any]) -> set[str]:
        """Every OAuth scope the operation's security requirements name."""
        return {scope for requirement in op.get("security", []) for scopes in requirement.values() for scope in scopes}

    def request_properties(self, op: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for media in op.get("requestBody", {}).get("content", {}).values():
            props.update(self.properties(media.get("schema", {})))
        return props

    def response_properties(self, op: dict[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for status, response in op.get("responses", {}).items():
            if status.startswith("2"):
                for media in response.get("content", {}).values():
                    props.update(self.properties(media.get("schema", {})))
        return props

    def operation_at(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for op_id, (op_method, op_path, op) in self.operations.items():
            if op_method == method.upper() and shape(op_path) == shape(path):
                return op_id, op
        return None

    def paths_of(self, method: str, path: str) -> bool:
        shapes = {shape(p): item for p, item in self.document.get("paths", {}).items()}
        return method.lower() in shapes.get(shape(path), {})

    def users(self, title: str) -> list[str]:
        """Operations whose request or 2xx response uses the schema titled ``title`` directly."""
        ref = f"#/components/schemas/{title}"
        users = []
        for op_id, (_, _, op) in self.operations.items():
            media = [m for m in op.get("requestBody", {}).get("content", {}).values()]
            for status, response in op.get("responses", {}).items():
                if status.startswith("2"):
                    media += list(response.get("content", {}).values())
            if any(m.get("schema", {}).get("$ref") == ref for m in media):
                users.append(op_id)
        return users
