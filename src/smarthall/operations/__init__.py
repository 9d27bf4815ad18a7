"""Operations (智能化运营, requirements §10): the hall's arrival process, facts, forecasts, staffing, the live dispatch
console, dashboards and push.

The pure core (no I/O): ``calendar`` (what a day is on the official calendar), ``arrivals`` (the true arrival
process the history generator draws from), ``simulate`` (a hall day, with common random numbers), ``erlang``
(Erlang C in log space), ``staffing`` (SIPP, Lag-SIPP, square-root and simulation-checked plans), ``forecast``
(arrivals per hall × day × hour with prediction intervals), ``daytypes`` (the benchmark days), ``dispatch`` (the
console's alerts and recommendations) and ``facts`` (the fold of raw records into additive facts).
``service``/``api``/``pages`` serve the console, the forecast, the staffing plan and push; ``factbook`` (reached
through ``service``) keeps the facts per hall × day × hour × queue × item × window × staff up to date and answers
the cockpit, the wall screen and service improvement (``dashboards``); ``history`` generates past days;
``repository`` holds the roster, the arrival history and the facts' reads and writes.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire operations: the API and pages, the hall manager's tiles, the fitted forecasts' cache (emptied when the
    calendar changes; otherwise refitted hourly), the fact fold every minute and the daily push run."""
    from huey import crontab

    from smarthall.operations import service, tasks
    from smarthall.operations.api import router
    from smarthall.operations.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=85)
    registry.pages(pages, priority=30)
    registry.cache(service.FORECAST_CACHE, "org_calendar_override", "org_hall")
    registry.on_write("case.finished", tasks.on_case_finished)
    registry.periodic(tasks.run_push, crontab(hour="9", minute="15"))
    registry.periodic(tasks.run_fold, crontab(minute="*"))
    registry.contribute(nav.TILES_POINT, nav.tile("citizen.self", "/me/subscriptions", "tile.operations_push"))
    registry.contribute(nav.TILES_POINT, nav.tile("operations.live", "/operations/live", "tile.operations_live"))
    registry.contribute(
        nav.TILES_POINT, nav.tile("operations.plan", "/operations/forecast", "tile.operations_forecast")
    )
    registry.contribute(
        nav.TILES_POINT, nav.tile("operations.plan", "/operations/staffing", "tile.operations_staffing")
    )
    registry.contribute(nav.TILES_POINT, nav.tile("evaluation.stats", "/operations/cockpit", "tile.operations_cockpit"))
    registry.contribute(
        nav.TILES_POINT, nav.tile("evaluation.stats", "/operations/improvement", "tile.operations_improvement")
    )
