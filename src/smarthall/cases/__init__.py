"""Cases (办件): smart declaration, pre-check and acceptance, approval and instant approval, time limits."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire cases: routers and the time-limit warning job (every 30 minutes)."""
    from huey import crontab

    from smarthall.cases import tasks
    from smarthall.cases.api import router
    from smarthall.cases.pages import router as pages

    registry.api(router, priority=120)
    registry.pages(pages, priority=70)
    registry.periodic(tasks.run_warnings, crontab(minute="*/30"))
