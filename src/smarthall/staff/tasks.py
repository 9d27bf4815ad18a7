"""Staff background work: the supervision scan of every hall with a window session, every minute."""

from __future__ import annotations

from smarthall.core import runtime
from smarthall.core.tenancy import SYSTEM


def run_scan() -> int:
    from smarthall.org import service as org_service
    from smarthall.queueing import measures as queue_measures
    from smarthall.staff import supervision

    rt = runtime.current()
    raised = 0
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        now = rt.clock.now()
        for hall_id in queue_measures.halls_with_sessions(session):
            hall = org_service.hall_facts_by_id(session, hall_id)
            raised += len(supervision.scan_hall(session, SYSTEM, hall, now=now))
    return raised
