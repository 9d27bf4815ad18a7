"""Periodic time-limit warnings (时限预警): every 30 minutes, raise yellow/red levels and notify staff. A task is a
boundary: it reads the process's runtime (database, clock) and runs ``jobs.raise_warnings`` in one unit of work."""

from __future__ import annotations

import logging

from smarthall.cases import jobs
from smarthall.core import runtime

log = logging.getLogger(__name__)


def run_warnings() -> dict[str, int]:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        counts = jobs.raise_warnings(session, now=rt.clock.now())
    log.info("case warnings: %s", counts)
    return counts
