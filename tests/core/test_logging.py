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
