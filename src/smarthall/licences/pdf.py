"""PDF rendering of notices, decisions and licences: embedded CJK font (Noto Sans CJK SC), a seal-like mark, the
case number and a QR code pointing to the public verification page. Pure apart from reading the font file."""

from __future__ import annotations

import io
import logging
import math
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger(__name__)

# Noto Sans CJK Regular.ttc: index 2 is the Simplified Chinese face (SC).
SC_FACE = 2
_build_lock = threading.Lock()


def _common_codepoints() -> set[int]:
    """ASCII, CJK and full-width punctuation, and every character of GB 2312 (6763 hanzi)."""
    chars = set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    chars |= {0xB7, 0xD7, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2116, 0x25CB, 0x25A1}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smarthall" / "fonts"


@lru_cache(maxsize=4)
def common_font(font_path: str, mtime: float) -> tuple[Path, frozenset[int]] | None:
    """The SC face cut down to GB 2312 (desubroutinized), built once per machine and cached on disk.

    Loading and subsetting the whole 20 MB collection costs about 3 s per PDF; the cut-down face makes a PDF
    about 30 times faster. Documents with characters outside it fall back to the full face.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    target = _cache_dir() / f"{Path(font_path).stem}-{SC_FACE}-{int(mtime)}-gb2312.otf"
    try:
        with _build_lock:
            if not target.exists():
                log.info("building the cut-down CJK font %s (once)", target)
                target.parent.mkdir(parents=True, exist_ok=True)
                font = TTFont(font_path, fontNumber=SC_FACE if font_path.endswith(".ttc") else -1)
                options = subset.Options()
                options.desubroutinize = True
                options.name_IDs = ["*"]
                options.notdef_outline = True
                subsetter = subset.Subsetter(options)
                subsetter.populate(unicodes=_common_codepoints())
                subsetter.subset(font)
                fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".otf")
                os.close(fd)
                try:
                    font.save(tmp)
                    os.replace(tmp, target)
                finally:
                    Path(tmp).unlink(missing_ok=True)
            covered = frozenset(TTFont(str(target)).getBestCmap())
    except OSError:
        return None
    return target, covered


def warm_up(font_path: Path | None) -> None:
    """Build (or load) the cut-down font in a background thread so the first document is not slow."""
    if font_path is None:
        return

    def run() -> None:
        try:
            common_font(str(font_path), font_path.stat().st_mtime)
        except Exception:  # never let a warm-up kill anything; the full face still works
            log.exception("font warm-up failed")

    threading.Thread(target=run, name="cjk-font-warm-up", daemon=True).start()


def _font_for(content: PdfContent, font_path: Path) -> tuple[Path, int]:
    text = "".join(
        [
            content.title,
            content.doc_no,
            content.case_no,
            content.issuer,
            content.issued_on,
            *(a + b for a, b in content.lines),
            *content.paragraphs,
            "文书编号办件编号扫码核验真伪",
        ]
    )
    fast = common_font(str(font_path), font_path.stat().st_mtime)
    if fast is not None and all(ord(ch) in fast[1] for ch in text if not ch.isspace()):
        return fast[0], 0
    return font_path, SC_FACE if str(font_path).endswith(".ttc") else 0


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
    created_at: datetime | None = None  # the PDF's creation date; fixed, the same content renders the same bytes


def _qr_png(url: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    return buffer.getvalue()


def render(content: PdfContent, font_path: Path | None) -> bytes:
    # Imported on the first document, not with the web app: fpdf2 brings numpy and fontTools' variable-font
    # machinery (about 50 MB), which processes that never render (archive checks, the CLI) should not carry.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(content.title)
    pdf.set_creator("smarthall")
    if content.created_at is not None:
        pdf.set_creation_date(content.created_at)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    if font_path is not None:
        path, collection = _font_for(content, font_path)
        pdf.add_font("cjk", "", str(path), collection_font_number=collection)
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
    y = max(pdf.get_y(), 180)
    if y > 210:
        pdf.add_page()
        y = 40
    # The seal above the issuer's name and the date, so that neither its star nor its ring covers a character.
    _seal(pdf, 150, y + 21, 21, content.issuer, family)
    pdf.set_font(family, size=12)
    pdf.set_xy(100, y + 45)
    pdf.cell(100, 8, content.issuer, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(100, y + 53)
    pdf.cell(100, 8, content.issued_on, align="C")
    if content.verify_url:
        pdf.image(io.BytesIO(_qr_png(content.verify_url)), x=pdf.l_margin, y=y, w=36, h=36)
        pdf.set_font(family, size=8)
        pdf.set_xy(pdf.l_margin, y + 37)
        pdf.cell(60, 5, "扫码核验真伪 Scan to verify")
    return bytes(pdf.output())


STAR_RADIUS = 5.0  # mm, the star's outer points
PT = 25.4 / 72  # mm per point
SEAL_ARC_DEGREES = 250.0  # the issuer's name runs over this much of the circle, centred on the top


@dataclass(frozen=True)
class SealGlyph:
    char: str
    x: float  # centre of the glyph's box, mm
    y: float
    angle: float  # counter-clockwise rotation in degrees (0 at the top of the circle)
    size: float  # mm, the glyph's box side


def seal_layout(text: str, cx: float, cy: float, r: float) -> list[SealGlyph]:
    """Where each character of the issuer's name goes: on an arc inside the inner ring, upright towards the rim,
    spaced evenly over ``SEAL_ARC_DEGREES`` and sized so that they neither touch each other nor the ring, and stay
    clear of the star in the middle. Pure (the test checks the geometry)."""
    chars = [ch for ch in text if not ch.isspace()][:24]
    if not chars:
        return []
    inner = r - 2.0  # the thin ring
    span = math.radians(min(SEAL_ARC_DEGREES, 30.0 * len(chars)))
    # A glyph box of side s, tangent to the circle, its outer corners 0.4 mm inside the ring; the chord between
    # neighbours' centres must be >= 1.05 s.
    size = 2.6
    step = span / max(len(chars) - 1, 1)
    for candidate in (7.0, 6.5, 6.0, 5.5, 5.0, 4.5, 4.0, 3.5, 3.0, 2.6):
        radius = _glyph_radius(inner, candidate)
        if len(chars) == 1 or 2 * radius * math.sin(step / 2) >= 1.05 * candidate:
            size = candidate
            break
    radius = _glyph_radius(inner, size)
    glyphs = []
    for i, ch in enumerate(chars):
        phi = math.pi / 2 + span / 2 - i * step if len(chars) > 1 else math.pi / 2
        x, y = cx + radius * math.cos(phi), cy - radius * math.sin(phi)
        glyphs.append(SealGlyph(ch, x, y, math.degrees(phi) - 90.0, size))
    return glyphs


def _glyph_radius(inner: float, size: float) -> float:
    return math.sqrt((inner - 0.4) ** 2 - (size / 2) ** 2) - size / 2


def _seal(pdf: FPDF, cx: float, cy: float, r: float, issuer: str, family: str) -> None:
    """A red seal-like mark: a double ring, the issuer's name along the inside of the ring and a star in the middle
    (an illustration, not a legal seal)."""
    pdf.set_draw_color(200, 30, 30)
    pdf.set_text_color(200, 30, 30)
    pdf.set_line_width(1.0)
    pdf.circle(x=cx, y=cy, radius=r)
    pdf.set_line_width(0.3)
    pdf.circle(x=cx, y=cy, radius=r - 2)
    points = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        radius = STAR_RADIUS if i % 2 == 0 else STAR_RADIUS * 0.4
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    pdf.set_fill_color(200, 30, 30)
    pdf.polygon(points, style="F")
    for glyph in seal_layout(issuer, cx, cy, r):
        pdf.set_font(family, size=glyph.size / PT)
        with pdf.rotation(glyph.angle, glyph.x, glyph.y):
            pdf.set_xy(glyph.x - glyph.size / 2, glyph.y - glyph.size / 2)
            pdf.cell(glyph.size, glyph.size, glyph.char, align="C")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
