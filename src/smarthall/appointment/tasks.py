"""Periodic appointment jobs: settle no-shows (credit rule) every 15 minutes, send reminders hourly."""

from __future__ import annotations

from smarthall.appointment import service
from smarthall.core import runtime


def settle_no_shows() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        return service.mark_no_shows(session, now=rt.clock.now())


def send_reminders() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        return service.send_reminders(session, now=rt.clock.now())
