"""The hall tree (基层拓展, clause 11.3): regions province → city → county → township (GB/T 2260 codes), halls at
city, county and township level, their zones (功能区), departments and windows (综合窗口/专业窗口/帮办窗口/绿色通道).

Every hall carries its region path (``690000/690100/690102/``) so that a scope is a prefix test.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the hall tree: the router, the calendar page, and the cached hall and window facts (a window's items
    follow the hall's item settings, so those tables empty the facts too)."""
    from smarthall.org import service
    from smarthall.org.api import router
    from smarthall.org.pages import router as pages

    registry.api(router, priority=30)
    registry.pages(pages, priority=40)
    registry.cache(
        service.FACTS,
        "org_hall",
        "org_window",
        "org_window_item",
        "org_calendar_override",
        "org_department",
        "catalog_hall_item_override",
        "catalog_item",
    )
