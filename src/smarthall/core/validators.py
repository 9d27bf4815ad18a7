"""Pure validators for identity numbers (no I/O).

- Resident ID number, GB 11643-1999: 17 digits + MOD 11-2 check character, a valid birth date, and a region
  prefix that names a province-level division (national list, plus the provinces of the imported hall tree).
- Unified social credit code, GB 32100-2015: 18 characters from the 31-character set, MOD 31 check.
- Mainland mobile numbers: 11 digits starting 1[3-9].
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError

# GB/T 2260 province-level codes.
NATIONAL_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
_extra_provinces: set[str] = set()

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def register_provinces(codes: Iterable[str]) -> None:
    """Regions of the imported hall tree are valid ID prefixes too (the demo province is fictional)."""
    _extra_provinces.update(c[:2] for c in codes if len(c) >= 2)


@dataclass(frozen=True)
class Invalid:
    code: str
    message_zh: str
    message_en: str


def normalize_id_number(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def check_id_number(value: str, today: date | None = None) -> Invalid | None:
    v = normalize_id_number(value)
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return Invalid("invalid_id_number", "身份证号码应为18位,末位可为X", "An ID number has 18 characters")
    if v[:2] not in NATIONAL_PROVINCES and v[:2] not in _extra_provinces:
        return Invalid("invalid_id_number", "身份证号码的地区码无效", "The ID number's region code is not valid")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return Invalid("invalid_id_number", "身份证号码中的出生日期无效", "The ID number's birth date is not valid")
    if born.year < 1900 or (today is not None and born > today):
        return Invalid("invalid_id_number", "身份证号码中的出生日期无效", "The ID number's birth date is not valid")
    total = sum(int(d) * w for d, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != v[17]:
        return Invalid("invalid_id_number", "身份证号码校验位错误", "The ID number's check digit is wrong")
    return None


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def birth_date_from_id(value: str) -> date:
    v = normalize_id_number(value)
    return date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def age_on(value: str, day: date) -> int:
    born = birth_date_from_id(value)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_uscc(value: str) -> Invalid | None:
    try:
        _uscc.validate(value.strip().upper())
    except _StdnumError:
        return Invalid(
            "invalid_uscc", "统一社会信用代码无效(应为18位且校验位正确)", "The unified social credit code is not valid"
        )
    return None


def check_phone(value: str) -> Invalid | None:
    if not _PHONE.match(value.strip()):
        return Invalid(
            "invalid_phone", "手机号码应为以1开头的11位数字", "A mobile number has 11 digits starting with 1"
        )
    return None
