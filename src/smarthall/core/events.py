"""In-process domain events, delivered after the emitting transaction commits.

A domain emits facts (``case.finished``, ``ticket.finished``) without knowing who listens; listeners in other
domains (archive, evaluation, notifications) subscribe with ``@on("case.finished")``. Listeners run after the
commit, so they never see a rolled-back fact; a listener that needs to write opens its own unit of work (usually
by enqueueing a task).

Known events and payloads (keep this list current):
- ``ticket.finished``  {"ticket_id": int, "hall_code": str}
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
_handlers: dict[str, list[Handler]] = defaultdict(list)


def on(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if handler not in _handlers[name]:
            _handlers[name].append(handler)
        return handler

    return register


def emit(session: Session, name: str, **payload: Any) -> None:
    """Deliver ``payload`` to every listener of ``name`` once ``session`` has committed."""

    def deliver() -> None:
        for handler in list(_handlers.get(name, ())):
            try:
                handler(payload)
            except Exception:
                log.exception("listener %s of %s failed", getattr(handler, "__name__", handler), name)

    after_commit(session, deliver)


def listeners(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))
