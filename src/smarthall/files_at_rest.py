"""The files that hold personal data, across domains, and the resumable pass that seals them (``smarthall files
re-encrypt``, also the second half of ``smarthall keys rotate``).

Sealed files (``core.crypto`` envelope) live in: ``uploads/`` (materials), ``previews/`` (their rendered pages),
``documents/`` (rendered notices and licences) and ``archive/<case>/data/`` (archive payload; the bag's tag files
hold no personal data and stay in clear). The pass walks them in a stable order, skips files already sealed under
the current key and cipher, and replaces each other file atomically, so it may be stopped at any point and run
again (it continues where it stopped) while the server runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from smarthall.core import crypto
from smarthall.core.config import Settings

FLAT = ("uploads", "previews", "documents")


def sealed_paths(settings: Settings) -> Iterator[Path]:
    """Every file that is (or must be) sealed, sorted, streaming (no list of the whole store is built)."""
    root = settings.data_dir
    for name in FLAT:
        yield from _walk(root / name)
    archive = root / "archive"
    if archive.is_dir():
        for package in sorted(p for p in archive.iterdir() if p.is_dir() and not p.name.startswith(".")):
            yield from _walk(package / "data")


def _walk(top: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".part"):  # a temporary file of a write in progress
                yield Path(dirpath) / name


@dataclass
class Pass:
    sealed: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def reencrypt(settings: Settings, *, limit: int | None = None) -> Pass:
    """Seal legacy plaintext files and files under an older key version or cipher; at most ``limit`` rewrites."""
    result = Pass()
    for path in sealed_paths(settings):
        if limit is not None and result.sealed >= limit:
            break
        try:
            if crypto.reseal(path):
                result.sealed += 1
            else:
                result.skipped += 1
        except (OSError, crypto.EnvelopeError) as exc:  # named and left as it is: the archive check reports it
            result.failed.append(f"{path.relative_to(settings.data_dir)}: {exc}")
    return result
