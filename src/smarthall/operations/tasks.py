"""Operations background jobs: the fold of changed raw records into facts, every minute."""

from __future__ import annotations

from smarthall.core import runtime
from smarthall.operations import service


def run_fold() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return service.fold_changed(session, now=rt.clock.now())
