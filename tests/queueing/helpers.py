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


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """``response`` is the problem+json answer ``status`` with the stable error ``code``; its body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def refused_page(response: Any, status: int, message: str) -> None:
    """A page answered ``status`` and shows the person ``message`` (what a page has instead of a problem code)."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert message in response.text, response.text[:2000]
