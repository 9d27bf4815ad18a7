"""Assisted and proxy handling (帮办代办): help requests and proxy authorizations."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire assisted and proxy handling: its routers."""
    from smarthall.assist.api import router
    from smarthall.assist.pages import router as pages

    registry.api(router, priority=110)
    registry.pages(pages, priority=60)
