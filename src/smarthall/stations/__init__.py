"""Township stations and handovers between halls (基层拓展 and 跨域通办, requirements §11.2–11.3): a township hall runs
as a light hall whose cases are received at the station and decided at the county ("收件在村、审批在县"); a hall
receives applications that another region's hall handles (异地代收), the result delivered where the citizen chose."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire stations: the JSON router and the station page."""
    from smarthall.stations.api import router
    from smarthall.stations.pages import router as pages

    registry.api(router, priority=96)
    registry.pages(pages, priority=96)
