"""Shared test helpers for queueing and appointments."""

from __future__ import annotations

from typing import Any

HALL = "H-690102"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}
DISPLAY = {"X-Device-Key": "demo-display-key"}
W01 = "H-690102-W01"
W02 = "H-690102-W02"
W05 = "H-690102-W05"


def issue(client: Any, item: str = "GA-001", headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload = {"hall_code": HALL, "item_code": item, **body}
    return client.post("/api/v1/tickets", json=payload, headers=headers or KIOSK)


def sign_in(client: Any, headers: dict[str, str], window: str = W01) -> None:
    response = client.post(f"/api/v1/windows/{window}/sign-in", headers=headers)
    assert response.status_code == 200, response.text
