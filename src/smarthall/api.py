"""Assembles /api/v1 (JSON) and the HTML pages from the routers the domains registered.

FastAPI matches routes one by one, walking each included router twice (once to find it, once inside it), so the
app includes every router directly (no nesting), in the registry's priority order: the live hall's hot paths —
boards, tickets, calling, bookings — first.
"""

from __future__ import annotations

from fastapi import FastAPI

from smarthall.core.registry import Registry


def include_routers(app: FastAPI, registry: Registry) -> None:
    for router in registry.api_routers():
        app.include_router(router, prefix="/api/v1")
    for router in registry.page_routers():
        app.include_router(router)
