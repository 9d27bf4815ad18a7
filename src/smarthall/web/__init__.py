"""Server-rendered pages (Jinja2 + htmx 2, vendored): the base layout, login, role homes, the audit view."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the shell: health, login and homes, and the tiles of the pages no other domain owns."""
    from smarthall.health import router as health
    from smarthall.web import nav
    from smarthall.web.pages import router as pages
    from smarthall.web.portal import router as portal

    registry.pages(health, priority=10)
    registry.pages(pages, priority=20)
    registry.pages(portal, priority=21)
    registry.contribute(nav.TILES_POINT, nav.tile("audit.read", "/audit", "tile.audit"))
