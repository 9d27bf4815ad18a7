"""Writing BagIt bags (RFC 8493) by hand: ``bagit.txt``, ``data/``, ``manifest-{sha256,sha512}.txt``,
``bag-info.txt`` and ``tagmanifest-{sha256,sha512}.txt``.

We do not call ``bagit.make_bag``: it changes the process's working directory while it runs, which is unsafe in a
threaded server and task consumer. The ``bagit`` library still validates our bags in the tests.
Payload files (``data/…``) are sealed on disk (``core.crypto`` envelope) while the manifests, ``Payload-Oxum`` and
the fixity in the database describe their plaintext: the bag on disk is opened with the key, and an export decrypts
the payload into a standard bag any BagIt tool validates. Tag files hold no personal data and stay in clear.
A bag is always written into a fresh temporary directory and moved into place with one ``rename``; only then is the
package marked complete in the database, so a crash never leaves a half package that looks finished.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from smarthall.core import crypto

CHUNK = 1 << 20
ALGORITHMS = ("sha256", "sha512")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f%/\\:*?\"<>|]")
FILE_MODE = 0o440  # read-only for the service account and its group, nothing for others
DIR_MODE = 0o550


@dataclass(frozen=True)
class Digests:
    size: int
    sha256: str
    sha512: str
    sm3: str


def safe_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).strip(". ") or "file"
    return cleaned[:150]


def read_chunks(path: Path) -> Iterator[tuple[bytearray, int]]:
    """The file's plaintext bytes as ``(buffer, length)`` (decrypted when the file is sealed, ``core.crypto``): one
    buffer, refilled in place (no new bytes object per chunk, so a long scan does not churn the heap). The caller
    must use a chunk before asking for the next. Raises ``crypto.EnvelopeError`` for a sealed file that does not
    open."""
    buffer = bytearray(CHUNK)
    with crypto.open_plain(path) as fh:
        while length := fh.readinto(buffer):
            yield buffer, length


class Hasher:
    """SHA-256, SHA-512 and SM3 (GB/T 32905) of a byte stream, fed in pieces."""

    def __init__(self) -> None:
        self.size = 0
        self._h = (hashlib.sha256(), hashlib.sha512(), hashlib.new("sm3"))

    def update(self, chunk: bytes | bytearray | memoryview) -> None:
        self.size += len(chunk)
        for h in self._h:
            h.update(chunk)

    def digests(self) -> Digests:
        h256, h512, hsm3 = self._h
        return Digests(self.size, h256.hexdigest(), h512.hexdigest(), hsm3.hexdigest())


def digest_file(path: Path) -> Digests:
    """SHA-256, SHA-512 and SM3 of the file's plaintext, in one streaming pass."""
    hasher = Hasher()
    for buffer, length in read_chunks(path):
        hasher.update(memoryview(buffer)[:length])
    return hasher.digests()


def seal_payload(target: Path, label: str, chunks: Iterable[bytes | bytearray | memoryview]) -> Digests:
    """Write a payload file sealed (envelope under ``label``, its final place in the store) and return the digests
    of its plaintext: fixity in the manifests and the database is of the plaintext (docs/security.md)."""
    hasher = Hasher()
    with crypto.seal_file(target, label=label) as out:
        for chunk in chunks:
            hasher.update(chunk)
            out.write(chunk)
    return hasher.digests()


def _manifest_line(digest: str, rel: str) -> str:
    # RFC 8493 §2.1.3: CR, LF and % in file paths are percent-encoded.
    encoded = rel.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"{digest}  {encoded}\n"


def write_bag(root: Path, payload: Iterable[tuple[str, Digests]], bag_info: dict[str, str]) -> None:
    """Write the tag files of a bag whose payload files are already under ``root/data``."""
    entries = sorted(payload)
    (root / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8")
    for alg in ALGORITHMS:
        lines = "".join(_manifest_line(getattr(d, alg), rel) for rel, d in entries)
        (root / f"manifest-{alg}.txt").write_text(lines, encoding="utf-8")
    total = sum(d.size for _, d in entries)
    info = dict(bag_info)
    info["Payload-Oxum"] = f"{total}.{len(entries)}"
    (root / "bag-info.txt").write_text("".join(f"{k}: {v}\n" for k, v in info.items()), encoding="utf-8")
    tag_files = ["bagit.txt", "bag-info.txt", *(f"manifest-{alg}.txt" for alg in ALGORITHMS)]
    for alg in ALGORITHMS:
        lines = "".join(
            _manifest_line(hashlib.new(alg, (root / name).read_bytes()).hexdigest(), name) for name in tag_files
        )
        (root / f"tagmanifest-{alg}.txt").write_text(lines, encoding="utf-8")


def read_manifest(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        digest, _, rel = line.partition(" ")
        rel = rel.lstrip(" ").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        out[rel] = digest.lower()
    return out


def seal(root: Path) -> None:
    """Make every file and folder of the bag read-only (files first, then folders bottom-up)."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            os.chmod(Path(dirpath) / name, FILE_MODE)
        for name in dirnames:
            os.chmod(Path(dirpath) / name, DIR_MODE)
    os.chmod(root, DIR_MODE)


def remove_tree(root: Path) -> None:
    """Delete a (possibly sealed) bag: give folders back their write bit first."""
    if not root.exists():
        return
    for dirpath, _dirnames, _filenames in os.walk(root):
        os.chmod(dirpath, stat.S_IRWXU)
    shutil.rmtree(root)


def payload_files(root: Path) -> Iterable[Path]:
    """Every payload file, sorted, streaming (no list of the whole store is built)."""
    data = root / "data"
    for dirpath, dirnames, filenames in os.walk(data):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name
