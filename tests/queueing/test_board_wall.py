"""Issue 16 item 7: finished and skipped tickets leave the board; each queue is named by its department; the live
page of a finished ticket says it is finished and sends nobody to a window."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import auth
from tests.queueing.helpers import DISPLAY, HALL, W01, issue, sign_in


def _board(client: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_finished_and_skipped_tickets_leave_the_board(client: Any) -> None:
    first, second = issue(client, "GA-001").json(), issue(client, "GA-001").json()
    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()["id"] == first["id"]
    board = _board(client)
    assert [c["number"] for c in board["calls"]] == [first["number"]]
    assert board["queues"][0]["department_name"] == "公安局"
    assert client.post(f"/api/v1/tickets/{first['id']}/finish", headers=clerk).status_code == 200
    assert _board(client)["calls"] == []
    assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()["id"] == second["id"]
    assert [c["number"] for c in _board(client)["calls"]] == [second["number"]]
    assert client.post(f"/api/v1/tickets/{second['id']}/skip", headers=clerk).status_code == 200
    assert _board(client)["calls"] == []


def test_a_finished_tickets_page_says_so(client: Any) -> None:
    ticket = issue(client, "GA-001").json()
    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
    called = client.get(f"/tickets/{ticket['token']}")
    line = re.search(r'data-testid="live-window"[^>]*>(.*?)</p>', called.text, re.S)
    assert line and "1 号窗口" in line.group(1)
    client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=clerk)
    page = client.get(f"/tickets/{ticket['token']}")
    assert page.status_code == 200 and 'data-status="finished"' in page.text and "已办结" in page.text
    window_line = re.search(r'data-testid="live-window"[^>]*>(.*?)</p>', page.text, re.S)
    assert window_line and window_line.group(1).strip() == ""
