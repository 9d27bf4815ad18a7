"""Pure: the key fields of an ID card (居民身份证) or a business licence (营业执照) in OCR text lines, with the
check digits verified, as suggestions for a form (never filled without the person confirming them)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ID = re.compile(r"(?<![0-9])([1-9][0-9]{16}[0-9Xx])(?![0-9])")
_CREDIT = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])")
_VALID = re.compile(
    r"(\d{4})[.\-年](\d{2})[.\-月](\d{2})日?\s*[-至—~]+\s*(长期|(\d{4})[.\-年](\d{2})[.\-月](\d{2})日?)"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class Suggestion:
    field: str  # id_number | name | address | validity | credit_code | company_name | legal_person
    value: str
    confidence: float


def id_number_valid(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == value[17]


def credit_code_valid(value: str) -> bool:
    if len(value) != 18 or any(c not in _CREDIT_CHARS for c in value):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(value[:17], _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31] == value[17]


def _after(label: str, lines: Sequence[tuple[str, float]]) -> tuple[str, float] | None:
    """The text following ``label`` on its line (or the next line when the label stands alone)."""
    for i, (text, score) in enumerate(lines):
        compact = text.replace(" ", "")
        if compact.startswith(label):
            rest = re.sub(r"^[::]+", "", compact[len(label) :])
            if rest:
                return rest, score
            if i + 1 < len(lines):
                return lines[i + 1][0].replace(" ", ""), lines[i + 1][1]
    return None


def read_fields(lines: Sequence[tuple[str, float]]) -> list[Suggestion]:
    """Suggestions from ``(text, score)`` lines in reading order; an ID number or credit code whose check digit
    fails is left out (a misread digit must not reach the form)."""
    out: list[Suggestion] = []
    joined = [(t.replace(" ", "").upper(), s) for t, s in lines]
    for text, score in joined:
        ids = [m.group(1).upper() for m in _ID.finditer(text) if id_number_valid(m.group(1).upper())]
        if ids:
            out.append(Suggestion("id_number", ids[0], score))
            continue  # an ID number is not also read as a credit code
        for match in _CREDIT.finditer(text):
            if credit_code_valid(match.group(1)):
                out.append(Suggestion("credit_code", match.group(1), score))
                break
    for field, labels in (
        ("name", ("姓名",)),
        ("address", ("住址",)),
        ("company_name", ("名称", "企业名称")),
        ("legal_person", ("法定代表人", "经营者")),
    ):
        for label in labels:
            found = _after(label, lines)
            if found:
                out.append(Suggestion(field, found[0], found[1]))
                break
    for text, score in lines:
        valid = _VALID.search(text.replace(" ", ""))
        if valid:
            start = f"{valid.group(1)}-{valid.group(2)}-{valid.group(3)}"
            end = "长期" if valid.group(4) == "长期" else f"{valid.group(5)}-{valid.group(6)}-{valid.group(7)}"
            out.append(Suggestion("validity", f"{start}/{end}", score))
            break
    seen: set[str] = set()
    return [s for s in out if not (s.field in seen or seen.add(s.field))]  # type: ignore[func-returns-value]
