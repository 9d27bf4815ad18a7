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


# The printed labels of an ID card (both sides) and a business licence: a value ends where another label starts
# (a two-column licence row reads "名称 …公司 注册资本 …"), and a line that starts with one is no value of another.
LABELS = (
    "姓名", "性别", "民族", "出生", "住址", "公民身份号码", "签发机关", "有效期限", "统一社会信用代码", "企业名称",
    "名称", "类型", "法定代表人", "经营者", "负责人", "注册资本", "成立日期", "注册日期", "营业期限", "住所",
    "经营场所", "经营范围", "登记机关",
)  # fmt: skip
MULTILINE = frozenset({"住址", "住所", "经营场所"})  # an address runs over two or three lines of a card
_LABEL_AT = re.compile("|".join(sorted(LABELS, key=len, reverse=True)))


def _compact(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


def _starts_with_label(compact: str) -> bool:
    return bool(_LABEL_AT.match(compact))


def _cut(value: str) -> str:
    """``value`` up to the next label in it (none at its start: the caller removed its own)."""
    found = _LABEL_AT.search(value, 1)
    return re.sub(r"^[:：]+", "", value[: found.start()] if found else value)


def _after(label: str, lines: Sequence[tuple[str, float]]) -> tuple[str, float] | None:
    """The text following ``label`` on its line (or the next line when the label stands alone and that line is
    not another label's), up to the next label; an address continues on the following lines that start with no
    label and carry no ID number (at most two more)."""
    for i, (text, score) in enumerate(lines):
        compact = _compact(text)
        if not compact.startswith(label):
            continue
        rest = _cut(re.sub(r"^[:：]+", "", compact[len(label) :]))
        j = i + 1
        if not rest and j < len(lines) and not _starts_with_label(_compact(lines[j][0])):
            rest, score, j = _cut(_compact(lines[j][0])), min(score, lines[j][1]), j + 1
        if not rest:
            return None
        if label in MULTILINE:
            for more, more_score in lines[j : j + 2]:
                extra = _compact(more)
                if not extra or _starts_with_label(extra) or _ID.search(extra.upper()):
                    break
                rest, score = rest + _cut(extra), min(score, more_score)
        return rest, score
    return None


def read_fields(lines: Sequence[tuple[str, float]]) -> list[Suggestion]:
    """Suggestions from ``(text, score)`` lines in reading order; an ID number or credit code whose check digit
    fails is left out (a misread digit must not reach the form)."""
    out: list[Suggestion] = []
    joined = [(_compact(t).upper(), s) for t, s in lines]
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
        valid = _VALID.search(_compact(text))
        if valid:
            start = f"{valid.group(1)}-{valid.group(2)}-{valid.group(3)}"
            end = "长期" if valid.group(4) == "长期" else f"{valid.group(5)}-{valid.group(6)}-{valid.group(7)}"
            out.append(Suggestion("validity", f"{start}/{end}", score))
            break
    seen: set[str] = set()
    return [s for s in out if not (s.field in seen or seen.add(s.field))]  # type: ignore[func-returns-value]
