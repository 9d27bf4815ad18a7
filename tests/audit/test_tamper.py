"""The keyed chain and its signed checkpoints against an attacker who can write the database (but holds neither
the audit key nor the checkpoint stores): an edited, deleted, inserted or reordered event, and a truncation with the
head moved back, are caught even when every later hash and the head were recomputed; on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import delete, func, select, update

from smarthall.audit import checkpoints
from smarthall.audit import service as audit_service
from smarthall.audit.models import AuditChainHead, AuditEvent
from smarthall.audit.service import _content
from smarthall.core.crypto import audit_trust
from smarthall.core.tenancy import SYSTEM
from tests.audit.test_chain import _cli_verify, _unkeyed, audit_cli
from tests.conftest import auth
from tests.factories import assert_problem

# Uses Redis: on one xdist worker (Redis pub/sub is shared by all its databases).
pytestmark = pytest.mark.xdist_group("redis")


def _verify_chain(env):  # type: ignore[no-untyped-def]
    """The chain verified in a session closed afterwards (an open read would hold locks into the next test)."""
    with env.db.session(write=False) as session:
        return audit_service.verify_chain(session)

def _events(env, n: int = 12) -> None:
    with env.db.unit_of_work() as session:
        base = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    for i in range(n):
        with env.db.unit_of_work() as session:
            audit_service.record(session, SYSTEM, "test.tamper", target_id=f"e{base + i}")


def _last_seq(env) -> int:
    with env.db.unit_of_work() as session:
        return int(session.execute(select(func.max(AuditEvent.seq))).scalar_one() or 0)


def _rechain_unkeyed(env, from_seq: int) -> None:
    """The attacker's repair: renumber nothing, but recompute every hash from ``from_seq`` on (unkeyed, all they
    can) and move the head to the new end, as the old unkeyed chain allowed."""
    with env.db.unit_of_work() as session:
        rows = list(session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
        prev = "0" * 64
        for row in rows:
            if row.seq >= from_seq:
                row.prev_hash = prev
                row.hash = _unkeyed(_content(row))
            prev = row.hash
        session.execute(
            update(AuditChainHead).where(AuditChainHead.id == 1).values(last_seq=rows[-1].seq, last_hash=prev)
        )


def _checkpoint_cli(env) -> subprocess.CompletedProcess[str]:
    return audit_cli(env, "checkpoint")


def test_edit_with_every_later_hash_recomputed_is_named(env):
    _events(env)
    target = _last_seq(env) - 6
    with env.db.unit_of_work() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == target).values(outcome="denied"))
    _rechain_unkeyed(env, target)
    result = _cli_verify(env)
    assert result.returncode == 1
    assert f"seq {target}" in result.stderr and "content does not match" in result.stderr


def test_deletion_with_renumbering_and_recomputed_hashes_is_named(env):
    _events(env)
    last = _last_seq(env)
    target = last - 5
    with env.db.unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == target))
        for seq in range(target + 1, last + 1):
            session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq - 1))
    _rechain_unkeyed(env, target)
    result = _cli_verify(env)
    assert result.returncode == 1 and f"seq {target}" in result.stderr


def test_inserted_event_is_named(env):
    _events(env)
    last = _last_seq(env)
    target = last - 3
    with env.db.unit_of_work() as session:
        for seq in range(last, target - 1, -1):  # make room: shift the tail up by one
            session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq + 1))
        model = session.execute(select(AuditEvent).where(AuditEvent.seq == target + 1)).scalar_one()
        forged = AuditEvent(
            **{c: getattr(model, c) for c in ("at", "actor_kind", "action", "outcome", "detail", "prev_hash")},
            seq=target,
            actor_id="forged",
            hash="0" * 64,
        )
        session.add(forged)
    _rechain_unkeyed(env, target)
    result = _cli_verify(env)
    assert result.returncode == 1 and f"seq {target}" in result.stderr and "content" in result.stderr


def test_reordered_events_are_named(env):
    _events(env)
    a, b = _last_seq(env) - 4, _last_seq(env) - 2
    with env.db.unit_of_work() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == a).values(seq=-1))
        session.execute(update(AuditEvent).where(AuditEvent.seq == b).values(seq=a))
        session.execute(update(AuditEvent).where(AuditEvent.seq == -1).values(seq=b))
    result = _cli_verify(env)
    assert result.returncode == 1 and f"seq {a}" in result.stderr
    _rechain_unkeyed(env, a)  # the attacker repairs the links too: the keyed content check still names it
    result = _cli_verify(env)
    assert result.returncode == 1 and f"seq {a}" in result.stderr and "content" in result.stderr


def test_truncation_with_the_head_moved_back_is_caught_by_the_checkpoint(env):
    _events(env)
    written = _checkpoint_cli(env)
    assert written.returncode == 0 and "checkpoint written" in written.stdout, written.stderr
    last = _last_seq(env)
    with env.db.unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq > last - 3))
        kept = session.execute(select(AuditEvent).where(AuditEvent.seq == last - 3)).scalar_one()
        session.execute(
            update(AuditChainHead).where(AuditChainHead.id == 1).values(last_seq=kept.seq, last_hash=kept.hash)
        )
    result = _cli_verify(env)
    assert result.returncode == 1
    assert f"seq {last - 2}" in result.stderr and f"checkpoint vouches for seq {last}" in result.stderr
    # and the periodic job does not sign the shorter head over it
    assert _checkpoint_cli(env).stdout.startswith("head already covered")


def test_checkpoints_are_written_every_n_events_and_pin_the_rows(env, monkeypatch):
    monkeypatch.setattr(audit_trust(), "every", 5)
    _events(env, 11)
    marks = checkpoints.read_all()
    assert len(marks) >= 2 and all(checkpoints.signature_ok(audit_trust(), c) for c in marks)
    path = audit_trust().checkpoint_file
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    pinned = marks[0]["seq"]
    with env.db.unit_of_work() as session:  # even a "valid-looking" row: the checkpoint holds its hash
        session.execute(update(AuditEvent).where(AuditEvent.seq == pinned).values(hash="f" * 64))
    result = _verify_chain(env)
    assert not result.ok and result.first_broken_seq == pinned


def test_a_forged_or_edited_checkpoint_fails_verification(env):
    _events(env, 3)
    assert _checkpoint_cli(env).returncode == 0
    path = audit_trust().checkpoint_file
    item = json.loads(path.read_text().splitlines()[-1])
    item["seq"] += 100  # pretend the chain was longer (or shorter): the signature no longer covers it
    with path.open("a") as fh:
        fh.write(json.dumps(item) + "\n")
    result = _cli_verify(env)
    assert result.returncode == 1 and "no valid signature" in result.stderr


def test_no_checkpoint_past_the_interval_fails(env, monkeypatch):
    monkeypatch.setattr(audit_trust(), "every", 5)
    _events(env, 6)
    audit_trust().checkpoint_file.unlink()  # the attacker deleted the file
    result = _verify_chain(env)
    assert not result.ok and "no signed checkpoint" in str(result.reason)


def test_checkpoints_api_and_cli_export_with_the_public_key(env, client):
    _events(env, 2)
    assert _checkpoint_cli(env).returncode == 0
    body = client.get("/api/v1/audit/checkpoints", headers=auth(client, "auditor1")).json()
    assert body["algorithm"] == "ed25519" and "BEGIN PUBLIC KEY" in body["public_key_pem"]
    assert body["checkpoints"][-1]["seq"] == _last_seq(env) - 1 or body["checkpoints"][-1]["seq"] <= _last_seq(env)
    # checked independently with the exported public key alone
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from smarthall.core.crypto import canonical_bytes

    key = load_pem_public_key(body["public_key_pem"].encode())
    for c in body["checkpoints"]:
        sig = c["sig"] + "=" * (-len(c["sig"]) % 4)
        import base64

        key.verify(base64.urlsafe_b64decode(sig), canonical_bytes({"at": c["at"], "hash": c["hash"], "seq": c["seq"]}))
    for username in ("admin1", "hallmanager1", "clerk1"):
        assert_problem(client.get("/api/v1/audit/checkpoints", headers=auth(client, username)), 403, "forbidden_role")
    verify = client.get("/api/v1/audit/verify", headers=auth(client, "auditor1")).json()
    assert verify["ok"] is True and verify["checkpoints"] >= 1


@pytest.mark.skipif(not os.environ.get("SMARTHALL_TEST_REDIS_URL"), reason="needs SMARTHALL_TEST_REDIS_URL")
def test_checkpoints_in_redis_survive_the_file_being_deleted(env, monkeypatch):
    import redis

    url = os.environ["SMARTHALL_TEST_REDIS_URL"]
    redis.Redis.from_url(url).delete(checkpoints.REDIS_KEY)
    monkeypatch.setattr(audit_trust(), "redis_url", url)
    _events(env, 3)
    with env.db.unit_of_work(write=False) as session:
        assert audit_service.checkpoint_now(session) is not None
    last = _last_seq(env)
    audit_trust().checkpoint_file.unlink()
    with env.db.unit_of_work() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == last))
        kept = session.execute(select(AuditEvent).where(AuditEvent.seq == last - 1)).scalar_one()
        session.execute(
            update(AuditChainHead).where(AuditChainHead.id == 1).values(last_seq=kept.seq, last_hash=kept.hash)
        )
    result = _verify_chain(env)
    assert not result.ok and result.first_broken_seq == last
    redis.Redis.from_url(url).delete(checkpoints.REDIS_KEY)


_WRITER = """
import sys
from smarthall.audit import service
from smarthall.core.config import Settings
from smarthall.core.crypto import setup_security
from smarthall.core.db import Database
from smarthall.core.tenancy import SYSTEM

