"""The sweep of documents left pending: a decision commits its documents as ``pending`` and they are rendered right
after the commit; one that a crash (between the commit and the rendering) or a failed rendering left behind is
rendered here, every minute, until it is attached or has failed ``MAX_RENDER_ATTEMPTS`` times."""

from __future__ import annotations

from smarthall.core import runtime
from smarthall.licences.service import DocumentDesk, complete_all_pending, complete_pending


def render_pending_task() -> int:
    rt = runtime.current()
    desk = DocumentDesk.from_settings(rt.settings, rt.extras["signer"])
    return complete_all_pending(rt.db, desk)


def render_document_task(document_id: int) -> bool:
    """One document a decision has just committed (``document_rendering`` "task": on the worker, not the web)."""
    rt = runtime.current()
    desk = DocumentDesk.from_settings(rt.settings, rt.extras["signer"])
    return complete_pending(rt.db, desk, document_id)
