"""Periodic appointment jobs: settle no-shows (credit rule) every 15 minutes, send reminders hourly."""

from __future__ import annotations

from huey import crontab

from smarthall.appointment import service
from smarthall.core import runtime
from smarthall.core.tasks import huey


@huey.periodic_task(crontab(minute="*/15"))
def settle_no_shows() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        return service.mark_no_shows(session, now=rt.clock.now())


@huey.periodic_task(crontab(minute="5"))
def send_reminders() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        return service.send_reminders(session, now=rt.clock.now())
