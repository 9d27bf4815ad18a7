"""Background jobs of the archive: build a package when a case finishes, resume interrupted builds, and re-run the
four-property checks over the whole store every night."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab

from smarthall.archive import service as archive_service
from smarthall.core import runtime
from smarthall.core.events import on
from smarthall.core.tasks import huey

log = logging.getLogger("smarthall.archive")


@huey.task(retries=2, retry_delay=60)
def build_package_task(case_no: str) -> str:
    rt = runtime.current()
    return archive_service.build_package(rt.db, rt.settings, case_no, now=rt.clock.now())


@on("case.finished")
def _on_case_finished(payload: dict[str, Any]) -> None:
    # Listeners run after the case's commit; the task opens its own units of work.
    build_package_task(str(payload["case_no"]))


@huey.periodic_task(crontab(minute="*/15"))
def resume_pending_task() -> list[str]:
    rt = runtime.current()
    return archive_service.resume_pending(rt.db, rt.settings, now=rt.clock.now())


@huey.periodic_task(crontab(hour="2", minute="30"))
def scheduled_check_task() -> dict[str, int]:
    return run_scheduled_check()


def run_scheduled_check() -> dict[str, int]:
    """Re-check every complete package, one at a time (flat memory); failures alert the hall managers."""
    rt = runtime.current()
    checked = failed = 0
    for _case_no, report in archive_service.verify_all(rt.db, rt.settings, trigger="scheduled", now=rt.clock.now()):
        checked += 1
        failed += 0 if report.ok else 1
    log.info("scheduled four-property check: %d packages, %d failed", checked, failed)
    return {"checked": checked, "failed": failed}
