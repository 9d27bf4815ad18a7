"""The webhook page in a real browser (desktop): a hall manager sees subscriptions and deliveries in words, with
attempts, and resends one; screenshots kept for review."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.conftest import screenshot
from tests.e2e.test_consult_pages import login
from tests.webhooks.receivers import receiver
from tests.webhooks.test_delivery import client_with_subscription, emit_finished, relay

SHOTS = Path("/tmp/open-shots")


def test_a_hall_manager_reads_deliveries_and_resends(live_server: str, page: Any, env: Any, client: Any) -> None:
    if env.backend != "sqlite":
        return
    with receiver("ok") as good, receiver("fail") as bad:
        client_with_subscription(client, good.url, events=("ticket.finished", "case.finished"))
        client_with_subscription(client, bad.url)
        emit_finished(env)
        relay(env, after=timedelta(minutes=2))
        page.set_viewport_size({"width": 1366, "height": 900})
        login(page, live_server, "hallmanager1", "/admin/webhooks")
        assert page.locator("h1").inner_text() == "事件推送监控"
        table = page.locator("[data-testid=webhook-deliveries]").inner_text()
        assert "已送达" in table and "待推送" in table and "HTTP 500" in table and "下次重试" in table
        assert "ticket.finished" not in table and "pending" not in table
        path = screenshot(page, "webhooks-page")
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)
        before = len(good.got)
        page.locator("[data-testid=webhook-deliveries] button", has_text="重发").first.click()
        page.wait_for_load_state()
        assert page.locator("[data-testid=webhook-resent]").count() == 1
        assert len(good.got) + len(bad.got) > before
