"""The evaluation loop's reactions and jobs: note finished services (``ticket.finished``/``case.finished``, in the
finishing transaction itself), send invitations when a service is still unrated after 3 days, warn about overdue
work orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smarthall.core import runtime
from smarthall.core.subjects import ServedSubject
from smarthall.evaluation import invitations
from smarthall.evaluation import service as evaluation_service


def _note(session: Session, kind: str, ref: str, subject: ServedSubject | None = None) -> None:
    evaluation_service.note_finished(session, kind, ref, now=runtime.current().clock.now(), subject=subject)


def on_ticket_finished(session: Session, payload: dict[str, Any]) -> None:
    _note(session, "ticket", str(payload["ticket_id"]), payload.get("subject"))


def on_case_finished(session: Session, payload: dict[str, Any]) -> None:
    _note(session, "case", str(payload["case_no"]))


def on_bundle_finished(session: Session, payload: dict[str, Any]) -> None:
    _note(session, "bundle", str(payload["code"]))  # one rating for the whole bundle, not one per part


def on_help_finished(session: Session, payload: dict[str, Any]) -> None:
    _note(session, "help_request", str(payload["help_request_id"]))


def run_invitations() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return evaluation_service.send_due_invitations(session, rt.settings, now=rt.clock.now())


def run_close_rating_windows() -> int:
    """The job that closes rating windows (the archive packages what each closing ends)."""
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return len(invitations.close_rating_windows(session, now=rt.clock.now()))


def run_overdue_warnings() -> int:
    rt = runtime.current()
    with rt.db.unit_of_work() as session:
        session.info["db"] = rt.db
        return evaluation_service.warn_overdue(session, now=rt.clock.now())
