"""Field encryption, blind indexes and document signing (GB/T 35273 personal information protection practice).

- Personal fields (ID number, phone, name, address) are sealed with AES-256-GCM or SM4-GCM (a setting) under a
  key derived from the master key, which comes from settings or a key file and never from the database.
  The column name is bound as associated data, so a ciphertext moved to another column does not open.
- A keyed blind index (HMAC-SHA256 with a separate derived key) allows exact-match lookup without plaintext.
- ``Signer`` signs document key fields (Ed25519 by default) for public verification of results.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary, TypeDecorator
from sqlalchemy.engine import Dialect

if TYPE_CHECKING:
    from smarthall.core.config import Settings

_VERSION = b"\x01"
_NONCE = 12
_TAG = 16


def _derive(master: bytes, purpose: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"smarthall", info=purpose).derive(master)


class FieldCipher:
    def __init__(self, master_key: bytes, algorithm: str = "aes-256-gcm") -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self.algorithm = algorithm
        self._index_key = _derive(master_key, b"blind-index")
        if algorithm == "aes-256-gcm":
            self._aes = AESGCM(_derive(master_key, b"field-aes"))
        elif algorithm == "sm4-gcm":
            self._sm4_key = _derive(master_key, b"field-sm4", 16)
        else:
            raise ValueError(f"unknown cipher {algorithm}")

    def encrypt(self, plaintext: str, aad: str) -> bytes:
        nonce = os.urandom(_NONCE)
        data = plaintext.encode()
        if self.algorithm == "aes-256-gcm":
            sealed = self._aes.encrypt(nonce, data, aad.encode())
        else:
            enc = Cipher(algorithms.SM4(self._sm4_key), modes.GCM(nonce)).encryptor()
            enc.authenticate_additional_data(aad.encode())
            sealed = enc.update(data) + enc.finalize() + enc.tag
        return _VERSION + nonce + sealed

    def decrypt(self, blob: bytes, aad: str) -> str:
        if blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, sealed = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
        if self.algorithm == "aes-256-gcm":
            return self._aes.decrypt(nonce, sealed, aad.encode()).decode()
        dec = Cipher(algorithms.SM4(self._sm4_key), modes.GCM(nonce, sealed[-_TAG:])).decryptor()
        dec.authenticate_additional_data(aad.encode())
        return (dec.update(sealed[:-_TAG]) + dec.finalize()).decode()

    def blind_index(self, value: str, purpose: str) -> str:
        digest = hmac.new(self._index_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
        return digest


_cipher: FieldCipher | None = None


def configure_field_cipher(cipher: FieldCipher) -> None:
    global _cipher
    _cipher = cipher


def field_cipher() -> FieldCipher:
    if _cipher is None:
        raise RuntimeError("field cipher not configured")
    return _cipher


def blind_index(value: str, purpose: str) -> str:
    return field_cipher().blind_index(value, purpose)


class EncryptedString(TypeDecorator[str]):
    """A string column stored sealed; ``aad`` names the column so ciphertexts cannot be swapped around."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, aad: str) -> None:
        super().__init__()
        self.aad = aad

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else field_cipher().encrypt(value, self.aad)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else field_cipher().decrypt(bytes(value), self.aad)


class EncryptedJson(EncryptedString):
    """A JSON value (dict or list) stored sealed like ``EncryptedString``: evidence, pre-check results, case events and
    notification parameters carry names, ID numbers and phones (issue 12, item 6). Not queryable inside."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:  # type: ignore[override]
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        return field_cipher().encrypt(text, self.aad)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(field_cipher().decrypt(bytes(value), self.aad))


def load_or_create_key(value: str | None, key_file: Path | None, default_file: Path) -> bytes:
    """The master key: from a setting (base64), a key file, or a new random file (0600) on first start."""
    if value:
        key = base64.b64decode(value)
        if len(key) != 32:
            raise ValueError("SMARTHALL_FIELD_KEY must be base64 of 32 bytes")
        return key
    path = key_file or default_file
    if path.exists():
        return base64.b64decode(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(key).decode())
    return key


class Signer:
    """Ed25519 signatures over canonical bytes; the key is derived from the master key (or given)."""

    algorithm = "ed25519"

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key: Ed25519PublicKey = private_key.public_key()

    @classmethod
    def from_master(cls, master: bytes) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(_derive(master, b"document-signer")))

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
        self.mac_key = _derive(mac_key, b"audit-chain-mac")
        self.signer = Signer(Ed25519PrivateKey.from_private_bytes(_derive(mac_key, b"audit-checkpoint-signer")))
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


def setup_security(settings: Settings) -> tuple[bytes, str, Signer]:
    """Load (or create) the master key, configure field encryption; return the key, the token secret and the
    document signer. Lives here rather than in ``main`` so that command-line tools (``archive verify``, ``audit
    verify``) need not import the web application."""
    settings.ensure_dirs()
    master = load_or_create_key(settings.field_key, settings.field_key_file, settings.data_dir / "keys" / "master.key")
    configure_field_cipher(FieldCipher(master, settings.cipher))
    audit_key = base64.b64decode(settings.audit_key) if settings.audit_key else _derive(master, b"audit-key")
    configure_audit_trust(
        AuditTrust(
            audit_key,
            settings.audit_checkpoint_file or settings.data_dir / "audit" / "checkpoints.jsonl",
            redis_url=settings.redis_url,
            every=settings.audit_checkpoint_every,
        )
    )
    secret = settings.secret_key or _derive(master, b"session-token").hex()
    return master, secret, Signer.from_master(master)