settings = Settings()
setup_security(settings)
db = Database(settings.resolved_database_url, pool_size=2)
for i in range(int(sys.argv[2])):
    with db.unit_of_work() as session:
        for j in range(1 + i % 3):  # one to three events per transaction
            service.record(session, SYSTEM, "test.parallel", target_id=f"{sys.argv[1]}-{i}-{j}")
"""


def test_parallel_writer_processes_keep_one_consistent_chain(env, monkeypatch):
    """Four processes append at once (PostgreSQL row lock on the head; SQLite's write lock across processes) and
    sign checkpoints into the one file as they cross every third event: one chain, every checkpoint on it."""
    environ = {
        **os.environ,
        "SMARTHALL_DATABASE_URL": env.settings.resolved_database_url,
        "SMARTHALL_DATA_DIR": str(env.settings.data_dir),
        "SMARTHALL_FIELD_KEY": env.settings.field_key or "",
        "SMARTHALL_AUDIT_CHECKPOINT_EVERY": "3",
        "SMARTHALL_LOG_JSON": "false",
    }
    before = _last_seq(env)
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, f"w{i}", "15"], env=environ, stderr=subprocess.PIPE)
        for i in range(4)
    ]
    for proc in writers:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-2000:]
    with env.db.unit_of_work(write=False) as session:
        added = session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.parallel")
        ).scalar_one()
    assert added == 4 * (5 * (1 + 2 + 3))  # 15 transactions each: 1, 2, 3 events in turn
    assert _last_seq(env) == before + added
    monkeypatch.setattr(audit_trust(), "every", 3)
    result = _verify_chain(env)
    assert result.ok, result
    assert result.checkpoints >= added // 3 - 4  # each crossing of a multiple of 3 signed (its own last row)


def test_the_upgrade_rechains_an_old_unkeyed_trail_under_the_key(env, tmp_path):
    if env.backend != "sqlite":
        pytest.skip("one fresh database is enough")
    from smarthall import migrate
    from smarthall.core.db import Database

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0015_i12_assist_proxies")
    old = Database(url)
    for i in range(4):
        with old.unit_of_work() as session:
            audit_service.record(session, SYSTEM, "test.old", target_id=str(i))
    with old.unit_of_work() as session:  # what the older release wrote: plain SHA-256 links
        prev = "0" * 64
        for row in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
            row.prev_hash, row.hash = prev, _unkeyed({**_content(row), "prev_hash": prev})
            prev = row.hash
        session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hash=prev))
    assert not audit_service.verify_chain(old.session(write=False)).ok
    migrate.upgrade(url)
    result = audit_service.verify_chain(old.session(write=False))
    assert result.ok and result.checked == 4
    old.dispose()
