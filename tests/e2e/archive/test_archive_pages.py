"""The archive pages in headless chromium: list with the last check, detail with properties and findings."""

from __future__ import annotations

import os
import stat

import pytest

from smarthall.archive import bag as bagfile
from smarthall.archive import service as archive_service
from tests.conftest import DEMO_PASSWORD, screenshot

pytestmark = pytest.mark.e2e


def test_manager_sees_packages_and_a_failed_property(env, live_server, page, cases):
    cases.add("C20261130301")
    cases.finish("C20261130301")
    cases.add("C20261130302")
    cases.finish("C20261130302")
    root = env.settings.data_dir / "archive" / "C20261130302"
    os.chmod(root, 0o750)
    os.chmod(root / "data", 0o750)
    os.chmod(root / "data" / "notice", 0o750)
    (root / "data" / "notice" / "acceptance.pdf").unlink()
    bagfile.seal(root)
    with env.db.unit_of_work() as session:
        session.info["db"] = env.db
        archive_service.check_package(session, env.settings, "C20261130302", trigger="scheduled", now=env.clock.now())

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "hallmanager1")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.get_by_text("电子档案").first.click()
    page.wait_for_url(f"{live_server}/archive")
    assert page.get_by_test_id("failed-C20261130302").is_visible()
    screenshot(page, "archive-list")
    page.get_by_role("link", name="C20261130302").click()
    assert page.get_by_test_id("applicant").inner_text() == "王*明"
    assert "✗" in page.get_by_test_id("prop-integrity").inner_text()
    assert "✓" in page.get_by_test_id("prop-authenticity").inner_text()
    assert "data/notice/acceptance.pdf" in page.get_by_test_id("check").inner_text()
    assert page.get_by_test_id("export").is_visible()
    screenshot(page, "archive-detail")
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o550
