"""The HTTP SMS gateway against a fake gateway the test starts on loopback: signed requests with the message kind
as template, receipts that update the outbox, receipts with a bad signature refused with nothing changed, and a
gateway answering 500 leaving the message failed."""

from __future__ import annotations

import json
import time
from typing import Any

from smarthall.notify import sms_http
from tests.conftest import _settings
from tests.factories import assert_problem
from tests.webhooks.receivers import receiver

KEY = "sms-gateway-test-key"


def _app(seeded: Any, tmp_path: Any, url: str) -> Any:
    from fastapi.testclient import TestClient

    from smarthall.main import create_app
    from tests.conftest import restore_snapshot

    app = create_app(_settings(seeded.url, tmp_path, sms_gateway_url=url, sms_gateway_key=KEY))
    restore_snapshot(app.state.db.engine, seeded.snapshot)
    return app, TestClient(app)


def _send(app: Any) -> int:
    from datetime import UTC, datetime

    from smarthall.notify import service

    with app.state.db.unit_of_work() as session:
        message = service.send(
            session, template="generic", params={"text": "您的证照已办结"}, now=datetime.now(UTC), phone="13800000001"
        )
        session.flush()
        return message.id


def _status(app: Any, message_id: int) -> str:
    from smarthall.notify.models import Message

    with app.state.db.unit_of_work(write=False) as session:
        return session.get(Message, message_id).status  # type: ignore[no-any-return]


def _receipt(client: Any, body: dict[str, Any], key: str = KEY, ts: int | None = None) -> Any:
    raw = json.dumps(body).encode()
    ts = int(time.time()) if ts is None else ts
    headers = {"X-Smarthall-Timestamp": str(ts), "X-Smarthall-Signature": sms_http.sign(key, ts, raw),
               "Content-Type": "application/json"}  # fmt: skip
    return client.post("/api/v1/notify/sms-receipts", content=raw, headers=headers)


def test_signed_send_and_receipts(seeded, tmp_path):
    with receiver("ok") as gateway:
        app, client = _app(seeded, tmp_path, gateway.url)
        with client:
            message_id = _send(app)
            assert len(gateway.got) == 1
            got = gateway.got[0]
            ts = int(got["headers"]["x-smarthall-timestamp"])
            assert got["headers"]["x-smarthall-signature"] == sms_http.sign(KEY, ts, got["body"])
            body = json.loads(got["body"])
            assert body == {"id": message_id, "to": "13800000001", "template": "generic", "text": "您的证照已办结"}
            assert _status(app, message_id) == "sent"
            assert_problem(_receipt(client, {"id": message_id, "status": "delivered"}, key="wrong"), 401,
                           "sms_receipt_signature")  # fmt: skip
            assert_problem(_receipt(client, {"id": message_id, "status": "delivered"}, ts=int(time.time()) - 3600),
                           401, "sms_receipt_signature")  # fmt: skip
            assert _status(app, message_id) == "sent"  # nothing changed
            ok = _receipt(client, {"id": message_id, "status": "delivered"})
            assert ok.status_code == 200, ok.text
            assert _status(app, message_id) == "delivered"
            assert_problem(_receipt(client, {"id": 10**9, "status": "failed"}), 404, "sms_message_not_found")
        app.state.db.dispose()


def test_a_failing_gateway_leaves_the_message_failed(seeded, tmp_path):
    with receiver("fail") as gateway:
        app, client = _app(seeded, tmp_path, gateway.url)
        with client:
            message_id = _send(app)
            assert len(gateway.got) == 1 and _status(app, message_id) == "failed"
        app.state.db.dispose()
