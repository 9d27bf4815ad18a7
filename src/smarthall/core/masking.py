"""Masking of personal data for lists, boards and logs (e.g. ``3301**********1234``, ``138****5678``, ``张*``)."""

from __future__ import annotations

import re


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else "*" * len(value)


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_address(value: str | None) -> str:
    if not value:
        return ""
    keep = min(6, len(value) // 2)
    return value[:keep] + "****"


_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


# A name someone gives for themselves ("我叫…", "姓名:…", "本人…"): the two to four Han characters after the cue.
_NAME_RE = re.compile(r"(我叫|名叫|我的名字是|姓名[::是为]?\s*|本人叫|本人)([\u4e00-\u9fff·]{2,4})")


def scrub(text: str) -> str:
    """Mask anything that looks like an ID number, a mobile number or a self-introduced name inside free text (log
    lines, questions typed by citizens)."""
    text = _ID_RE.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    text = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _NAME_RE.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
