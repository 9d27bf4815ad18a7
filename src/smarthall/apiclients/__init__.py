"""API clients of department systems (开放平台接入, requirements §11.1): hashed keys with scopes, a hall or region
limit, expiry, rotation with two live keys, a rate per client, every call audited, and an admin page."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire API clients: routers, the admin page and its tile, and ``X-Api-Key`` in front of the actor resolver."""
    from smarthall.apiclients.actors import ClientActors
    from smarthall.apiclients.api import router
    from smarthall.apiclients.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=95)
    registry.pages(pages, priority=60)
    registry.contribute(nav.TILES_POINT, nav.tile("apiclient.approve", "/admin/api-clients", "tile.api_clients"))
    registry.provide("actors", ClientActors(registry.provided("actors")))
