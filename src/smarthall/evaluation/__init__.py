"""Evaluation of services with a closed loop (好差评): ratings, rectification work orders, statistics."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire evaluation: routers, finished services noted in their own transaction, invitations, overdue warnings."""
    from huey import crontab

    from smarthall.evaluation import tasks
    from smarthall.evaluation.api import router
    from smarthall.evaluation.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=90)
    registry.pages(pages, priority=30)
    registry.contribute(
        nav.TILES_POINT,
        nav.tile("evaluation.rectify", "/evaluation/rectifications", "tile.evaluation_rectifications"),
    )
    registry.contribute(nav.TILES_POINT, nav.tile("evaluation.stats", "/evaluation/stats", "tile.evaluation_stats"))
    registry.on_write("ticket.finished", tasks.on_ticket_finished)
    registry.on_write("case.finished", tasks.on_case_finished)
    registry.on_write("help_request.finished", tasks.on_help_finished)
    registry.on_write("bundle.finished", tasks.on_bundle_finished)
    registry.periodic(tasks.run_invitations, crontab(minute="5"))
    registry.periodic(tasks.run_close_rating_windows, crontab(minute="35"))
    registry.periodic(tasks.run_overdue_warnings, crontab(hour="8", minute="0"))
