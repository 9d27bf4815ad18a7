"""Background jobs of the archive: build a package when a case finishes, resume interrupted builds, and re-run the
four-property checks over the whole store every night."""

from __future__ import annotations

import logging

from smarthall.archive import service as archive_service
from smarthall.core import runtime

log = logging.getLogger("smarthall.archive")


def build_package_task(case_no: str) -> str:
    rt = runtime.current()
    return archive_service.build_package(rt.db, rt.settings, case_no, now=rt.clock.now())


def resume_pending_task() -> list[str]:
    rt = runtime.current()
    return archive_service.resume_pending(rt.db, rt.settings, now=rt.clock.now())


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
