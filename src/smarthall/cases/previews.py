"""Page images of uploaded materials for the staff viewer: a PDF page rendered to PNG with PDFium (``pypdfium2``),
an image served as uploaded. Rendered once per (file digest, page, scale) and kept beside the uploads; no
database work here (the caller checks the actor may see the case and that the file belongs to it). The uploads
and the rendered pages are sealed on disk (``core.crypto`` envelope): PDFium is given the decrypted bytes, never a
plaintext file."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from smarthall.core import crypto

MAX_PAGES = 50  # pages the viewer offers of one PDF
SCALE = 1.5  # 108 dpi: legible at 100 % on a desk screen; the viewer zooms in the browser
# The most a rendered page may be: the page's own size (its MediaBox) is the uploader's to choose, and a 333-byte PDF
# whose page is 14400 pt square rendered at SCALE to a 21600-pixel square bitmap (3.5 GB of server memory, 39 s
# under the PDFium lock, issue 12 attack12 probe). Larger pages are rendered smaller to fit.
MAX_SIDE = 2400  # pixels on the long side (an A3 page at SCALE is 1786)
MAX_PIXELS = 2400 * 1800
_lock = threading.Lock()


class PreviewFailed(Exception):
    """The file is not a PDF PDFium can open, or the page does not exist."""


def _plain(path: Path) -> bytes:
    try:
        return crypto.read_plain(path)
    except crypto.EnvelopeError as exc:
        raise PreviewFailed(str(exc)) from exc


def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    data = _plain(path)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PreviewFailed(str(exc)) from exc
    try:
        return min(len(pdf), MAX_PAGES)
    finally:
        pdf.close()


def fit_scale(width_pt: float, height_pt: float) -> float:
    """The scale to render a page of this size at: SCALE, or less so that it fits MAX_SIDE and MAX_PIXELS."""
    width, height = max(width_pt, 1.0), max(height_pt, 1.0)
    return min(SCALE, MAX_SIDE / max(width, height), (MAX_PIXELS / (width * height)) ** 0.5)


def pdf_page_png(path: Path, sha256: str, page: int, cache_dir: Path) -> bytes:
    """PNG bytes of ``page`` (0-based) of the PDF at ``path``, from the cache when already rendered."""
    target = cache_dir / sha256[:2] / f"{sha256}-{page}-{int(SCALE * 100)}.png"
    if target.exists():
        try:
            return crypto.read_plain(target)
        except (crypto.EnvelopeError, OSError):
            pass  # altered or unreadable cache entry: render it again
    import pypdfium2 as pdfium

    source = _plain(path)
    with _lock:  # PDFium is not thread-safe
        try:
            pdf = pdfium.PdfDocument(source)
        except pdfium.PdfiumError as exc:
            raise PreviewFailed(str(exc)) from exc
        try:
            if not 0 <= page < min(len(pdf), MAX_PAGES):
                raise PreviewFailed(f"no page {page}")
            pdf_page = pdf[page]
            image = pdf_page.render(scale=fit_scale(*pdf_page.get_size())).to_pil()
        finally:
            pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    crypto.write_sealed(target, data)  # a page image of an ID card is personal data too
    return data
