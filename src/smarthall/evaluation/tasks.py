"""Background jobs of the evaluation loop: note finished services (from ``ticket.finished``/``case.finished``),
send invitations when a service is still unrated after 3 days, warn about overdue work orders."""

from __future__ import annotations

from typing import Any

from huey import crontab

from smarthall.core import runtime
from smarthall.core.events import on
from smarthall.core.tasks import huey
from smarthall.evaluation import service as evaluation_service


@huey.task(retries=2, retry_delay=30)
def note_finished_task(kind: str, ref: str) -> bool:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return evaluation_service.note_finished(session, kind, ref, now=rt.clock.now())


@on("ticket.finished")
def _on_ticket_finished(payload: dict[str, Any]) -> None:
    note_finished_task("ticket", str(payload["ticket_id"]))


@on("case.finished")
def _on_case_finished(payload: dict[str, Any]) -> None:
    note_finished_task("case", str(payload["case_no"]))


@on("help_request.finished")
def _on_help_finished(payload: dict[str, Any]) -> None:
    note_finished_task("help_request", str(payload["help_request_id"]))


def run_invitations() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return evaluation_service.send_due_invitations(session, rt.settings, now=rt.clock.now())


def run_overdue_warnings() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return evaluation_service.warn_overdue(session, now=rt.clock.now())


@huey.periodic_task(crontab(minute="5"))
def invitations_task() -> int:
    return run_invitations()


@huey.periodic_task(crontab(hour="8", minute="0"))
def overdue_warnings_task() -> int:
    return run_overdue_warnings()
