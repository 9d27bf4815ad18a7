"""Results and e-licences: signed PDF documents with a QR code, public verification, the e-licence wallet."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Licences contribute no routes of their own (cases serves documents); the CJK font is prepared here, in the
    background, once per process that is wired with settings (the first PDF is then not slow); the sweep renders
    documents left pending."""
    from huey import crontab

    from smarthall.licences import tasks
    from smarthall.licences.pdf import warm_up

    registry.periodic(tasks.render_pending_task, crontab(minute="*"))
    registry.task(tasks.render_document_task)
    if registry.settings is not None:
        warm_up(registry.settings.font_path())
