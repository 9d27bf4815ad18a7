"""Pages of an uploaded PDF as images for the OCR engine: a scanned licence handed in as a PDF is rendered page by
page with PDFium (``pypdfium2``, a dependency of the platform, also behind the staff viewer's page previews) and
each page image is read like a photo. The bytes stay in memory: PDFium is given the decrypted bytes, never a
plaintext file. Bounded: at most ``MAX_PAGES`` pages, each at most ``MAX_PIXELS``."""

from __future__ import annotations

import importlib.util
import io
import threading

PDF_MAGIC = b"%PDF-"
MAX_PAGES = 2  # a licence or certificate is one page, two with its back; later pages are not read
SCALE = 2.0  # 144 dpi: small print of a licence stays legible to the recogniser
MAX_PIXELS = 12_000_000  # a page larger than A3 at 144 dpi is rendered smaller
RENDERER = "pypdfium2"
_lock = threading.Lock()  # PDFium is not thread-safe


class NotAPdf(Exception):
    """The bytes are not a PDF PDFium can open (or it has no page)."""


def available() -> bool:
    return importlib.util.find_spec(RENDERER) is not None


def page_images(data: bytes, *, max_pages: int = MAX_PAGES) -> list[bytes]:
    """PNG bytes of the PDF's first ``max_pages`` pages, in order (``NotAPdf`` for anything PDFium refuses)."""
    if not data.startswith(PDF_MAGIC):
        raise NotAPdf("no PDF header")
    import pypdfium2 as pdfium

    out = []
    with _lock:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise NotAPdf(str(exc)) from exc
        try:
            if len(pdf) == 0:
                raise NotAPdf("no page")
            for index in range(min(len(pdf), max_pages)):
                page = pdf[index]
                width, height = page.get_size()  # in points (1/72 inch)
                scale = SCALE
                if width * height * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (width * height)) ** 0.5
                image = page.render(scale=scale).to_pil()
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, format="PNG")
                out.append(buffer.getvalue())
        finally:
            pdf.close()
    return out
