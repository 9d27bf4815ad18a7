"""In-process domain events, delivered after the emitting transaction commits.

A domain emits facts (``case.finished``, ``ticket.finished``) without knowing who listens; listeners in other
domains (archive, evaluation, notifications) subscribe in their ``register()`` with
``registry.on("case.finished", handler)``. Listeners run after the
commit, so they never see a rolled-back fact; a listener that needs to write opens its own unit of work (usually
by enqueueing a task).

A listener whose work is a small write that must stand or fall with the fact subscribes with
``registry.on_write("ticket.finished", handler)`` instead: it runs *inside* the emitting transaction, with its
session, when the fact is emitted, so both are committed together or not at all (evaluation notes a finished
service this way: no task, no second transaction). It must not commit, and its failure fails the emitting request.

Known events and payloads (keep this list current):
- ``ticket.finished``  {"ticket_id": int, "hall_code": str, "subject": ServedSubject (no contact data)}
- ``case.finished``    {"case_no": str, "hall_code": str, "status": str}  (a decision exists; once)
- ``case.closed``      {"case_no": str, "hall_code": str, "status": str}  (a final state: delivered, rejected,
  refused, withdrawn — the archive packages the case then)
- ``question.routed`` {"question_id", "hall_id", "citizen_id", "item_code", "route", "at"}  (a consultation answer's
  next step toward doing the item — book, ticket, online, self-service — taken by its asker; errands join it)
- ``booking.created`` {"code", "hall_id", "citizen_id", "item_code", "starts_at", "at"}  (errands join it)
- ``ticket.issued``    {"ticket_id", "number", "hall_id", "citizen_id", "id_number_index", "item_code",
  "appointment_code", "at"}  (errands join it)
- ``case.submitted``   {"case_no", "hall_id", "hall_code", "citizen_id", "id_number_index", "item_code",
  "errand_code", "at"}  (errands join it; a wrong errand code refuses the case)
- ``archive.built``    {"case_no", "at"}  (the errand is archived)
- ``rating.created``   {"kind", "ref", "rating_id", "level", "at"}  (errands join it)
- ``rating_window.closed`` {"kind", "ref", "at"}  (a service's rating window closed, ``evaluation.rating_window_days``
  after it finished: the archive packages a case or bundle not packaged yet)
- ``catalog.items_changed`` {"items": [{"item_code", "item_name", "department_code", "from_version", "to_version",
  "changes": [{"kind", "zh", "en"}]}], "at"}  (once per import that raised item versions; staff notices are made
  in the import's transaction)
- ``bundle.finished``   {"code": str, "hall_code": str, "status": str}  (every part of a one-thing bundle decided;
  evaluation notes the one rating of the bundle)
- ``help_request.finished`` {"help_request_id": int, "hall_code": str}  (proposed: evaluation listens for it)
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core.db import after_commit
from smarthall.core.registry import Handler, registry_of

log = logging.getLogger(__name__)


def emit(session: Session, name: str, **payload: Any) -> None:
    """Run the in-transaction listeners of ``name`` now, and deliver ``payload`` to the others once ``session`` has
    committed. Listeners come from the registry of the app that opened ``session``."""
    registry = registry_of(session)
    for write_handler in list(registry.write_handlers.get(name, ())):
        write_handler(session, payload)
    handlers = list(registry.handlers.get(name, ()))
    if not handlers:
        return

    def deliver() -> None:
        for handler in handlers:
            try:
                handler(payload)
            except Exception:
                log.exception("listener %s of %s failed", getattr(handler, "__name__", handler), name)

    after_commit(session, deliver)


def listeners(session: Session, name: str) -> list[Handler]:
    return list(registry_of(session).handlers.get(name, ()))
