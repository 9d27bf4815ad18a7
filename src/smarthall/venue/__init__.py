"""Venue (智能化场所, GB/T 44888-2024 §7): the device registry, pairing by one-time code, heartbeats, faults and
consumables, smart lockers, and the self-service zone of Annex B at the kiosk.

Modules: ``service`` (registry, pairing, heartbeats, faults), ``lockers`` (smart lockers), ``repository`` (every
query, scoped), ``api`` and ``pages``, ``tasks`` (the silent-device sweep).
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the venue: routers, the device registry tile, the silent-device sweep every minute."""
    from huey import crontab

    from smarthall.venue import tasks
    from smarthall.venue.api import router
    from smarthall.venue.kiosk_pages import router as self_service
    from smarthall.venue.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=120)
    registry.pages(pages, priority=20)
    registry.pages(self_service, priority=21)
    registry.contribute(nav.TILES_POINT, nav.tile("device.manage", "/venue/devices", "venue.tile.devices"))
    registry.contribute(nav.TILES_POINT, nav.tile("citizen.self", "/me/kiosk-code", "venue.tile.kiosk_code"))
    registry.periodic(tasks.run_silent_sweep, crontab(minute="*"))
