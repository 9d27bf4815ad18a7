"""Device faults reach the hall manager's live console over its SSE channel (issue 13 item 3, with the venue
issue): a kiosk reporting a paper jam, and the manager closing the ticket, each push a ``change`` (type
``device_fault``) to an open console stream; the console's ``/live`` then lists the fault in words, and no longer
once it is closed. A repeated report of the same fault opens no second ticket and pushes nothing."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from tests.conftest import DEMO_PASSWORD
from tests.queueing.helpers import HALL

LIVE = f"/api/v1/halls/{HALL}/live"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}


def _listen(base: str, headers: dict[str, str], seen: list[dict[str, Any]], ready: threading.Event, want: int) -> None:
    with httpx.Client(timeout=20) as c, c.stream("GET", f"{base}{LIVE}/stream", headers=headers) as r:
        assert r.status_code == 200
        event = ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                if event == "ready":
                    ready.set()
                elif event == "change":
                    seen.append(json.loads(line[5:]))
                    if sum(1 for m in seen if m["type"] == "device_fault") >= want:
                        return


def test_a_kiosk_fault_and_its_closing_are_pushed_to_the_console(live_server: str) -> None:
    with httpx.Client(base_url=live_server, timeout=30) as c:
        token = c.post("/api/v1/auth/token", data={"username": "hallmanager1", "password": DEMO_PASSWORD}).json()
        manager = {"Authorization": f"Bearer {token['access_token']}"}
        seen: list[dict[str, Any]] = []
        ready = threading.Event()
        reader = threading.Thread(target=_listen, args=(live_server, manager, seen, ready, 2), daemon=True)
        reader.start()
        assert ready.wait(10)
        beat = c.post("/api/v1/venue/heartbeat", json={"faults": ["paper_jam"], "detail": "卡纸"}, headers=KIOSK)
        assert beat.status_code == 200 and len(beat.json()["opened_faults"]) == 1, beat.text
        again = c.post("/api/v1/venue/heartbeat", json={"faults": ["paper_jam"]}, headers=KIOSK)
        assert again.status_code == 200 and again.json()["opened_faults"] == []
        fault_id = beat.json()["opened_faults"][0]
        listed = c.get(LIVE, headers=manager).json()["faults"]
        assert [(f["id"], f["kind_zh"]) for f in listed] == [(fault_id, "卡纸")], listed
        closed = c.post(f"/api/v1/venue/faults/{fault_id}/actions", json={"action": "close"}, headers=manager)
        assert closed.status_code == 200, closed.text
        reader.join(10)
        assert c.get(LIVE, headers=manager).json()["faults"] == []
    pushed = [(m["fault_id"], m["kind"], m["status"]) for m in seen if m["type"] == "device_fault"]
    assert pushed == [(fault_id, "paper_jam", "open"), (fault_id, "paper_jam", "closed")], seen  # the repeat: nothing
