"""Serving real tickets through the queue API with the frozen clock moving, and rating them on the window pad."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.queueing.helpers import W01, issue, sign_in

HALL = "H-690102"
PAD_W01 = {"X-Device-Key": "demo-pad-w01-key"}
OTHER_HALL = "H-690123"


def serve(env: Any, client: Any, *, minutes: int, window: str = W01, clerk: str = "clerk1") -> int:
    """Issue a ticket, have ``clerk`` call it at ``window`` and finish it ``minutes`` later; its id."""
    ticket = issue(client, "GA-001").json()
    headers = auth(client, clerk)
    sign_in(client, headers, window)
    called = client.post(f"/api/v1/windows/{window}/call-next", headers=headers)
    assert called.status_code == 200 and called.json()["id"] == ticket["id"], called.text
    env.clock.advance(minutes=minutes)
    finished = client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=auth(client, clerk))
    assert finished.status_code == 200, finished.text
    return int(ticket["id"])


def pad_rate(client: Any, ticket_id: int, level: int) -> None:
    r = client.post(
        "/api/v1/evaluations", headers=PAD_W01, json={"ticket_id": ticket_id, "level": level, "channel": "window_pad"}
    )
    assert r.status_code == 201, r.text
