"""智能取叫号: tickets, routing, calling, boards, voice, wait estimates."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the queue: its routers (the live hall's hot paths first), the served-ticket resolver (evaluation), the
    role home tiles, and its cached board names (the live replays keep their own state in ``Database.cache``)."""
    from smarthall.core.subjects import register_subject_resolver
    from smarthall.queueing import service
    from smarthall.queueing.api import router
    from smarthall.queueing.guide_pages import router as guide_pages
    from smarthall.queueing.pages import TILES
    from smarthall.queueing.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=10)
    registry.pages(pages, priority=80)
    registry.pages(guide_pages, priority=81)
    registry.cache(service.NAMES_CACHE, "identity_citizen")
    register_subject_resolver("ticket", service.served_subject)
    for tile in TILES:
        nav.register(tile)
