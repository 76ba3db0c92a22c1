"""A router that finds a route by the path's depth instead of trying every route in turn.

Starlette's ``Router`` tries each route's regex in order; with a few dozen routes that is most of
the routing cost of every request. Routes here have no ``{x:path}`` parameters, so a request path
can only match templates with the same number of segments: the index maps that number to the
routes (mounts are tried for every depth). Within a depth, order and semantics are Starlette's:
the first full match wins, a partial match (right path, wrong method) answers 405. Unlike
Starlette's default, a path with or without a trailing slash is never redirected (OSIGU's API does
not redirect): it is simply unknown.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import Receive, Scope, Send

__all__ = ["IndexedRouter"]


class IndexedRouter(Router):
    def __init__(self, routes: list[BaseRoute], **kwargs) -> None:
        super().__init__(routes=routes, redirect_slashes=False, **kwargs)
        mounts = [r for r in self.routes if isinstance(r, Mount)]
        self._by_depth: dict[int, list[BaseRoute]] = {}
        for route in self.routes:
            if isinstance(route, Route):
                if ":path}" in route.path:
                    raise ValueError(f"{route.path}: path convertors are not indexed")
                self._by_depth.setdefault(route.path.count("/"), []).append(route)
            elif not isinstance(route, Mount):
                raise TypeError(f"unsupported route type {type(route).__name__}")
        for candidates in self._by_depth.values():
            candidates.extend(mounts)
        self._mounts = mounts

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)
        partial = partial_scope = None
        for route in self._by_depth.get(scope["path"].count("/"), self._mounts):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await self.default(scope, receive, send)
