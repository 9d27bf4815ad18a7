"""Electronic archiving of finished cases (智能归档): BagIt packages, four-property checks, retention, disposal."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the archive: routers, the package build on ``case.closed`` (the errand's last act: delivery, pickup or
    a final refusal — so the package holds the whole thread), resumption and the nightly check."""
    from typing import Any

    from huey import crontab

    from smarthall.archive import tasks
    from smarthall.archive.api import router
    from smarthall.archive.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=80)
    registry.pages(pages, priority=40)
    registry.contribute(nav.TILES_POINT, nav.tile("archive.read", "/archive", "tile.archive"))
    build = registry.task(tasks.build_package_task, retries=2, retry_delay=60)

    def on_case_closed(payload: dict[str, Any]) -> None:
        # Listeners run after the case's commit; the task opens its own units of work.
        build(str(payload["case_no"]))

    def on_rating_window_closed(payload: dict[str, Any]) -> None:
        # The rating window's closing is the last act of a case (or bundle) nothing else closed: package it now
        # (a package already built stays as it is).
        if payload["kind"] in ("case", "bundle"):
            build(str(payload["ref"]))

    registry.on("case.closed", on_case_closed)
    registry.on("rating_window.closed", on_rating_window_closed)
    registry.periodic(tasks.resume_pending_task, crontab(minute="*/15"))
    registry.periodic(tasks.scheduled_check_task, crontab(hour="2", minute="30"))
