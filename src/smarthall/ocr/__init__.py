"""OCR (证照识别, requirements §11.1 item 4) behind a small interface; see ``ocr.service``."""

from __future__ import annotations

from typing import Any

from smarthall.core.registry import Registry


def status(settings: Any = None) -> dict[str, Any]:
    """The /healthz report: whether an OCR engine is installed (the ``ocr`` extra) and enabled, without loading it."""
    from smarthall.ocr.engine import engine_status

    return engine_status(enabled=bool(getattr(settings, "ocr_enabled", True)))


def register(registry: Registry) -> None:
    """Wire OCR: the prefill-suggestion endpoint."""
    from smarthall.ocr.api import router

    registry.api(router, priority=90)
