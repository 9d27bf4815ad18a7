"""Webhooks end to end against receivers started on loopback: signed deliveries from the outbox, no personal data
without the scope, back-off with jitter on 500 and on a timeout, the delivery log, replay, the pause after repeated
failures (a hall rule) with an alert, and URLs that are refused."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import select

from smarthall.webhooks import policy
from tests.conftest import auth
from tests.factories import assert_problem, make_rule
from tests.webhooks.receivers import receiver

HALL = "H-690102"
OTHER_HALL = "H-690200"


def client_with_subscription(client, url, *, scopes=("events.receive",), events=("ticket.finished",)):
    admin = auth(client, "admin1")
    made = client.post(
        "/api/v1/api-clients", json={"name": "政务数据平台", "hall_code": HALL, "scopes": list(scopes)}, headers=admin
    )
    assert made.status_code == 201, made.text
    cid = made.json()["client"]["id"]
    if made.json()["client"]["four_eyes"]:  # personal.read: a second person approves (four eyes)
        approved = client.post(f"/api/v1/api-clients/{cid}/approve", headers=auth(client, "hallmanager1"))
        assert approved.status_code == 200, approved.text
    sub = client.post(f"/api/v1/api-clients/{cid}/webhooks", json={"url": url, "events": list(events)}, headers=admin)
    assert sub.status_code == 201, sub.text
    return admin, cid, sub.json()["subscription"]["id"], sub.json()["secret"]


def emit_finished(env, hall_code=HALL, ticket_id=7):
    from smarthall.core import events
    from smarthall.core.subjects import ServedSubject

    with env.db.unit_of_work() as session:
        hall_id = 1
        subject = ServedSubject(
            "ticket", str(ticket_id), hall_id, hall_code, env.clock.now(), citizen_id=3, phone="13800000000"
        )
        events.emit(session, "ticket.finished", ticket_id=ticket_id, hall_code=hall_code, subject=subject)


def relay(env, *, after: timedelta, timeout: float = 5.0):
    from smarthall.webhooks import service

    return service.deliver_due(env.db, now=env.clock.now() + after, timeout=timeout)


def test_a_delivery_is_signed_and_carries_no_personal_data_without_the_scope(client, env):
    with receiver("ok") as rec:
        admin, _, sub_id, secret = client_with_subscription(client, rec.url)
        emit_finished(env)
        emit_finished(env, hall_code=OTHER_HALL)  # a hall the client does not reach
        assert len(rec.got) == 1  # the relay ran after the commit
        got = rec.got[0]
        ts = int(got["headers"]["x-smarthall-timestamp"])
        assert policy.verify(secret, ts, got["body"], got["headers"]["x-smarthall-signature"], now=ts + 10)
        assert not policy.verify("whsec_wrong", ts, got["body"], got["headers"]["x-smarthall-signature"], now=ts)
        assert not policy.verify(secret, ts, got["body"], got["headers"]["x-smarthall-signature"], now=ts + 301)
        body = json.loads(got["body"])
        assert body["event"] == "ticket.finished" and body["hall_code"] == HALL
        assert body["data"]["ticket_id"] == 7 and "subject" not in body["data"]
        assert "13800000000" not in got["body"].decode()
        assert got["headers"]["x-smarthall-delivery"] == body["id"]
        log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=admin).json()
        assert [d["status"] for d in log] == ["delivered"] and log[0]["log"][0]["status_code"] == 200


def test_personal_data_only_with_the_scope(client, env):
    with receiver("ok") as rec:
        client_with_subscription(client, rec.url, scopes=("events.receive", "personal.read"))
        emit_finished(env)
        body = json.loads(rec.got[0]["body"])
        assert body["data"]["subject"]["phone"] == "13800000000"


def test_500_backs_off_with_jitter_pauses_after_the_rule_alerts_then_resume_and_replay(client, env):
    from smarthall.audit.models import AuditEvent
    from smarthall.notify.models import Message

    with receiver("fail") as rec:
        admin, _, sub_id, _ = client_with_subscription(client, rec.url)
        emit_finished(env)  # attempt 1, inline after commit
        log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=admin).json()
        first = log[0]
        assert first["status"] == "pending" and first["attempts"] == 1 and first["last_status"] == 500
        wait = (
            __import__("datetime").datetime.fromisoformat(first["next_attempt_at"]) - env.clock.now()
        ).total_seconds()
        assert 15 <= wait <= 30  # 30 s with jitter between half and all of it
        assert relay(env, after=timedelta(seconds=5)) == 0  # not due yet
        elapsed = timedelta()
        for _ in range(4):  # attempts 2..5: the fifth failure in a row pauses (platform default 5)
            elapsed += timedelta(hours=7)
            assert relay(env, after=elapsed) == 1
        subs = client.get(f"/api/v1/api-clients/{_client_id(client, admin)}/webhooks", headers=admin).json()
        assert subs[0]["status"] == "paused" and subs[0]["consecutive_failures"] == 5
        assert relay(env, after=elapsed + timedelta(hours=7)) == 0  # paused: nothing goes out
        with env.db.unit_of_work(write=False) as session:
            alerts = session.execute(select(Message).where(Message.template == "webhooks.paused")).scalars().all()
            paused = session.execute(select(AuditEvent).where(AuditEvent.action == "webhook.paused")).scalars().all()
        assert alerts and paused
        assert len(rec.got) == 5
        rec.mode = "ok"
        resumed = client.post(f"/api/v1/webhooks/{sub_id}/resume", headers=admin)
        assert resumed.status_code == 200 and resumed.json()["status"] == "active"
        assert len(rec.got) == 6  # what was pending went out right after the resume
        log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=admin).json()
        assert log[0]["status"] == "delivered" and len(log[0]["log"]) == 6
        replayed = client.post(f"/api/v1/webhook-deliveries/{log[0]['id']}/replay", headers=admin)
        assert replayed.status_code == 201, replayed.text
        assert replayed.json()["event_id"] == log[0]["event_id"] and replayed.json()["replay_of"] == log[0]["id"]
        assert len(rec.got) == 7  # the replay went out after its commit
        assert json.loads(rec.got[-1]["body"])["id"] == log[0]["event_id"]


def _client_id(client, admin):
    return client.get("/api/v1/api-clients", headers=admin).json()[-1]["id"]


def test_a_hall_override_of_the_pause_rule_changes_when_it_pauses(client, env):
    with env.db.unit_of_work() as session:
        make_rule(session, key="webhooks.pause_after_failures", scope_code=HALL, value=2)
    with receiver("fail") as rec:
        admin, cid, sub_id, _ = client_with_subscription(client, rec.url)
        emit_finished(env)
        assert relay(env, after=timedelta(hours=7)) == 1
        subs = client.get(f"/api/v1/api-clients/{cid}/webhooks", headers=admin).json()
        assert subs[0]["status"] == "paused" and subs[0]["consecutive_failures"] == 2


def test_a_receiver_that_times_out_counts_as_a_failure(client, env):
    env.settings.webhook_timeout_seconds = 0.3
    with receiver("slow") as rec:
        admin, _, sub_id, _ = client_with_subscription(client, rec.url)
        started = time.monotonic()
        emit_finished(env)
        assert time.monotonic() - started < 2.5  # the sender did not wait for the slow receiver (3 s)
        log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=admin).json()
        assert log[0]["status"] == "pending" and log[0]["log"][0]["error"] == "timeout"
        assert log[0]["log"][0]["status_code"] is None


def test_refused_urls_and_a_client_that_may_not_receive(client, env):
    admin = auth(client, "admin1")
    made = client.post(
        "/api/v1/api-clients", json={"name": "x", "hall_code": HALL, "scopes": ["events.receive"]}, headers=admin
    ).json()
    cid = made["client"]["id"]
    for url, code in [
        ("ftp://example.org/hook", "webhook_url_scheme"),
        ("file:///etc/passwd", "webhook_url_scheme"),
        ("javascript:alert(1)", "webhook_url_scheme"),
        ("http://testserver/api/v1/auth/token", "webhook_url_self"),  # the platform this request reached
        ("http://user:pw@example.org/hook", "webhook_url_invalid"),
    ]:
        refused = client.post(
            f"/api/v1/api-clients/{cid}/webhooks", json={"url": url, "events": ["case.finished"]}, headers=admin
        )
        assert_problem(refused, 422, code)
    unknown = client.post(
        f"/api/v1/api-clients/{cid}/webhooks", json={"url": "https://example.org/h", "events": ["nope"]}, headers=admin
    )
    assert_problem(unknown, 422, "webhook_event_unknown")
    mute = client.post("/api/v1/api-clients", json={"name": "y", "hall_code": HALL, "scopes": []}, headers=admin)
    refused = client.post(
        f"/api/v1/api-clients/{mute.json()['client']['id']}/webhooks",
        json={"url": "https://example.org/h", "events": ["case.finished"]},
        headers=admin,
    )
    assert_problem(refused, 409, "webhook_scope_missing")
    assert client.get(f"/api/v1/api-clients/{cid}/webhooks", headers=admin).json() == []


def test_the_platforms_public_address_is_refused():
    assert policy.url_refusal("https://zwfw.example.gov.cn/x", ["zwfw.example.gov.cn:443"]) == "webhook_url_self"
    assert policy.url_refusal("http://0.0.0.0:8000/x", ["127.0.0.1:8000"]) == "webhook_url_self"
    assert policy.url_refusal("http://127.0.0.1:9000/x", ["127.0.0.1:8000"]) is None
    assert policy.backoff(1) <= timedelta(seconds=30) and policy.backoff(30) <= policy.MAX_DELAY


def test_link_local_and_metadata_receivers_are_refused(env, client, monkeypatch):
    """Probe: a hall admin subscribed a webhook to the cloud metadata service (http://169.254.169.254/…); the
    deliverer POSTed there and recorded the answer's status (a blind SSRF oracle). Refused when subscribing, and a
    name that resolves to such an address at send time is not contacted."""
    admin = auth(client, "admin1")
    made = client.post(
        "/api/v1/api-clients", json={"name": "ssrf", "hall_code": HALL, "scopes": ["events.receive"]}, headers=admin
    ).json()
    cid = made["client"]["id"]
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://0.0.0.0:6379/",
        "http://224.0.0.1/hook",
    ):
        refused = client.post(
            f"/api/v1/api-clients/{cid}/webhooks", json={"url": url, "events": ["case.finished"]}, headers=admin
        )
        assert_problem(refused, 422, "webhook_url_internal")
    assert policy.url_refusal("http://10.20.30.40/hook", []) is None  # intranet receivers stay allowed

    # a name that resolves to the metadata address when the event is sent (DNS answers are the attacker's):
    # the delivery fails without a connection, and the log says why
    import socket

    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "receiver.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    admin, _, sub_id, _ = client_with_subscription(client, "http://receiver.example.org/hook")
    emit_finished(env)
    relay(env, after=timedelta(minutes=1))
    log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=admin).json()
    assert log and all(a["error"] == "refused: internal address" and a["status_code"] is None for a in log[0]["log"])


class FlippingResolver:
    """A DNS answer that changes between calls (rebinding): the first lookup of ``name`` gets ``first``, every later
    one ``then``; other names resolve as usual. Counts the lookups of ``name``."""

    def __init__(self, name: str, first: str, then: str) -> None:
        import socket

        self.name, self.first, self.then, self.calls, self._real = name, first, then, 0, socket.getaddrinfo

    def __call__(self, host, port, *args, **kwargs):
        import socket

        if host != self.name:
            return self._real(host, port, *args, **kwargs)
        self.calls += 1
        address = self.first if self.calls == 1 else self.then
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 80)))]


def test_the_checked_address_is_the_one_connected_to_when_dns_rebinds(client, env, monkeypatch):
    """Probe: the send checked the name's address and then let the HTTP client resolve it again; a name answering
    an allowed address first and another one next reached the second. Now the name is resolved once per send and
    the connection goes to the checked address, with the Host header still the name. Two receivers share one port:
    the checked one on 127.0.0.1 and the one the second answer points at on 127.0.0.2."""
    import socket

    with receiver("ok") as checked:
        port = int(checked.url.rsplit(":", 1)[1].split("/", 1)[0])
        with receiver("ok", host="127.0.0.2", port=port) as elsewhere:
            flipping = FlippingResolver("hooks.example.test", "127.0.0.1", "127.0.0.2")
            monkeypatch.setattr(socket, "getaddrinfo", flipping)
            admin, _, sub_id, _ = client_with_subscription(client, f"http://hooks.example.test:{port}/hook")
            emit_finished(env)
            relay(env, after=timedelta(minutes=1))
    assert len(checked.got) == 1 and elsewhere.got == [] and flipping.calls == 1
    assert checked.got[0]["headers"]["host"] == f"hooks.example.test:{port}"
    log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=admin).json()
    assert log[0]["status"] == "delivered"


def test_an_answer_with_any_internal_address_is_refused_and_literals_and_ipv6_are_pinned_as_given(monkeypatch):
    import socket

    from smarthall.webhooks import service

    def mixed(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]  # fmt: skip

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    assert service._pin("http://hooks.example.test/hook") == "refused: internal address"

    def v6(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::7", port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", v6)
    pinned = service._pin("https://Hooks.Example.test:8443/a?b=1")
    assert not isinstance(pinned, str)
    assert pinned.url == "https://[2001:db8::7]:8443/a?b=1" and pinned.host_header == "hooks.example.test:8443"
    assert pinned.sni == "hooks.example.test"
    literal = service._pin("http://10.20.30.40:81/x")
    assert not isinstance(literal, str) and literal.url == "http://10.20.30.40:81/x" and literal.sni is None

    def nothing(host, port, *args, **kwargs):
        raise socket.gaierror("no such name")

    monkeypatch.setattr(socket, "getaddrinfo", nothing)
    assert service._pin("http://nowhere.example.test/x") == "dns: the name does not resolve"


def test_over_tls_the_pinned_connection_still_names_the_host_and_checks_its_certificate(client, env, monkeypatch):
    """HTTPS to the pinned address: the TLS server name (SNI) and the certificate check are the subscription's
    name, not the address; a certificate for another name fails the send."""
    import socket

    from smarthall.webhooks import service
    from tests.webhooks.receivers import tls_pair

    server_ctx, client_ctx = tls_pair("hooks.example.test")
    with receiver("ok", tls=server_ctx) as secure:
        port = int(secure.url.rsplit(":", 1)[1].split("/", 1)[0])
        monkeypatch.setattr(socket, "getaddrinfo", FlippingResolver("hooks.example.test", "127.0.0.1", "127.0.0.1"))
        admin, _, sub_id, _ = client_with_subscription(client, f"https://hooks.example.test:{port}/hook")
        emit_finished(env)  # the inline attempt trusts the system's CAs only: the test CA's certificate fails it
        service.deliver_due(env.db, now=env.clock.now() + timedelta(minutes=1), verify=client_ctx)
        assert len(secure.got) == 1 and secure.server_names == ["hooks.example.test"] * 2
        assert secure.got[0]["headers"]["host"] == f"hooks.example.test:{port}"

        # the same receiver under a name its certificate does not carry: the handshake check fails, nothing sent
        monkeypatch.setattr(socket, "getaddrinfo", FlippingResolver("other.example.test", "127.0.0.1", "127.0.0.1"))
        _, _, other_id, _ = client_with_subscription(client, f"https://other.example.test:{port}/hook")
        emit_finished(env, ticket_id=8)
        service.deliver_due(env.db, now=env.clock.now() + timedelta(minutes=2), verify=client_ctx)
    assert "other.example.test" in secure.server_names  # the handshake was tried under that name, and refused
    assert all(got["headers"]["host"] == f"hooks.example.test:{port}" for got in secure.got)
    log = client.get(f"/api/v1/webhooks/{other_id}/deliveries", headers=admin).json()
    assert log[0]["status"] != "delivered" and log[0]["log"][0]["error"] == "ConnectError"
