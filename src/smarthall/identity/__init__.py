"""Identity: staff accounts (工作人员) with roles scoped to a hall, citizen accounts (群众/企业实名用户), devices
(取号机 kiosk, 显示屏 display, 窗口评价器 window pad) with keys, login, tokens and the permission table.

Roles and what they may do are in ``permissions.py``, the one place where access is decided.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire identity: the router, the staff and device pages with their tiles, and the short per-process actor
    cache."""
    from smarthall.identity import actors
    from smarthall.identity.api import router
    from smarthall.identity.pages import router as pages
    from smarthall.identity.staff_api import router as staff_router
    from smarthall.web import nav

    registry.api(router, priority=50)
    registry.api(staff_router, priority=49)
    registry.pages(pages, priority=40)
    registry.contribute(nav.TILES_POINT, nav.tile("staff.read", "/admin/staff", "tile.staff"))
    registry.contribute(nav.TILES_POINT, nav.tile("device.read", "/admin/devices", "tile.devices"))
    registry.provide("actors", actors.ActorResolver())
    registry.cache(actors.ACTORS_CACHE, "identity_staff", "identity_citizen", "identity_device", "org_hall")
