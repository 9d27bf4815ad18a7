"""智能取叫号: tickets, routing, calling, boards, voice, wait estimates."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the queue: its routers (the live hall's hot paths first) and its cached queue prefixes."""
    from smarthall.queueing import facts
    from smarthall.queueing.api import router
    from smarthall.queueing.pages import router as pages

    registry.api(router, priority=10)
    registry.pages(pages, priority=80)
    registry.cache(facts.QUEUES_CACHE, "org_department")
