"""智能预约: slots, bookings, check-in, credit rule."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire appointments: the API, the citizen booking pages and the periodic jobs (no-shows every 15 minutes,
    reminders hourly)."""
    from huey import crontab

    from smarthall.appointment import tasks
    from smarthall.appointment.api import router
    from smarthall.appointment.pages import router as pages

    registry.api(router, priority=20)
    registry.pages(pages, priority=55)
    registry.periodic(tasks.settle_no_shows, crontab(minute="*/15"))
    registry.periodic(tasks.send_reminders, crontab(minute="5"))
