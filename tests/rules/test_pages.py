"""The rules admin page and the calendar page over HTTP: words not codes, read for hall managers and auditors,
changes by administrators at the scopes they supervise, refusals shown beside the rule."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import make_rule, make_staff

HALL = "H-690102"
ORIGIN = {"Origin": "http://testserver"}


def _login(client: Any, username: str) -> None:
    r = client.post("/login", data={"username": username, "password": "smarthall-demo"}, follow_redirects=False)
    assert r.status_code == 303


def _set(client: Any, key: str, scope: str, value: str, **more: Any) -> Any:
    data = {"scope_code": scope, "hall_code": HALL, "value": value, **more}
    return client.post(f"/admin/rules/{key}", data=data, headers=ORIGIN, follow_redirects=False)


class TestReading:
    def test_every_rule_has_its_words(self):
        from smarthall.core.i18n import message
        from smarthall.rules.definitions import RULES

        for definition in RULES.values():
            assert message(f"rule.{definition.key}"), definition.key
            assert message(f"rules.domain.{definition.domain}"), definition.domain
            assert not definition.unit or message(f"unit.{definition.unit}"), definition.unit
            assert not definition.zero or message(f"rules.zero.{definition.zero}"), definition.zero

    def test_every_rule_is_shown_in_words_with_its_source(self, env, client):
        with env.db.unit_of_work() as session:
            make_rule(session, key="queue.long_wait_minutes", scope_code="690102", value=40)
        _login(client, "auditor1")
        page = client.get("/admin/rules")
        assert page.status_code == 200
        assert "澜湖区政务服务中心" in page.text and "迟到宽限" in page.text and "15 分钟" in page.text
        assert "长时间等待阈值" in page.text and "40 分钟" in page.text and "县(区)级" in page.text
        assert "保管期限" in page.text and "永久" in page.text and "其他类型" in page.text
        assert 'data-testid="set-form"' not in page.text and "修改须由系统管理员进行" in page.text
        visible = re.sub(r"<[^>]+>", " ", page.text)  # codes may appear in attributes, never as words
        assert "grace_minutes" not in visible and "county" not in visible and "platform" not in visible

    def test_in_english(self, client):
        _login(client, "hallmanager1")
        page = client.get("/admin/rules", params={"lang": "en"})
        assert "Late arrival grace" in page.text and "15 minutes" in page.text and "platform default" in page.text

    def test_the_history_fragment_lists_changes_in_words(self, env, client):
        with env.db.unit_of_work() as session:
            make_rule(session, key="appointment.grace_minutes", scope_code=HALL, value=20)
        _login(client, "hallmanager1")
        fragment = client.get(
            "/admin/rules/appointment.grace_minutes/history", params={"hall_code": HALL}, headers={"HX-Request": "true"}
        )
        assert (
            "<html" not in fragment.text
            and "设为 20 分钟" in fragment.text
            and "本大厅 · 澜湖区政务服务中心" in fragment.text
        )
        full = client.get("/admin/rules/appointment.grace_minutes/history", params={"hall_code": HALL})
        assert "<html" in full.text and "迟到宽限" in full.text

    def test_a_hall_out_of_scope_or_a_role_without_rules_is_refused(self, env, client):
        make_staff(env, username="otheradmin", role="admin", hall_code="H-690123")
        _login(client, "otheradmin")
        page = client.get("/admin/rules", params={"hall_code": HALL})
        assert page.status_code == 403 and "不在您的管辖范围内" in page.text
        client.post("/logout", headers=ORIGIN)
        _login(client, "clerk1")
        page = client.get("/admin/rules")
        assert page.status_code == 403 and "您的角色无权访问此页面" in page.text
        client.post("/logout", headers=ORIGIN)
        anonymous = client.get("/admin/rules", follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")


class TestChanging:
    def test_an_administrator_sets_and_clears_at_the_county(self, client):
        _login(client, "admin1")
        r = _set(client, "appointment.grace_minutes", "690102", "25", note="冬季")
        assert r.status_code == 303 and "saved=appointment.grace_minutes" in r.headers["location"]
        page = client.get(r.headers["location"])
        assert "已保存「迟到宽限」" in page.text and "25 分钟" in page.text and "第 1 版" in page.text
        assert "撤销「澜湖区」的设置" in page.text
        cleared = client.post(
            "/admin/rules/appointment.grace_minutes/clear",
            data={"scope_code": "690102", "hall_code": HALL},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert cleared.status_code == 303
        assert "撤销「澜湖区」的设置" not in client.get("/admin/rules").text

    def test_a_map_rule_is_set_entry_by_entry(self, env, client):
        _login(client, "admin1")
        r = client.post(
            "/admin/rules/archive.retention_years",
            data={"scope_code": HALL, "hall_code": HALL, "map_key": ["行政许可", "default"], "map_value": ["0", "15"]},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert r.status_code == 303
        from smarthall.org import service as org_service
        from smarthall.rules import service as rules_service

        with env.db.session(write=False) as session:
            value = rules_service.value(session, org_service.hall_facts(session, HALL), "archive.retention_years")
        assert value == {"行政许可": 0, "default": 15}

    def test_a_bad_value_is_shown_beside_the_rule_and_nothing_changes(self, client):
        _login(client, "admin1")
        for bad in ("500", "abc", "1.5"):
            page = _set(client, "appointment.grace_minutes", HALL, bad)
            assert (
                page.status_code == 422
                and 'data-testid="rule-error"' in page.text
                and "规则取值不符合要求" in page.text
            )
        assert "15 分钟" in client.get("/admin/rules").text

    def test_a_scope_above_ones_own_is_refused(self, client):
        _login(client, "admin1")
        page = _set(client, "appointment.grace_minutes", "690100", "20")
        assert page.status_code == 403 and "不在您的管辖范围内" in page.text

    def test_readers_cannot_post_changes(self, client):
        _login(client, "hallmanager1")
        page = _set(client, "appointment.grace_minutes", HALL, "20")
        assert page.status_code == 403 and "您的角色无权访问此页面" in page.text

    def test_an_unknown_rule_is_not_found(self, client):
        _login(client, "admin1")
        page = _set(client, "no.such_rule", HALL, "1")
        assert page.status_code == 404 and "没有这项规则" in page.text


class TestCalendarPage:
    def test_an_administrator_marks_and_removes_a_day(self, client):
        _login(client, "admin1")
        page = client.get("/admin/calendar")
        assert page.status_code == 200 and "这段时间没有本地调整" in page.text
        r = client.post(
            "/admin/calendar",
            data={
                "day": "2026-12-04",
                "is_workday": "false",
                "scope_code": "690102",
                "hall_code": HALL,
                "note": "停电",
            },
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert r.status_code == 303
        page = client.get(r.headers["location"])
        assert "2026-12-04" in page.text and "休息日" in page.text and "县(区)级" in page.text and "停电" in page.text
        r = client.post(
            "/admin/calendar/clear",
            data={"day": "2026-12-04", "scope_code": "690102", "hall_code": HALL},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert r.status_code == 303 and "2026-12-04" not in client.get("/admin/calendar").text

    def test_a_hall_manager_reads_only(self, env, client):
        from datetime import date

        from tests.factories import make_calendar_day

        with env.db.unit_of_work() as session:
            make_calendar_day(session, scope_code="690000", day=date(2026, 12, 4), is_workday=False, note="省定")
        _login(client, "hallmanager1")
        page = client.get("/admin/calendar")
        assert "省定" in page.text and "省级" in page.text and 'data-testid="calendar-form"' not in page.text
        refused = client.post(
            "/admin/calendar",
            data={"day": "2026-12-07", "scope_code": HALL, "hall_code": HALL},
            headers=ORIGIN,
            follow_redirects=False,
        )
        assert refused.status_code == 403 and "您的角色无权访问此页面" in refused.text
