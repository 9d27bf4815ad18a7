from __future__ import annotations

import json
import logging

from smarthall.core.logging import JsonFormatter, request_id_var


def test_log_lines_are_json_with_request_id_and_masked_personal_data():
    record = logging.LogRecord(
        "smarthall", logging.INFO, __file__, 1, "lookup %s by %s", ("330102199001011234", "13856785678"), None
    )
    token = request_id_var.set("rid-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    payload = json.loads(line)
    assert payload["msg"] == "lookup 3301**********1234 by 138****5678"
    assert payload["request_id"] == "rid-1" and payload["level"] == "INFO"


def test_exceptions_in_logs_are_masked_too():
    try:
        raise ValueError("bad id 330102199001011234")
    except ValueError:
        import sys

        record = logging.LogRecord("smarthall", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "330102199001011234" not in line and "3301**********1234" in line


def test_licence_numbers_in_free_text_log_lines_are_masked():
    """Issue 12 leftover: a licence number (wallet certificates, a result document's number, credit codes, real
    estate) typed into a message or an exception reaches the log masked, like ID numbers and phones."""
    numbers = [
        "H-690102-20261204-00001-LIC1",
        "CJR-690102-2024-0415",
        "HKB-690102-0008",
        "91440300MA5F8Q9X1K",
        "0012345",
    ]
    text = (
        "issued H-690102-20261204-00001-LIC1 for CJR-690102-2024-0415 (HKB-690102-0008), "
        "营业执照 91440300MA5F8Q9X1K, 江安(2019)云澜市不动产权第0012345号"
    )
    try:
        raise ValueError(f"licence {numbers[1]} not found")
    except ValueError:
        import sys

        record = logging.LogRecord("smarthall", logging.ERROR, __file__, 1, "%s", (text,), sys.exc_info())
    line = JsonFormatter().format(record)
    for number in numbers:
        assert number not in line
    assert "CJR*************0415" in line and "不动产权第***2345号" in line
    # what operators need stays readable: case numbers, ids, addresses
    record = logging.LogRecord(
        "smarthall",
        logging.INFO,
        __file__,
        1,
        "case %s document %s from %s",
        ("H-690102-20261204-00001", 12, "10.0.0.7"),
        None,
    )
    assert json.loads(JsonFormatter().format(record))["msg"] == "case H-690102-20261204-00001 document 12 from 10.0.0.7"
