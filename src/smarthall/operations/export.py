"""Tables as CSV (UTF-8 with BOM) and XLSX (openpyxl): every table of the cockpit exports the same rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from smarthall.core.export_cells import append_text_safe, safe_row


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(safe_row("" if row.get(c) is None else row.get(c) for c in columns))
    return "\ufeff" + out.getvalue()


def to_xlsx(title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31] or "facts"
    sheet.append(list(columns))
    for row in rows:
        append_text_safe(sheet, [row.get(c) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
