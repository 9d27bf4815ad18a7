"""Server-rendered pages (Jinja2 + htmx 2, vendored): the base layout, login, role homes, the catalog browser."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the shell: health, login, homes and the catalog browser pages."""
    from smarthall.health import router as health
    from smarthall.web.pages import router as pages

    registry.pages(health, priority=10)
    registry.pages(pages, priority=20)
