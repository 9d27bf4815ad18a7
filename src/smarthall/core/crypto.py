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
import io
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, TypeDecorator
from sqlalchemy.engine import Dialect

from smarthall.core import passwords
from smarthall.core.signing import (  # noqa: F401  (re-exported: the platform's one place for keys)
    AuditTrust,
    Signer,
    audit_trust,
    canonical_bytes,
    configure_audit_trust,
)
from smarthall.core.signing import derive_key as _derive

if TYPE_CHECKING:
    from smarthall.core.config import Settings

_VERSION = b"\x01"
_FIELD_V2 = b"\x02"
_NONCE = 12
_TAG = 16


class FieldCipher:
    """Seals personal fields. Ciphertexts carry their key version and cipher (format 2: ``0x02 | cipher id | key
    version (u32) | nonce | sealed``); format 1 (``0x01 | nonce | sealed``, before key versions) is key version 1
    under either cipher. New values are sealed with the newest key version of ``keys`` (version 1 is
    ``master_key``) and the configured cipher; every version held still opens. Blind indexes always use the key of
    version 1 (an index is a lookup key: rotating it would need every lookup to try every version)."""

    def __init__(self, master_key: bytes, algorithm: str = "aes-256-gcm", keys: dict[int, bytes] | None = None) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        if algorithm not in _ALG_IDS:
            raise ValueError(f"unknown cipher {algorithm}")
        self.algorithm = algorithm
        self._index_key = _derive(master_key, b"blind-index")
        ring = {**(keys or {}), 1: master_key}
        self.current = max(ring)
        self._aes = {v: AESGCM(_derive(k, b"field-aes")) for v, k in ring.items()}
        self._sm4 = {v: _derive(k, b"field-sm4", 16) for v, k in ring.items()}

    def _seal(self, algorithm: str, version: int, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if algorithm == "aes-256-gcm":
            return self._aes[version].encrypt(nonce, data, aad)
        return _aead_seal(algorithm, self._sm4[version], nonce, data, aad)

    def _open(self, algorithm: str, version: int, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        if version not in self._aes:
            raise ValueError(f"field key version {version} is not in the key ring")
        if algorithm == "aes-256-gcm":
            return self._aes[version].decrypt(nonce, sealed, aad)
        dec = Cipher(algorithms.SM4(self._sm4[version]), modes.GCM(nonce, sealed[-_TAG:])).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(sealed[:-_TAG]) + dec.finalize()  # InvalidTag when altered, like AESGCM

    def encrypt(self, plaintext: str, aad: str) -> bytes:
        nonce = os.urandom(_NONCE)
        head = _FIELD_V2 + bytes([_ALG_IDS[self.algorithm]]) + self.current.to_bytes(4, "big")
        return head + nonce + self._seal(self.algorithm, self.current, nonce, plaintext.encode(), aad.encode())

    def version_of(self, blob: bytes) -> tuple[str | None, int]:
        """(cipher, key version) of a ciphertext; the cipher is None for format 1 (not recorded)."""
        if blob[:1] == _VERSION:
            return None, 1
        if blob[:1] == _FIELD_V2 and len(blob) > 6:
            return _ALG_NAMES.get(blob[1]), int.from_bytes(blob[2:6], "big")
        raise ValueError("unknown ciphertext version")

    def is_current(self, blob: bytes) -> bool:
        return self.version_of(blob) == (self.algorithm, self.current)

    def decrypt(self, blob: bytes, aad: str) -> str:
        algorithm, version = self.version_of(blob)
        if algorithm is None:  # format 1: version 1, the cipher of the time (the configured one, else the other)
            nonce, sealed = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
            tries = [self.algorithm, *(a for a in _ALG_IDS if a != self.algorithm)]
            for index, candidate in enumerate(tries):
                try:
                    return self._open(candidate, 1, nonce, sealed, aad.encode()).decode()
                except Exception:
                    if index == len(tries) - 1:
                        raise
            raise ValueError("unreachable")
        nonce, sealed = blob[6 : 6 + _NONCE], blob[6 + _NONCE :]
        return self._open(algorithm, version, nonce, sealed, aad.encode()).decode()

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
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(base64.b64encode(key := secrets.token_bytes(32)).decode())
    except FileExistsError:  # another process made it first (web processes starting together): theirs, once written
        for _ in range(50):
            if text := path.read_text().strip():
                return base64.b64decode(text)
            time.sleep(0.02)
        raise
    return key


def setup_security(settings: Settings) -> tuple[bytes, str, Signer]:
    """Load (or create) the master key, configure field encryption; return the key, the token secret and the
    document signer. Lives here rather than in ``main`` so that command-line tools (``archive verify``, ``audit
    verify``) need not import the web application."""
    passwords.configure(time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib)
    settings.ensure_dirs()
    master = load_or_create_key(settings.field_key, settings.field_key_file, settings.data_dir / "keys" / "master.key")
    ring = file_keys(settings, master)
    configure_field_cipher(FieldCipher(master, settings.cipher, ring))
    configure_file_cipher(FileCipher(ring, settings.cipher, settings.data_dir))
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


# ------------------------------------------------------------------------------------------- files at rest (envelope)
#
# Every file the platform writes with personal data in it (uploads, their page previews, rendered documents, archive
# payloads) is one envelope (issue 12, item 6):
#
#   header  = MAGIC "SHFE" | format 0x01 | algorithm (1 = AES-256-GCM, 2 = SM4-GCM) | key version (u32)
#             | label length (u16) | label (UTF-8) | chunk size (u32) | nonce prefix (7 bytes)
#             | wrapped data key length (u16) | wrapped data key (12-byte nonce + sealed key + tag)
#   body    = chunk_0 | chunk_1 | ... each ``ciphertext + 16-byte tag`` of at most ``chunk size`` plaintext bytes
#
# The data key is random per file and wrapped by the key-encryption key of ``key version`` (derived from that
# version's master key, which lives outside the database); the wrap binds the whole header before it as associated
# data. Chunk ``i`` is sealed with nonce ``prefix | i (u32) | last (1 byte)`` and the label as associated data, so
# chunks cannot be reordered, dropped, truncated at a chunk boundary or moved into another file's envelope. The label
# is the file's path relative to the data directory (where it will live: an archive bag being staged names its final
# place), so a ciphertext swapped to another path does not open. Files are read and written in chunks (a 1 GB file
# does not need 1 GB of memory) and the reader is seekable (PDF and image parsers seek).
# A file that does not start with the magic is a legacy plaintext file and is passed through as it is, until
# ``smarthall files re-encrypt`` seals it.

FILE_MAGIC = b"SHFE\x01"
FILE_CHUNK = 64 * 1024
_ALG_IDS = {"aes-256-gcm": 1, "sm4-gcm": 2}
_ALG_NAMES = {v: k for k, v in _ALG_IDS.items()}
_DEK_LEN = {"aes-256-gcm": 32, "sm4-gcm": 16}


class EnvelopeError(ValueError):
    """A sealed file that does not open: altered, truncated, moved to another path, or under a key we do not hold."""


def _aead_seal(algorithm: str, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if algorithm == "aes-256-gcm":
        return AESGCM(key).encrypt(nonce, data, aad)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(data) + enc.finalize() + enc.tag


def _aead_open(algorithm: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        if algorithm == "aes-256-gcm":
            return AESGCM(key).decrypt(nonce, sealed, aad)
        if len(sealed) < _TAG:
            raise EnvelopeError("sealed data shorter than its tag")
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-_TAG:])).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(sealed[:-_TAG]) + dec.finalize()
    except EnvelopeError:
        raise
    except Exception as exc:  # InvalidTag and friends: the bytes are not what was sealed
        raise EnvelopeError("the file does not authenticate") from exc


def _chunk_nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


@dataclass(frozen=True)
class EnvelopeHeader:
    algorithm: str
    key_version: int
    label: str
    chunk_size: int
    prefix: bytes
    data_key: bytes
    length: int  # bytes of header on disk


class FileCipher:
    """The key ring for files: master keys by version (the newest writes, every one still reads) and the cipher
    new files are written with. ``data_dir`` anchors labels (paths relative to it)."""

    def __init__(self, keys: dict[int, bytes], algorithm: str, data_dir: Path, current: int | None = None) -> None:
        if not keys:
            raise ValueError("no file key")
        if algorithm not in _ALG_IDS:
            raise ValueError(f"unknown cipher {algorithm}")
        self.algorithm = algorithm
        self.current = current if current is not None else max(keys)
        self._keks = {
            version: {alg: _derive(master, b"file-kek-" + alg.encode(), _DEK_LEN[alg]) for alg in _ALG_IDS}
            for version, master in keys.items()
        }
        self.data_dir = data_dir.resolve()

    @property
    def versions(self) -> list[int]:
        return sorted(self._keks)

    def label_for(self, path: Path) -> str:
        resolved = Path(os.path.abspath(path))
        try:
            return resolved.relative_to(self.data_dir).as_posix()
        except ValueError:
            return resolved.as_posix()

    def header(self, label: str) -> tuple[bytes, EnvelopeHeader]:
        alg, version = self.algorithm, self.current
        data_key, prefix = os.urandom(_DEK_LEN[alg]), os.urandom(7)
        raw_label = label.encode()
        head = (
            FILE_MAGIC
            + bytes([_ALG_IDS[alg]])
            + version.to_bytes(4, "big")
            + len(raw_label).to_bytes(2, "big")
            + raw_label
            + FILE_CHUNK.to_bytes(4, "big")
            + prefix
        )
        nonce = os.urandom(_NONCE)
        wrapped = nonce + _aead_seal(alg, self._keks[version][alg], nonce, data_key, head)
        raw = head + len(wrapped).to_bytes(2, "big") + wrapped
        return raw, EnvelopeHeader(alg, version, label, FILE_CHUNK, prefix, data_key, len(raw))

    def read_header(self, fh: Any) -> EnvelopeHeader:
        """Parse and unwrap the header at the start of ``fh`` (positioned at 0)."""

        def take(n: int) -> bytes:
            part = fh.read(n)
            if len(part) != n:
                raise EnvelopeError("truncated header")
            return bytes(part)

        head = take(len(FILE_MAGIC))
        if head != FILE_MAGIC:
            raise EnvelopeError("not a sealed file")
        alg_id = take(1)
        version_raw = take(4)
        label_len_raw = take(2)
        label_raw = take(int.from_bytes(label_len_raw, "big"))
        chunk_raw, prefix = take(4), take(7)
        head += alg_id + version_raw + label_len_raw + label_raw + chunk_raw + prefix
        wrapped = take(int.from_bytes(take(2), "big"))
        alg = _ALG_NAMES.get(alg_id[0])
        version = int.from_bytes(version_raw, "big")
        if alg is None:
            raise EnvelopeError("unknown file cipher")
        keks = self._keks.get(version)
        if keks is None:
            raise EnvelopeError(f"file key version {version} is not in the key ring")
        data_key = _aead_open(alg, keks[alg], wrapped[:_NONCE], wrapped[_NONCE:], head)
        chunk = int.from_bytes(chunk_raw, "big")
        if not 0 < chunk <= 1 << 24:
            raise EnvelopeError("bad chunk size")
        return EnvelopeHeader(alg, version, label_raw.decode(), chunk, prefix, data_key, len(head) + 2 + len(wrapped))


class SealedWriter:
    """Writes one envelope to ``fh`` chunk by chunk; ``close`` seals the last chunk (required)."""

    def __init__(self, cipher: FileCipher, fh: Any, label: str) -> None:
        raw, self._h = cipher.header(label)
        self._fh = fh
        self._fh.write(raw)
        self._buf = bytearray()
        self._index = 0
        self._aad = b"smarthall-file\x00" + label.encode()

    def _emit(self, data: bytes, last: bool) -> None:
        nonce = _chunk_nonce(self._h.prefix, self._index, last)
        self._fh.write(_aead_seal(self._h.algorithm, self._h.data_key, nonce, data, self._aad))
        self._index += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buf += data
        size = self._h.chunk_size
        while len(self._buf) > size:  # keep at least one byte back: the last chunk is marked as last
            self._emit(bytes(self._buf[:size]), False)
            del self._buf[:size]
        return len(data)

    def close(self) -> None:
        self._emit(bytes(self._buf), True)
        self._buf.clear()


class SealedReader(io.RawIOBase):
    """The plaintext of an envelope, seekable, decrypting one chunk at a time."""

    def __init__(self, cipher: FileCipher, fh: Any, expected_label: str | None) -> None:
        super().__init__()
        self._fh = fh
        try:
            self._h = cipher.read_header(fh)
            if expected_label is not None and self._h.label != expected_label:
                raise EnvelopeError(f"sealed for {self._h.label!r}, found at {expected_label!r}")
            body = os.fstat(fh.fileno()).st_size - self._h.length
            step = self._h.chunk_size + _TAG
            if body < _TAG:
                raise EnvelopeError("truncated file")
        except BaseException:
            fh.close()
            raise
        self._chunks = max(1, -(-body // step))
        self._last_len = body - (self._chunks - 1) * step
        if self._last_len < _TAG:
            fh.close()
            raise EnvelopeError("truncated file")
        self.size = body - self._chunks * _TAG
        self._aad = b"smarthall-file\x00" + self._h.label.encode()
        self._pos = 0
        self._cached: tuple[int, bytes] = (-1, b"")

    @property
    def header(self) -> EnvelopeHeader:
        return self._h

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _chunk(self, index: int) -> bytes:
        if self._cached[0] != index:
            last = index == self._chunks - 1
            step = self._h.chunk_size + _TAG
            self._fh.seek(self._h.length + index * step)
            sealed = self._fh.read(self._last_len if last else step)
            nonce = _chunk_nonce(self._h.prefix, index, last)
            self._cached = (index, _aead_open(self._h.algorithm, self._h.data_key, nonce, sealed, self._aad))
        return self._cached[1]

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self.size:
            return 0
        index, offset = divmod(self._pos, self._h.chunk_size)
        data = self._chunk(index)
        n = min(len(buffer), len(data) - offset)
        buffer[:n] = data[offset : offset + n]
        self._pos += n
        return n

    def readall(self) -> bytes:
        out = bytearray()
        while chunk := self.read(self._h.chunk_size):
            out += chunk
        return bytes(out)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


_file_cipher: FileCipher | None = None


def configure_file_cipher(cipher: FileCipher) -> None:
    global _file_cipher
    _file_cipher = cipher


def file_cipher() -> FileCipher:
    if _file_cipher is None:
        raise RuntimeError("file cipher not configured")
    return _file_cipher


def is_sealed(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(FILE_MAGIC)) == FILE_MAGIC


def open_plain(path: Path | str, *, label: str | None = None, check_label: bool = True) -> io.BufferedReader:
    """The plaintext of the file at ``path`` as a seekable binary stream: decrypted when sealed (the envelope must
    carry ``label``, by default the path's own label), passed through as it is when a legacy plaintext file.
    Raises ``EnvelopeError`` when a sealed file does not open, ``OSError`` when it cannot be read."""
    fh = open(path, "rb")  # noqa: SIM115 - handed to the reader, which closes it
    if fh.read(len(FILE_MAGIC)) != FILE_MAGIC:
        fh.seek(0)
        return fh
    fh.seek(0)
    cipher = file_cipher()
    expected = (label if label is not None else cipher.label_for(Path(path))) if check_label else None
    return io.BufferedReader(SealedReader(cipher, fh, expected), buffer_size=FILE_CHUNK)


def read_plain(path: Path | str, *, label: str | None = None, check_label: bool = True) -> bytes:
    with open_plain(path, label=label, check_label=check_label) as fh:
        return fh.read()


class _SealedFile:
    """``with seal_file(path) as out: out.write(...)``: the envelope goes to a temporary file beside ``path`` (0600)
    and replaces ``path`` only when the block ends without an error; nothing half-written is left behind."""

    def __init__(self, path: Path, label: str | None, mode: int, exclusive: bool) -> None:
        self.path, self.mode, self.exclusive = Path(path), mode, exclusive
        self.cipher = file_cipher()
        self.label = label if label is not None else self.cipher.label_for(self.path)
        self.tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.part")

    def __enter__(self) -> SealedWriter:
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._writer = SealedWriter(self.cipher, self._fh, self.label)
        return self._writer

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self._writer.close()
                self._fh.flush()
                os.fsync(self._fh.fileno())
            self._fh.close()
            if exc_type is None:
                os.chmod(self.tmp, self.mode)
                if self.exclusive:
                    os.link(self.tmp, self.path)  # fails when the path exists, like O_EXCL
                else:
                    os.replace(self.tmp, self.path)
        finally:
            Path(self.tmp).unlink(missing_ok=True)


def seal_file(path: Path, *, label: str | None = None, mode: int = 0o600, exclusive: bool = False) -> _SealedFile:
    return _SealedFile(path, label, mode, exclusive)


def write_sealed(
    path: Path, data: bytes, *, label: str | None = None, mode: int = 0o600, exclusive: bool = False
) -> None:
    with seal_file(path, label=label, mode=mode, exclusive=exclusive) as out:
        out.write(data)


def file_keys(settings: Settings, master: bytes) -> dict[int, bytes]:
    """Master keys by version: version 1 is the master key; ``keys/master-v<N>.key`` (written by ``smarthall keys
    rotate``) are the later ones, in the same folder as the key file."""
    keys = {1: master}
    folder = (settings.field_key_file or settings.data_dir / "keys" / "master.key").parent
    if folder.is_dir():
        for path in folder.glob("master-v*.key"):
            number = path.stem.removeprefix("master-v")
            if number.isdigit() and int(number) > 1:
                keys[int(number)] = base64.b64decode(path.read_text().strip())
    return keys


def reseal(path: Path) -> bool:
    """Seal a legacy plaintext file, or seal again a file under an older key version or another cipher, in place
    (atomically: readers see the old or the new file, never half of one). The label stays; the file and folder modes
    are kept (a sealed archive folder is opened for the rename and closed again). True when the file was rewritten."""
    cipher = file_cipher()
    with open(path, "rb") as fh:
        sealed = fh.read(len(FILE_MAGIC)) == FILE_MAGIC
        if sealed:
            fh.seek(0)
            head = cipher.read_header(fh)
            if head.key_version == cipher.current and head.algorithm == cipher.algorithm:
                return False
    label = head.label if sealed else cipher.label_for(path)
    mode = path.stat().st_mode & 0o777
    parent_mode = path.parent.stat().st_mode & 0o777
    if not parent_mode & 0o200:
        os.chmod(path.parent, parent_mode | 0o700)
    try:
        with open_plain(path, label=label) as src, seal_file(path, label=label, mode=mode) as out:
            while chunk := src.read(FILE_CHUNK):
                out.write(chunk)
    finally:
        if not parent_mode & 0o200:
            os.chmod(path.parent, parent_mode)
    return True


def add_file_key(settings: Settings) -> tuple[int, Path]:
    """A new master key version beside the key file (``master-v<N>.key``, 0600); new files are sealed with it once
    the server restarts (or at once in this process). Returns the version and its file."""
    folder = (settings.field_key_file or settings.data_dir / "keys" / "master.key").parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    version = max(file_cipher().versions) + 1
    path = folder / f"master-v{version}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(secrets.token_bytes(32)).decode())
    return version, path
