"""The webhook page (事件推送监控) over HTTP: a hall manager sees the hall's clients, subscriptions and latest
deliveries with status and attempts in words, resends one (a new delivery with the same event id reaches the
receiver) and resumes a paused subscription; a clerk and another hall's manager see nothing of it."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import assert_refused_page, make_rule, make_staff
from tests.webhooks.receivers import receiver
from tests.webhooks.test_delivery import client_with_subscription, emit_finished, relay

ORIGIN = {"Origin": "http://testserver"}


def login(client, username):
    r = client.post("/login", data={"username": username, "password": "smarthall-demo"}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_a_hall_manager_sees_deliveries_in_words_and_resends_one(client, env):
    with receiver("ok") as rec:
        _, _, sub_id, _ = client_with_subscription(client, rec.url)
        emit_finished(env)
        assert len(rec.got) == 1
        client.cookies.clear()
        login(client, "hallmanager1")
        page = client.get("/admin/webhooks")
        assert page.status_code == 200, page.text
        html = page.text
        assert "事件推送监控" in html and "政务数据平台" in html and rec.url in html
        assert "取号办结" in html and "已送达" in html and "HTTP 200" in html
        assert "ticket.finished" not in html and ">delivered<" not in html  # words, not codes
        delivery_id = int(html.split('data-testid="delivery-')[1].split('"')[0])
        resent = client.post(f"/admin/webhooks/deliveries/{delivery_id}/resend", headers=ORIGIN, follow_redirects=False)
        assert resent.status_code == 303, resent.text
        assert len(rec.got) == 2  # the relay ran after the commit
        assert rec.got[0]["headers"]["x-smarthall-delivery"] == rec.got[1]["headers"]["x-smarthall-delivery"]
        after = client.get(resent.headers["location"]).text
        assert f"已安排重发推送 {delivery_id}" in after and f"重发自 {delivery_id}" in after


def test_a_paused_subscription_shows_and_is_resumed_from_the_page(client, env):
    with env.db.unit_of_work() as session:
        make_rule(session, key="webhooks.pause_after_failures", scope_code="H-690102", value=2)
    with receiver("fail") as rec:
        _, _, sub_id, _ = client_with_subscription(client, rec.url)
        emit_finished(env)
        assert relay(env, after=timedelta(hours=7)) == 1
        client.cookies.clear()
        login(client, "hallmanager1")
        html = client.get("/admin/webhooks").text
        assert "已暂停" in html and "连续失败 2 次" in html and "HTTP 500" in html and "恢复推送" in html
        resumed = client.post(f"/admin/webhooks/subscriptions/{sub_id}/resume", headers=ORIGIN, follow_redirects=False)
        assert resumed.status_code == 303
        assert "推送中" in client.get("/admin/webhooks").text


def test_a_clerk_and_another_halls_manager_are_kept_out(client, env):
    with receiver("ok") as rec:
        _, _, sub_id, _ = client_with_subscription(client, rec.url)
        emit_finished(env)
        client.cookies.clear()
        login(client, "clerk1")
        assert "webhook-deliveries" not in client.get("/admin/webhooks").text
        refused = client.post("/admin/webhooks/deliveries/1/resend", headers=ORIGIN, follow_redirects=False)
        assert_refused_page(refused, 403, "forbidden_role")
        assert len(rec.got) == 1
        make_staff(env, username="othermanager", role="hall_manager", hall_code="H-690200")
        client.cookies.clear()
        login(client, "othermanager")
        html = client.get("/admin/webhooks").text
        assert "政务数据平台" not in html and rec.url not in html and "尚无推送记录" in html
        other = client.post("/admin/webhooks/deliveries/1/resend", headers=ORIGIN, follow_redirects=False)
        assert other.status_code == 404 and "webhook-error" in other.text
        gone = client.post(f"/admin/webhooks/subscriptions/{sub_id}/resume", headers=ORIGIN, follow_redirects=False)
        assert gone.status_code == 404 and "webhook-error" in gone.text, gone.text[-1500:]
        assert len(rec.got) == 1


def test_the_page_shows_how_to_verify_a_delivery_and_the_shown_code_verifies_a_real_one(client, env):
    """Issue 16: the page pointed at a repository document (docs/open-platform.md); the instructions and the
    verification code are now on the page, in Chinese and English, and the code shown verifies a real delivery."""
    import html as html_mod
    import time

    with receiver("ok") as rec:
        _, _, _, secret = client_with_subscription(client, rec.url)
        emit_finished(env)
        got = rec.got[0]
    client.cookies.clear()
    login(client, "hallmanager1")
    zh = client.get("/admin/webhooks").text
    assert "docs/open-platform.md" not in zh
    assert "接收方如何校验推送" in zh and "X-Smarthall-Signature" in zh and "五分钟" in zh
    en = client.get("/admin/webhooks?lang=en").text
    assert "How a receiver verifies a delivery" in en and "raw body bytes" in en
    shown = html_mod.unescape(zh.split('data-testid="webhook-verify-snippet"><code>')[1].split("</code>")[0])
    scope: dict = {}
    exec(compile(shown, "shown-snippet", "exec"), scope)  # noqa: S102 - the page's own text, run as a receiver would
    verify = scope["verify"]
    headers = dict(got["headers"])
    ts = int(headers["x-smarthall-timestamp"])
    real_time = time.time
    try:
        time.time = lambda: ts + 10  # the receiver's clock: just after the (frozen-clock) delivery
        assert verify(secret, headers, got["body"])
        assert not verify(secret, headers, got["body"] + b" ")  # a changed body
        assert not verify("another-secret", headers, got["body"])
        time.time = lambda: ts + 301  # too old: a replay
        assert not verify(secret, headers, got["body"])
    finally:
        time.time = real_time
