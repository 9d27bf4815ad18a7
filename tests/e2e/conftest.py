"""The counter e2e tests' one opening (issue 15): a walk-in's kiosk ticket, clerk1 signed in at window W01 in a
desktop browser. ``window_clerk(ticket)`` returns the clerk's page and the ticket's id; the browser context closes
with the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD

HALL, WINDOW, ITEM = "H-690102", "H-690102-W01", "SC-003"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}


@pytest.fixture
def window_clerk(live_server: str, browser: Any) -> Iterator[Callable[..., tuple[Any, int]]]:
    api = httpx.Client(base_url=f"{live_server}/api/v1", timeout=30)
    contexts: list[Any] = []

    def opened(**ticket: Any) -> tuple[Any, int]:
        made = api.post("/tickets", json={"hall_code": HALL, "item_code": ITEM, **ticket}, headers=KIOSK)
        assert made.status_code == 201, made.text
        ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        contexts.append(ctx)
        clerk = ctx.new_page()
        clerk.goto(f"{live_server}/login?next=/window/{WINDOW}")
        clerk.fill("input[name=username]", "clerk1")
        clerk.fill("input[name=password]", DEMO_PASSWORD)
        clerk.click("button[type=submit]")
        clerk.click("[data-testid=act-sign-in]")
        clerk.wait_for_selector("[data-testid=act-call-next]")
        return clerk, int(made.json()["id"])

    try:
        yield opened
    finally:
        for ctx in contexts:
            ctx.close()
        api.close()
