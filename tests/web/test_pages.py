"""Shell and catalog pages over HTTP: Chinese first, English on request, each page behind its permission."""

from __future__ import annotations


def _login(client, username, password="smarthall-demo"):
    return client.post("/login", data={"username": username, "password": password, "next": "/"}, follow_redirects=False)


class TestShell:
    """The public home, the language switch, login and the role homes."""

    def test_public_home_lists_halls_in_chinese(self, client):
        page = client.get("/")
        assert page.status_code == 200
        assert "澜湖区政务服务中心" in page.text and "登录" in page.text
        assert 'lang="zh-CN"' in page.text

    def test_english_is_switchable_and_remembered(self, client):
        page = client.get("/?lang=en")
        assert "Sign in" in page.text and 'lang="en"' in page.text
        assert client.cookies.get("smarthall_lang") == "en"
        assert "Sign in" in client.get("/login").text

    def test_failed_login_shows_a_message(self, client):
        response = _login(client, "clerk1", "wrong-pass1")
        assert response.status_code == 401 and "用户名或密码错误" in response.text

    def test_role_home_pages(self, client):
        assert _login(client, "clerk1").status_code == 303
        home = client.get("/")
        assert "窗口受理员" in home.text and "/admin/catalog" in home.text and "/audit" not in home.text
        client.post("/logout", headers={"Origin": "http://testserver"})
        _login(client, "auditor1")
        home = client.get("/")
        assert "安全审计员" in home.text and "/audit" in home.text and "/admin/catalog" not in home.text


class TestCatalogBrowser:
    """The catalog browser: hall tree, search, item and hall pages."""

    def test_catalog_browser_needs_login_and_the_right_role(self, client):
        anonymous = client.get("/admin/catalog", follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
        _login(client, "auditor1")
        refused = client.get("/admin/catalog")
        assert refused.status_code == 403 and "您的角色无权访问此页面" in refused.text

    def test_catalog_browser_lists_and_filters(self, client):
        _login(client, "clerk1")
        page = client.get("/admin/catalog")
        assert "共 45 项" in page.text and "湖滨街道便民服务站" in page.text
        partial = client.get("/admin/catalog", params={"q": "注销"}, headers={"HX-Request": "true"})
        assert "<html" not in partial.text and "个体工商户注销登记" in partial.text
        township = client.get("/admin/catalog", params={"hall_code": "H-690102001"})
        assert "湖滨街道便民服务站" in township.text

    def test_item_and_hall_pages(self, client):
        _login(client, "clerk1")
        item = client.get("/admin/catalog/items/SC-003")
        assert "个体工商户注销登记申请书" in item.text and "share.税务.clearance_status" in item.text
        missing = client.get("/admin/catalog/items/NOPE-1")
        assert missing.status_code == 404 and "未找到该服务事项" in missing.text
        hall = client.get("/admin/catalog/halls/H-690102")
        assert "综合受理1号窗口" in hall.text

    def test_user_input_is_escaped(self, client):
        _login(client, "clerk1")
        page = client.get("/admin/catalog", params={"q": "<script>alert(1)</script>"})
        assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


class TestStaffAndAudit:
    """The staff list and the audit view."""

    def test_staff_and_audit_pages(self, client):
        _login(client, "hallmanager1")
        staff = client.get("/admin/staff")
        assert staff.status_code == 200 and "clerk1" in staff.text and "周敏华" not in staff.text
        client.post("/logout", headers={"Origin": "http://testserver"})
        _login(client, "auditor1")
        audit = client.get("/audit")
        assert audit.status_code == 200 and "auth.login" in audit.text and "哈希链完整" in audit.text


class TestHallsOwnValues:
    """The catalog pages show an item as the chosen hall offers it."""

    def test_the_item_page_shows_the_halls_values_and_a_link_to_change_them(self, env, client):
        from tests.factories import make_item_override

        with env.db.unit_of_work() as session:
            make_item_override(session, hall_code="H-690102", item_code="GA-006", promised_limit_workdays=5)
        _login(client, "hallmanager1")
        page = client.get("/admin/catalog/items/GA-006")
        assert "15 / 5" in page.text and "本大厅设置" in page.text and 'data-testid="edit-local"' in page.text
        other = client.get("/admin/catalog/items/GA-006", params={"hall_code": "H-690100"})
        assert "15 / 7" in other.text and 'data-testid="edit-local"' not in other.text  # not the manager's hall
        hall = client.get("/admin/catalog/halls/H-690102")
        assert "普通护照签发" in hall.text and "承诺时限 5 个工作日" in hall.text

    def test_a_clerk_reads_the_settings_page_but_cannot_post(self, client):
        _login(client, "clerk1")
        url = "/admin/catalog/halls/H-690102/items/GA-006/override"
        page = client.get(url)
        assert page.status_code == 200 and "修改须由大厅主任或系统管理员进行" in page.text
        refused = client.post(url, data={"enabled": "off"}, headers={"Origin": "http://testserver"})
        assert refused.status_code == 403 and "您的角色无权访问此页面" in refused.text

    def test_a_refused_setting_is_named_on_the_page(self, client):
        _login(client, "hallmanager1")
        url = "/admin/catalog/halls/H-690102/items/GA-006/override"
        page = client.post(
            url,
            data={
                "enabled": "inherit",
                "promised_limit_workdays": "16",
                "fee_note_inherit": "1",
                "windows_inherit": "1",
            },
            headers={"Origin": "http://testserver"},
        )
        assert page.status_code == 422 and "承诺时限不得超过法定时限(15个工作日)" in page.text
        stale = client.post(
            url,
            data={
                "enabled": "off",
                "promised_inherit": "1",
                "fee_note_inherit": "1",
                "windows_inherit": "1",
                "version": "3",
            },
            headers={"Origin": "http://testserver"},
        )
        assert stale.status_code == 409 and "已被他人修改" in stale.text
        assert "尚无本大厅设置" in client.get(url).text
