"""Cells of exported tables (CSV, XLSX) that a spreadsheet must show as text, never run: a value typed by a citizen,
a staff member or an editor that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return before one) is
a formula to Excel and WPS (CSV injection, OWASP). Such text gets a leading apostrophe; numbers stay numbers."""

from __future__ import annotations

from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and their full-width forms


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into an exported cell: text that would start a formula is prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Any) -> list[Any]:
    return [safe_cell(v) for v in values]


def append_text_safe(sheet: Any, values: Any) -> None:
    """Append a row to an openpyxl sheet with every text cell stored as text: openpyxl turns a string that starts
    with ``=`` into a formula otherwise."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"
