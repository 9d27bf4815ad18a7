"""Rules as settings (规则配置): every default of the requirements as a typed rule with a platform default,
overridable at province, city, county and hall level down the hall tree, the nearest override winning."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the rules: the router, the admin pages, the platform values (from the settings) and the per-hall cache
    of effective values."""
    from smarthall.rules import service
    from smarthall.rules.api import router
    from smarthall.rules.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=45)
    registry.pages(pages, priority=40)
    registry.contribute(nav.TILES_POINT, nav.tile("rules.read", "/admin/rules", "tile.rules"))
    registry.provide(service.PLATFORM, service.platform_defaults(registry.settings))
    registry.cache(service.CACHE, "rules_setting")
