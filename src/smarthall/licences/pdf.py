"""PDF rendering of notices, decisions and licences: embedded CJK font (Noto Sans CJK SC), a seal-like mark, the
case number and a QR code pointing to the public verification page. Pure apart from reading the font file."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import segno
from fpdf import FPDF

# Noto Sans CJK Regular.ttc: index 2 is the Simplified Chinese face (SC).
SC_FACE = 2


@dataclass(frozen=True)
class PdfContent:
    title: str
    doc_no: str
    case_no: str
    issuer: str
    issued_on: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    paragraphs: list[str] = field(default_factory=list)
    verify_url: str = ""


def _qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    return buffer.getvalue()


def render(content: PdfContent, font_path: Path | None) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(content.title)
    pdf.set_creator("smarthall")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    if font_path is not None:
        collection = SC_FACE if str(font_path).endswith(".ttc") else 0
        pdf.add_font("cjk", "", str(font_path), collection_font_number=collection)
        family = "cjk"
    else:  # pragma: no cover - the font package is a declared dependency
        family = "helvetica"
    pdf.set_font(family, size=20)
    pdf.cell(0, 14, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    pdf.cell(0, 7, f"文书编号 {content.doc_no}    办件编号 {content.case_no}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, size=12)
    for label, value in content.lines:
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(0, 8, f"{label}:{value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for paragraph in content.paragraphs:
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    y = max(pdf.get_y(), 190)
    if y > 230:
        pdf.add_page()
        y = 40
    pdf.set_font(family, size=12)
    pdf.set_xy(110, y + 8)
    pdf.cell(80, 8, content.issuer, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, y + 16)
    pdf.cell(80, 8, content.issued_on, align="C")
    _seal(pdf, 150, y + 14, 21, content.issuer, family)
    if content.verify_url:
        pdf.image(io.BytesIO(_qr_png(content.verify_url)), x=pdf.l_margin, y=y, w=36, h=36)
        pdf.set_font(family, size=8)
        pdf.set_xy(pdf.l_margin, y + 37)
        pdf.cell(60, 5, "扫码核验真伪 Scan to verify")
    return bytes(pdf.output())


def _seal(pdf: FPDF, cx: float, cy: float, r: float, issuer: str, family: str) -> None:
    """A red seal-like mark: a double ring, a star and the issuer name (an illustration, not a legal seal)."""
    pdf.set_draw_color(200, 30, 30)
    pdf.set_text_color(200, 30, 30)
    pdf.set_line_width(1.0)
    pdf.circle(x=cx, y=cy, radius=r)
    pdf.set_line_width(0.3)
    pdf.circle(x=cx, y=cy, radius=r - 2)
    points = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        radius = 5 if i % 2 == 0 else 2
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    pdf.set_fill_color(200, 30, 30)
    pdf.polygon(points, style="F")
    pdf.set_font(family, size=7)
    label = issuer[:14]
    pdf.set_xy(cx - r + 3, cy + 7)
    pdf.cell(2 * r - 6, 4, label, align="C")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
