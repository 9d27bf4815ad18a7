"""Staff supervision (8.1), performance (8.2) and competence (8.3) of GB/T 44888-2024 clause 8."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the staff domain: routers, home tiles, the minute supervision scan, the role-grant course check, and
    the "what changed" notices made when an item's catalog entry gets a new version."""
    from huey import crontab

    from smarthall.staff import competence, notices, tasks
    from smarthall.staff.api import router
    from smarthall.staff.course_pages import router as course_pages
    from smarthall.staff.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=80)
    registry.pages(course_pages, priority=29)  # before /staff/courses/{course_id}
    registry.pages(pages, priority=30)
    registry.contribute(nav.TILES_POINT, nav.tile("staff.performance", "/staff/performance", "tile.staff_performance"))
    registry.contribute(nav.TILES_POINT, nav.tile("staff.supervise", "/staff/supervision", "tile.staff_supervision"))
    registry.contribute(nav.TILES_POINT, nav.tile("staff.home", "/staff/me", "tile.staff_me"))
    registry.contribute(competence.ROLE_GRANT_CHECKS, competence.check_role_grant)
    registry.on_write("catalog.items_changed", notices.on_items_changed)
    registry.on_write("catalog.override_changed", notices.on_override_changed)
    registry.on_write("consult.entry_published", notices.on_entry_published)
    registry.periodic(tasks.run_scan, crontab(minute="*"))
