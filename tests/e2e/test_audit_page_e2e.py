"""In a real browser at desktop width: the auditor reads the audit trail in words — "新增办件", "登录", "叫号" — in
Chinese and, after switching, in English; no action code, table name or target code is on the screen."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_PASSWORD, screenshot
from tests.security.test_route_sweep import Records

pytestmark = pytest.mark.e2e
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_.]+\b")  # write.insert, cases_case, assist.proxy.confirm


def test_the_auditor_reads_the_trail_in_words(env, client, live_server, page):
    if env.backend != "sqlite":
        pytest.skip("layout does not depend on the database")
    Records(env, client)
    page.goto(f"{live_server}/login?next=/audit")
    page.fill("input[name=username]", "auditor1")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/audit"))
    for lang, words in (("zh", ("新增", "登录")), ("en", ("Created", "Sign-in"))):
        page.goto(f"{live_server}/audit?lang={lang}")
        cells = page.locator("table.grid tbody").inner_text()
        assert all(w in cells for w in words), cells[:500]
        assert not CODE.search(cells), CODE.search(cells)
        screenshot(page, f"trust5-audit-{lang}")
