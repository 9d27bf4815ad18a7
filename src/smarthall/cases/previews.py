"""Page images of uploaded materials for the staff viewer: a PDF page rendered to PNG with PDFium (``pypdfium2``),
an image served as uploaded. Rendered once per (file digest, page, scale) and kept beside the uploads; no
database work here (the caller checks the actor may see the case and that the file belongs to it)."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from pathlib import Path

MAX_PAGES = 50  # pages the viewer offers of one PDF
SCALE = 1.5  # 108 dpi: legible at 100 % on a desk screen; the viewer zooms in the browser
_lock = threading.Lock()


class PreviewFailed(Exception):
    """The file is not a PDF PDFium can open, or the page does not exist."""


def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise PreviewFailed(str(exc)) from exc
    try:
        return min(len(pdf), MAX_PAGES)
    finally:
        pdf.close()


def pdf_page_png(path: Path, sha256: str, page: int, cache_dir: Path) -> bytes:
    """PNG bytes of ``page`` (0-based) of the PDF at ``path``, from the cache when already rendered."""
    target = cache_dir / sha256[:2] / f"{sha256}-{page}-{int(SCALE * 100)}.png"
    if target.exists():
        return target.read_bytes()
    import pypdfium2 as pdfium

    with _lock:  # PDFium is not thread-safe
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise PreviewFailed(str(exc)) from exc
        try:
            if not 0 <= page < min(len(pdf), MAX_PAGES):
                raise PreviewFailed(f"no page {page}")
            image = pdf[page].render(scale=SCALE).to_pil()
        finally:
            pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".png")
    os.close(fd)
    try:
        Path(tmp).write_bytes(data)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return data
