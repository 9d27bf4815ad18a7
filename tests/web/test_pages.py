from __future__ import annotations


def _login(client, username, password="smarthall-demo"):
    return client.post("/login", data={"username": username, "password": password, "next": "/"}, follow_redirects=False)


def test_public_home_lists_halls_in_chinese(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "澜湖区政务服务中心" in page.text and "登录" in page.text
    assert 'lang="zh-CN"' in page.text


def test_english_is_switchable_and_remembered(client):
    page = client.get("/?lang=en")
    assert "Sign in" in page.text and 'lang="en"' in page.text
    assert client.cookies.get("smarthall_lang") == "en"
    assert "Sign in" in client.get("/login").text


def test_failed_login_shows_a_message(client):
    response = _login(client, "clerk1", "wrong-pass1")
    assert response.status_code == 401 and "用户名或密码错误" in response.text


def test_role_home_pages(client):
    assert _login(client, "clerk1").status_code == 303
    home = client.get("/")
    assert "窗口受理员" in home.text and "/admin/catalog" in home.text and "/audit" not in home.text
    client.post("/logout", headers={"Origin": "http://testserver"})
    _login(client, "auditor1")
    home = client.get("/")
    assert "安全审计员" in home.text and "/audit" in home.text and "/admin/catalog" not in home.text


def test_catalog_browser_needs_login_and_the_right_role(client):
    anonymous = client.get("/admin/catalog", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    _login(client, "auditor1")
    assert client.get("/admin/catalog").status_code == 403


def test_catalog_browser_lists_and_filters(client):
    _login(client, "clerk1")
    page = client.get("/admin/catalog")
    assert "共 45 项" in page.text and "湖滨街道便民服务站" in page.text
    partial = client.get("/admin/catalog", params={"q": "注销"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.text and "个体工商户注销登记" in partial.text
    township = client.get("/admin/catalog", params={"hall_code": "H-690102001"})
    assert "湖滨街道便民服务站" in township.text


def test_item_and_hall_pages(client):
    _login(client, "clerk1")
    item = client.get("/admin/catalog/items/SC-003")
    assert "个体工商户注销登记申请书" in item.text and "share.税务.clearance_status" in item.text
    assert client.get("/admin/catalog/items/NOPE-1").status_code == 404
    hall = client.get("/admin/catalog/halls/H-690102")
    assert "综合受理1号窗口" in hall.text


def test_user_input_is_escaped(client):
    _login(client, "clerk1")
    page = client.get("/admin/catalog", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_staff_and_audit_pages(client):
    _login(client, "hallmanager1")
    staff = client.get("/admin/staff")
    assert staff.status_code == 200 and "clerk1" in staff.text and "周敏华" not in staff.text
    client.post("/logout", headers={"Origin": "http://testserver"})
    _login(client, "auditor1")
    audit = client.get("/audit")
    assert audit.status_code == 200 and "auth.login" in audit.text and "哈希链完整" in audit.text
