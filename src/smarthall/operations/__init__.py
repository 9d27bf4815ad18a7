"""Operations (智能化运营, requirements §10): the hall's arrival process, forecasts, staffing and, later, facts,
live dispatch, dashboards and push.

Phase 1 holds the pure core only (no I/O): ``calendar`` (what a day is on the official calendar), ``arrivals`` (the
true arrival process the history generator draws from), ``simulate`` (a hall day, with common random numbers),
``erlang`` (Erlang C in log space), ``staffing`` (SIPP, Lag-SIPP, square-root and simulation-checked plans),
``forecast`` (arrivals per hall × day × hour with prediction intervals) and ``daytypes`` (the benchmark days).
Phase 2 (ops-facts): ``models``/``facts``/``repository``/``service`` fold raw records into facts per hall × day ×
hour × queue × item × window × staff, ``history`` generates past days, ``api``/``pages`` serve the facts, the
cockpit, the wall screen and service improvement.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire operations: the fact fold every minute, the facts API, the cockpit, wall screen and improvement pages."""
    from huey import crontab

    from smarthall.operations import tasks
    from smarthall.operations.api import router
    from smarthall.operations.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=90)
    registry.pages(pages, priority=30)
    registry.contribute(nav.TILES_POINT, nav.tile("evaluation.stats", "/operations/cockpit", "tile.operations_cockpit"))
    registry.contribute(
        nav.TILES_POINT, nav.tile("evaluation.stats", "/operations/improvement", "tile.operations_improvement")
    )
    registry.periodic(tasks.run_fold, crontab(minute="*"))
