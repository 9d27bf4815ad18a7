"""In-process domain events, delivered after the emitting transaction commits.

A domain emits facts (``case.finished``, ``ticket.finished``) without knowing who listens; listeners in other
domains (archive, evaluation, notifications) subscribe with ``@on("case.finished")``. Listeners run after the
commit, so they never see a rolled-back fact; a listener that needs to write opens its own unit of work (usually
by enqueueing a task).

A listener whose work is a small write that must stand or fall with the fact subscribes with
``@on_write("ticket.finished")`` instead: it runs *inside* the emitting transaction, with its session, when the
fact is emitted, so both are committed together or not at all (evaluation notes a finished service this way:
no task, no second transaction). It must not commit, and its failure fails the emitting request.

Known events and payloads (keep this list current):
- ``ticket.finished``  {"ticket_id": int, "hall_code": str, "subject": ServedSubject (no contact data)}
- ``case.finished``    {"case_no": str, "hall_code": str, "status": str}
- ``help_request.finished`` {"help_request_id": int, "hall_code": str}  (proposed: evaluation listens for it)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core.db import after_commit

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]
WriteHandler = Callable[[Session, dict[str, Any]], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
_write_handlers: dict[str, list[WriteHandler]] = defaultdict(list)


def on(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if handler not in _handlers[name]:
            _handlers[name].append(handler)
        return handler

    return register


def on_write(name: str) -> Callable[[WriteHandler], WriteHandler]:
    def register(handler: WriteHandler) -> WriteHandler:
        if handler not in _write_handlers[name]:
            _write_handlers[name].append(handler)
        return handler

    return register


def emit(session: Session, name: str, **payload: Any) -> None:
    """Run the in-transaction listeners of ``name`` now, and deliver ``payload`` to the others once ``session`` has
    committed."""
    for write_handler in list(_write_handlers.get(name, ())):
        write_handler(session, payload)

    def deliver() -> None:
        for handler in list(_handlers.get(name, ())):
            try:
                handler(payload)
            except Exception:
                log.exception("listener %s of %s failed", getattr(handler, "__name__", handler), name)

    after_commit(session, deliver)


def listeners(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))
