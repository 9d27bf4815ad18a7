from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from smarthall.core.validators import (
    age_on,
    check_id_number,
    check_phone,
    check_uscc,
    id_check_char,
    register_provinces,
)
from tests.factories import make_id_number

register_provinces(["690000"])


def test_known_good_national_id():
    assert check_id_number("11010519491231002X") is None


def test_checksum_is_checked():
    assert check_id_number("110105194912310021").code == "invalid_id_number"


def test_birth_date_is_checked():
    first17 = "11010519490230002"  # 30 February
    problem = check_id_number(first17 + id_check_char(first17))
    assert problem is not None and "出生日期" in problem.message_zh


def test_future_birth_date_is_refused():
    first17 = "11010520300101002"
    assert check_id_number(first17 + id_check_char(first17), today=date(2026, 1, 1)) is not None


def test_region_prefix_is_checked():
    first17 = "99010519491231002"
    problem = check_id_number(first17 + id_check_char(first17))
    assert problem is not None and "地区码" in problem.message_zh


def test_demo_province_prefix_is_accepted_after_registration():
    assert check_id_number("690102199003071232") is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)), st.integers(0, 999))
def test_generated_numbers_validate_and_one_changed_digit_fails(born, serial):
    number = make_id_number(born, serial=serial)
    assert check_id_number(number) is None
    position = serial % 17
    digit = str((int(number[position]) + 1) % 10)
    tampered = number[:position] + digit + number[position + 1 :]
    assert check_id_number(tampered) is not None


def test_age_from_id_number():
    assert age_on("11010519491231002X", date(2026, 11, 30)) == 76
    assert age_on(make_id_number(date(1966, 12, 1), serial=1), date(2026, 11, 30)) == 59
    assert age_on(make_id_number(date(1966, 11, 30), serial=1), date(2026, 11, 30)) == 60


def test_uscc():
    assert check_uscc("91110000600037341L") is None
    assert check_uscc("91110000600037341M") is not None
    assert check_uscc("not-a-code") is not None


def test_phone():
    assert check_phone("13800138000") is None
    for bad in ("12800138000", "1380013800", "138001380001", "abc"):
        assert check_phone(bad) is not None
