"""The audit trail is hash-chained: altering, deleting or truncating rows is caught, by the API and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import delete, select, update

from smarthall.audit.models import AuditEvent
from smarthall.audit.service import _content
from tests.conftest import auth


def _unkeyed(content: dict) -> str:
    """What an attacker without the audit key can compute: the plain SHA-256 the chain used to be."""
    import hashlib
    import json

    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _cli_verify(env) -> subprocess.CompletedProcess[str]:
    return audit_cli(env, "verify")


def audit_cli(env, command: str) -> subprocess.CompletedProcess[str]:
    """``smarthall audit <command>`` in a separate process on the test's database and data directory."""
    environ = {
        **os.environ,
        "SMARTHALL_DATABASE_URL": env.settings.resolved_database_url,
        "SMARTHALL_DATA_DIR": str(env.settings.data_dir),
        "SMARTHALL_FIELD_KEY": env.settings.field_key or "",
        "SMARTHALL_LOG_JSON": "false",
    }
    return subprocess.run(
        [sys.executable, "-m", "smarthall.cli", "audit", command],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _make_events(client) -> None:
    for user in ("clerk1", "clerk2", "guide1"):
        auth(client, user)
    client.post("/api/v1/auth/token", data={"username": "clerk1", "password": "bad-pass-1"})
    headers = auth(client, "admin1")
    client.post("/api/v1/catalog/import", content=b"{}", headers=headers)  # refused: still logged as a login


def test_intact_chain_verifies(env, client):
    _make_events(client)
    result = _cli_verify(env)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout
    assert client.get("/api/v1/audit/verify", headers=auth(client, "auditor1")).json()["ok"] is True


def test_altered_row_is_named(env, client):
    _make_events(client)
    with env.db.unit_of_work() as session:
        target = session.execute(select(AuditEvent).where(AuditEvent.seq == 3)).scalar_one()
        session.execute(update(AuditEvent).where(AuditEvent.id == target.id).values(outcome="denied"))
    result = _cli_verify(env)
    assert result.returncode == 1
    assert "seq 3" in result.stderr and "content does not match" in result.stderr


def test_deleted_row_is_caught(env, client):
    _make_events(client)
    with env.db.unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    result = _cli_verify(env)
    assert result.returncode == 1 and "seq 3" in result.stderr and "missing" in result.stderr


def test_deleted_tail_is_caught(env, client):
    _make_events(client)
    with env.db.unit_of_work() as session:
        last = session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())).scalars().first()
        session.execute(delete(AuditEvent).where(AuditEvent.seq == last))
    result = _cli_verify(env)
    assert result.returncode == 1 and "at the end" in result.stderr


def test_rewritten_row_with_recomputed_hash_breaks_the_next_link(env, client):
    _make_events(client)
    with env.db.unit_of_work() as session:
        row = session.execute(select(AuditEvent).where(AuditEvent.seq == 2)).scalar_one()
        row.actor_id = "someone-else"
        row.hash = _unkeyed(_content(row))
    result = _cli_verify(env)
    assert result.returncode == 1 and "seq 2" in result.stderr and "content does not match" in result.stderr


def test_staff_writes_are_audited_without_values(env, client):
    client.post("/api/v1/catalog/import", content=b"{}", headers=auth(client, "admin1"))
    from smarthall.catalog.importer import import_catalog
    from smarthall.core.tenancy import Actor
    from smarthall.demo import demo_catalog_text

    staff_actor = Actor(kind="staff", id=1, role="admin", username="admin1", hall_code="H-690102")
    with env.db.unit_of_work() as session:
        session.info["actor"] = staff_actor
        import json

        data = json.loads(demo_catalog_text())
        data["items"][0]["name"] = "企业设立登记(测试改名)"
        import_catalog(session, json.dumps(data, ensure_ascii=False))
    events = client.get(
        "/api/v1/audit/events", params={"action": "write.update"}, headers=auth(client, "auditor1")
    ).json()
    item_updates = [e for e in events if e["target_type"] == "catalog_item"]
    assert any("name" in e["detail"].get("columns", []) for e in item_updates)
    assert all(e["actor_id"] == "admin1" for e in item_updates)
    assert "测试改名" not in str(events)


def test_concurrent_appends_keep_one_chain(env, live_server):
    import threading

    import httpx

    errors: list[str] = []

    def hammer(user: str) -> None:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            for _ in range(5):
                r = http.post("/api/v1/auth/token", data={"username": user, "password": "wrong-but-logged1"})
                if r.status_code != 401:
                    errors.append(r.text)

    threads = [threading.Thread(target=hammer, args=(f"nobody{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = _cli_verify(env)
    assert result.returncode == 0, result.stderr
    assert "40 rows" in result.stdout or int(result.stdout.split(":")[1].split()[0]) >= 40
