"""Signatures and the audit chain's keys: Ed25519 over canonical bytes, derived from the master key (split out of
``core.crypto``, which re-exports every name here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(master: bytes, purpose: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"smarthall", info=purpose).derive(master)


class Signer:
    """Ed25519 signatures over canonical bytes; the key is derived from the master key (or given)."""

    algorithm = "ed25519"

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key: Ed25519PublicKey = private_key.public_key()

    @classmethod
    def from_master(cls, master: bytes) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(derive_key(master, b"document-signer")))

    def sign(self, data: bytes) -> str:
        return base64.urlsafe_b64encode(self._key.sign(data)).decode().rstrip("=")

    def verify(self, data: bytes, signature: str) -> bool:
        try:
            raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
            self.public_key.verify(raw, data)
        except Exception:
            return False
        return True

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    """The one byte form of signed key fields (sorted keys, no spaces, UTF-8) used by signers and verifiers."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


class AuditTrust:
    """What keeps the audit chain honest, none of it in the database: the chain's HMAC key, the Ed25519 key that
    signs checkpoints of its head, and where those checkpoints are kept (a file; Redis when configured)."""

    def __init__(
        self,
        mac_key: bytes,
        checkpoint_file: Path,
        *,
        redis_url: str | None = None,
        every: int = 100,
    ) -> None:
        self.mac_key = derive_key(mac_key, b"audit-chain-mac")
        self.signer = Signer(Ed25519PrivateKey.from_private_bytes(derive_key(mac_key, b"audit-checkpoint-signer")))
        self.checkpoint_file = checkpoint_file
        self.redis_url = redis_url
        self.every = every

    def mac(self, data: bytes) -> str:
        return hmac.new(self.mac_key, data, hashlib.sha256).hexdigest()


_audit_trust: AuditTrust | None = None


def configure_audit_trust(trust: AuditTrust) -> None:
    global _audit_trust
    _audit_trust = trust


def audit_trust() -> AuditTrust:
    if _audit_trust is None:
        raise RuntimeError("audit keys not configured")
    return _audit_trust
