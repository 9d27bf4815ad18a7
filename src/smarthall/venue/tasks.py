"""Venue jobs: every minute, devices silent for longer than their allowance go offline and raise an alert."""

from __future__ import annotations

from smarthall.core import runtime
from smarthall.venue import service as venue_service


def run_silent_sweep() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return len(venue_service.sweep_silent(session, now=rt.clock.now()))
