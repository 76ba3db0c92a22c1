"""Read-only views of the bundled OpenAPI document (``contracts/openapi.yaml``, bundled) that the
meter's checks need."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["HTTP_METHODS", "Contract", "confidence_of", "shape"]

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def shape(path: str) -> str:
    """A path with its parameter names erased: ``/a/{id}`` and ``/a/{slug}`` have one shape."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def confidence_of(node: dict[str, Any], default: str) -> str:
    """The node's ``x-osigu-confidence`` tag, or ``default``."""
    return node.get("x-osigu-confidence", default)


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
