"""Signed checkpoints of the audit chain's head, kept outside the database (issue 12, item 8).

A checkpoint is ``{"seq", "hash", "at", "key_id", "sig"}``: the Ed25519 signature (key from the key store, see
``core.crypto.AuditTrust``) over the canonical bytes of seq, hash and time. Checkpoints are appended to a file
(``O_APPEND``, an exclusive ``flock`` per line, 0600 in a 0700 directory) and, when Redis is configured, pushed to a
Redis list as well. Someone who can write the database but not these stores cannot move the chain back behind a
checkpoint or change a row a checkpoint covers without ``audit verify`` noticing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization

from smarthall.core.crypto import AuditTrust, audit_trust, canonical_bytes

log = logging.getLogger(__name__)

REDIS_KEY = "smarthall:audit:checkpoints"


def key_id(trust: AuditTrust) -> str:
    raw = trust.signer.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _signed_bytes(seq: int, digest: str, at: str) -> bytes:
    return canonical_bytes({"at": at, "hash": digest, "seq": seq})


def make(trust: AuditTrust, seq: int, digest: str, now: datetime | None = None) -> dict[str, Any]:
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    return {
        "seq": seq,
        "hash": digest,
        "at": at,
        "key_id": key_id(trust),
        "sig": trust.signer.sign(_signed_bytes(seq, digest, at)),
    }


def signature_ok(trust: AuditTrust, checkpoint: dict[str, Any]) -> bool:
    try:
        data = _signed_bytes(int(checkpoint["seq"]), str(checkpoint["hash"]), str(checkpoint["at"]))
        return trust.signer.verify(data, str(checkpoint["sig"]))
    except (KeyError, TypeError, ValueError):
        return False


def _append_file(trust: AuditTrust, line: str) -> None:
    path = trust.checkpoint_file
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def _read_file(trust: AuditTrust) -> list[dict[str, Any]]:
    path = trust.checkpoint_file
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                item = json.loads(line)
            except ValueError:
                item = {"seq": None, "malformed": line[:80]}
            out.append(item if isinstance(item, dict) else {"seq": None, "malformed": line[:80]})
    return out


def _redis(trust: AuditTrust) -> Any:
    import redis

    return redis.Redis.from_url(str(trust.redis_url), socket_timeout=1, socket_connect_timeout=1)


def write(seq: int, digest: str, now: datetime | None = None, trust: AuditTrust | None = None) -> dict[str, Any]:
    """Sign and store a checkpoint of (``seq``, ``digest``); the file always, Redis when configured."""
    trust = trust or audit_trust()
    checkpoint = make(trust, seq, digest, now)
    line = json.dumps(checkpoint, sort_keys=True, separators=(",", ":"))
    _append_file(trust, line)
    if trust.redis_url:
        import redis

        try:
            _redis(trust).rpush(REDIS_KEY, line)
        except redis.RedisError as exc:  # the file holds it; verify reads both
            log.warning("audit checkpoint not copied to Redis: %s", exc)
    return checkpoint


def read_all(trust: AuditTrust | None = None) -> list[dict[str, Any]]:
    """Every checkpoint from every store (duplicates removed), by sequence number."""
    trust = trust or audit_trust()
    items = _read_file(trust)
    if trust.redis_url:
        import redis

        try:
            items += [json.loads(raw) for raw in _redis(trust).lrange(REDIS_KEY, 0, -1)]
        except (redis.RedisError, ValueError) as exc:
            log.warning("audit checkpoints not read from Redis: %s", exc)
    unique: dict[str, dict[str, Any]] = {}
    for item in items:
        unique.setdefault(json.dumps(item, sort_keys=True), item)
    return sorted(unique.values(), key=lambda c: (c.get("seq") is None, c.get("seq") or 0))


def public_key_pem(trust: AuditTrust | None = None) -> str:
    return (trust or audit_trust()).signer.public_pem()
