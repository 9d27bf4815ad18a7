"""Webhook reactions and jobs: events recorded in the emitting transaction, the relay after its commit, and a
periodic relay for retries (every minute) in the task consumer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core import runtime
from smarthall.core.tasks import enqueue
from smarthall.webhooks import service as webhooks_service


def recorder(name: str) -> Callable[[Session, dict[str, Any]], None]:
    """The ``on_write`` listener of event ``name``: outbox rows now, the relay once the fact has committed."""

    def on_event(session: Session, payload: dict[str, Any]) -> None:
        if webhooks_service.record_event(session, name, payload, now=runtime.current().clock.now()):
            enqueue(session, relay)

    on_event.__name__ = f"record_{name.replace('.', '_')}"
    return on_event


def relay() -> int:
    """Send what is due now (the task after an event, and the periodic retry)."""
    rt = runtime.current()
    return webhooks_service.deliver_due(rt.db, now=rt.clock.now(), timeout=rt.settings.webhook_timeout_seconds)


def relay_periodic() -> int:
    return relay()
