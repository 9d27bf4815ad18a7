"""Assembles /api/v1 (JSON) and the HTML pages from the routers the domains registered.

FastAPI matches routes one by one, walking each included router twice (once to find it, once inside it), so the
app includes every router directly (no nesting), in the registry's priority order: the live hall's hot paths —
boards, tickets, calling, bookings — first.

The hot paths themselves (``core.routing.hot_path``) are not reached through their domain's included router at
all: each is made again, with its prefix, as a plain route at the front of the app's own routes, so a request
for one is matched by one regular expression instead of FastAPI's included-router walk (≈ 130–260 Python calls
per request, issue 19). The domain's router is included without them; the OpenAPI document and every walk of
``app.routes`` see each route once. Routes marked ``core.routing.matched_first`` (a consultation question) are
placed there too, without running as hot paths.
"""

from __future__ import annotations

import copy
from typing import TypeGuard

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import BaseRoute

from smarthall.core.registry import Registry
from smarthall.core.routing import UnitOfWorkRoute

API_PREFIX = "/api/v1"


def include_routers(app: FastAPI, registry: Registry) -> None:
    hot: list[APIRoute] = []
    for router in registry.api_routers():
        hot += [_at_top(app, route, API_PREFIX) for route in router.routes if _is_hot(route)]
        app.include_router(_without_hot(router), prefix=API_PREFIX)
    for router in registry.page_routers():
        app.include_router(router)
    app.router.routes[0:0] = hot


def _is_hot(route: BaseRoute) -> TypeGuard[UnitOfWorkRoute]:
    return isinstance(route, UnitOfWorkRoute) and route.first


def _at_top(app: FastAPI, route: UnitOfWorkRoute, prefix: str) -> APIRoute:
    """``route`` made again as the app's own: the same endpoint and options (the router's tags, dependencies and
    responses are already merged into them), the prefix in its path, the app's dependency overrides."""
    path, endpoint, options = route.made_with
    options = {**options, "dependency_overrides_provider": app.router.dependency_overrides_provider}
    return type(route)(prefix + path, endpoint, **options)


def _without_hot(router: APIRouter) -> APIRouter:
    """The router as it is, or a shallow copy of it without its hot routes (the domain's own router is shared by
    every app of the process and stays whole)."""
    if not any(_is_hot(r) for r in router.routes):
        return router
    rest = copy.copy(router)
    rest.routes = [r for r in router.routes if not _is_hot(r)]
    return rest
