"""The OCR engine behind a small interface: ``read(image bytes) -> lines``. The one implementation wraps
``rapidocr_onnxruntime`` (the ``ocr`` extra: ``pip install smarthall[ocr]``; its wheel ships the detection and
recognition models, so nothing is downloaded at run time). Without it the engine is unavailable and says so: the
endpoint answers 503 ``ocr_unavailable`` and /healthz reports ``available: false``."""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from smarthall.ocr import layout

MODULE = "rapidocr_onnxruntime"


@dataclass(frozen=True)
class Line:
    text: str
    score: float
    top: float  # the row's centre line in pixels, the page's skew undone (reading order)
    left: float


class Engine(Protocol):
    name: str

    def read(self, image: bytes) -> list[Line]: ...


def installed() -> bool:
    return importlib.util.find_spec(MODULE) is not None


class RapidEngine:
    name = "rapidocr-onnxruntime"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr: Any = RapidOCR()
        self._lock = threading.Lock()  # one inference at a time per process (onnxruntime sessions are heavy)

    def read(self, image: bytes) -> list[Line]:
        """The text as rows in reading order (``ocr.layout``: a label and its value on one line, skew undone)."""
        with self._lock:
            result, _elapse = self._ocr(image)
        boxes = [
            layout.Box([(float(p[0]), float(p[1])) for p in box], str(text), float(score))
            for box, text, score in result or []
        ]
        return [Line(r.text, r.score, r.top, r.left) for r in layout.rows(boxes)]


_engine: Engine | None = None
_guard = threading.Lock()


def engine(*, enabled: bool = True) -> Engine | None:
    """The process's engine (loaded once, on first use), or None when the extra is not installed or OCR is
    switched off (``ocr_enabled``)."""
    global _engine
    if not enabled:
        return None
    if _engine is None and installed():
        with _guard:
            if _engine is None:
                _engine = RapidEngine()
    return _engine


def engine_status(*, enabled: bool = True) -> dict[str, Any]:
    return {
        "available": enabled and installed(),
        "installed": installed(),
        "enabled": enabled,
        "engine": RapidEngine.name,
        "extra": "ocr",
        "loaded": _engine is not None,
        "reads": ["image/jpeg", "image/png", "application/pdf"] if pdf_pages() else ["image/jpeg", "image/png"],
        "pdf_pages": pdf_pages(),
    }


def pdf_pages() -> str | None:
    """The renderer of PDF pages for reading scanned PDFs (``ocr.rendering``), or None without one."""
    from smarthall.ocr import rendering

    return rendering.RENDERER if rendering.available() else None
