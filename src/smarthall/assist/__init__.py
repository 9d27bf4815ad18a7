"""Assisted and proxy handling (帮办代办): help requests and proxy authorizations.

Modules: ``service`` (the use cases), ``proxies`` (proxy authorizations and the agent checks other domains call
through ``service``), ``repository`` (every query, scoped), ``matching`` (choosing a helper), ``states`` (the state
tables), ``api`` and ``pages``.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire assisted and proxy handling: its routers, the home tiles, the ``help_request`` served-subject resolver
    (finished help requests can be rated like a window)."""
    from smarthall.assist import service
    from smarthall.assist.api import router
    from smarthall.assist.pages import router as pages
    from smarthall.core.subjects import register_subject_resolver
    from smarthall.web import nav

    registry.api(router, priority=110)
    registry.pages(pages, priority=60)
    registry.contribute(nav.TILES_POINT, nav.tile("proxy.manage", "/assist/proxy", "assist.tile.proxy"))
    registry.contribute(nav.TILES_POINT, nav.tile("assist.handle", "/assist/work", "assist.tile.work"))
    register_subject_resolver("help_request", service.help_subject)
