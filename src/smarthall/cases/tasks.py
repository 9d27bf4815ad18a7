"""Periodic time-limit warnings (时限预警): every 30 minutes, raise yellow/red levels and notify staff."""

from __future__ import annotations

import logging

from smarthall.cases import service
from smarthall.core import runtime

log = logging.getLogger(__name__)


def run_warnings() -> dict[str, int]:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        counts = service.raise_warnings(session, now=rt.clock.now())
    log.info("case warnings: %s", counts)
    return counts
