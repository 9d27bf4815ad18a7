"""The audit trail's periodic job: sign the chain's head into the checkpoint stores (outside the database), so that
rows written between the every-N checkpoints are vouched for within minutes too."""

from __future__ import annotations

from typing import Any

from smarthall.audit import service
from smarthall.core import runtime


def checkpoint_task() -> dict[str, Any] | None:
    with runtime.current().db.unit_of_work(write=False) as session:
        return service.checkpoint_now(session)
