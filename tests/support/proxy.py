"""A mutating proxy: an ASGI app that forwards every request to an upstream server and changes chosen answers on
the way back, so the contract kit can be shown a server that drifts from the contract in known ways."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import orjson
from starlette.requests import Request
from starlette.responses import Response

HOP_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection"}


@dataclass
class Mutation:
    """Change the JSON body (``body``), and the status (``status``), of answers to ``method path``."""

    name: str
    method: str
    path: str  # a regular expression matched against the whole path
    body: Callable[[Any], Any] | None = None
    status: int | None = None
    applied: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path, path) is not None


class MutatingProxy:
    def __init__(self, upstream: str, mutations: list[Mutation], *, hide_identity: bool = False) -> None:
        self.upstream = upstream
        self.mutations = mutations
        self.hide_identity = hide_identity  # answer /healthz as a server that is not the mock
        self.seen: Counter[str] = Counter()  # requests per path

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        self.seen[request.url.path] += 1
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with httpx2.AsyncClient(base_url=self.upstream, timeout=30) as client:
            answer = await client.request(
                request.method, request.url.path, params=request.query_params, content=body, headers=headers
            )
        status, content = answer.status_code, answer.content
        path = request.url.path
        if self.hide_identity and path == "/healthz":
            content = orjson.dumps({"status": "ok"})
        for mutation in self.mutations:
            if mutation.matches(request.method, path) and 200 <= answer.status_code < 300:
                if mutation.body is not None:
                    content = orjson.dumps(mutation.body(orjson.loads(content)))
                if mutation.status is not None:
                    status = mutation.status
                mutation.applied += 1
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
        await Response(content, status_code=status, headers=kept)(scope, receive, send)


def rename(old: str, new: str) -> Callable[[dict], dict]:
    return lambda body: {(new if key == old else key): value for key, value in body.items()}


def drop(name: str) -> Callable[[dict], dict]:
    return lambda body: {key: value for key, value in body.items() if key != name}


def replace(name: str, value: Any) -> Callable[[dict], dict]:
    return lambda body: {**body, name: value}
