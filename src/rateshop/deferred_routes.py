"""Routers put on an app as their routes, and routers imported on the first request they may answer.

Both rooms (the API and the pages) build their part of one app with these.

* :func:`add_routes` puts a router's routes on the app as they were built. FastAPI's
  ``include_router`` keeps an included router apart and builds each of its routes a second time
  (models, dependencies, handler) when a request first passes through it; rateshop's routers are
  included with nothing added (no prefix, dependency or response of the app's own), so the routes
  built at import are already the app's. (``app.dependency_overrides`` does not reach them:
  rateshop overrides no dependency.)
* :class:`DeferredRoutes` stands in the app's routes for a router used rarely (the agencies, the
  console, the admins' pages): its module, its models and the services only it uses are imported
  when a request first comes under the paths it covers, not by every process before its first
  answer. That request then goes through the app's routes again, the router's routes in the place
  the stand-in held, so it is answered exactly as if they had been there from the start.
  :func:`load_deferred` puts every such router in place, for what needs all the routes at once
  (the OpenAPI document).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Put ``router``'s routes on ``app``, after its others, as they were built."""
    app.router.routes.extend(router.routes)


def covering(prefix: str) -> re.Pattern[str]:
    """The paths at or under ``prefix``, a path whose ``{name}`` parts stand for one segment."""
    pieces = re.split(r"\{[^}]*\}", prefix)
    return re.compile("^" + "[^/]+".join(re.escape(piece) for piece in pieces) + "(/|$)")


class DeferredRoutes(BaseRoute):
    """A router's place among ``app``'s routes until a request under ``prefix`` needs it.

    ``load`` imports the router. Every route of it must lie under ``prefix`` (a test holds each
    stand-in to its router): a request elsewhere never loads it, and is answered by the other
    routes just as it would be with the router in place.
    """

    def __init__(self, app: FastAPI, prefix: str, load: Callable[[], APIRouter]) -> None:
        self.app = app
        self.prefix = prefix
        self.pattern = covering(prefix)
        self._load = load
        self._routes: list[BaseRoute] | None = None

    def covers(self, scope: Scope) -> bool:
        """Whether a route of the router could answer ``scope`` (its path is under the prefix)."""
        if scope["type"] not in ("http", "websocket"):
            return False
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return self.pattern.match(path) is not None

    @property
    def routes(self) -> list[BaseRoute]:
        """The router's routes, imported the first time they are asked for."""
        if self._routes is None:
            self._routes = list(self._load().routes)
        return self._routes

    def put_in_place(self) -> None:
        """Replace this stand-in among the app's routes by the router's routes."""
        routes = self.app.router.routes
        # In place, as a new list: a request still walking the old one ends on this stand-in.
        for n, route in enumerate(routes):
            if route is self:
                self.app.router.routes = [*routes[:n], *self.routes, *routes[n + 1 :]]
                return

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Claimed whole: handle() walks the app's routes again once the router is in place, so
        # the route that answers (or the 404, 405 or redirect) is the one it would have been.
        return (Match.FULL, {}) if self.covers(scope) else (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.put_in_place()
        await self.app.router.app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)


def defer_routes(app: FastAPI, prefix: str, load: Callable[[], APIRouter]) -> DeferredRoutes:
    """Hold the place of a router of ``app``'s, imported by ``load`` on the first request under
    ``prefix``; the stand-in is returned (the pages' CSRF guard looks into it)."""
    stand_in = DeferredRoutes(app, prefix, load)
    app.router.routes.append(stand_in)
    return stand_in


def load_deferred(app: FastAPI) -> None:
    """Put every router of ``app`` still held by a stand-in in its place."""
    for route in list(app.router.routes):
        if isinstance(route, DeferredRoutes):
            route.put_in_place()
