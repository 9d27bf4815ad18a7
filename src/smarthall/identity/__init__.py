"""Identity: staff accounts (工作人员) with roles scoped to a hall, citizen accounts (群众/企业实名用户), devices
(取号机 kiosk, 显示屏 display, 窗口评价器 window pad) with keys, login, tokens and the permission table.

Roles and what they may do are in ``permissions.py``, the one place where access is decided.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire identity: the router and the short per-process actor cache."""
    from smarthall.identity import service
    from smarthall.identity.api import router

    registry.api(router, priority=50)
    registry.provide("actors", service.ActorResolver())
    registry.cache(service.ACTORS_CACHE, "identity_staff", "identity_citizen", "identity_device", "org_hall")
