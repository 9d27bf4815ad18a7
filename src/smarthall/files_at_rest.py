"""Personal data at rest under a new key: the files that hold personal data, across domains, and the resumable pass
that seals them (``smarthall files re-encrypt``), and the same for the sealed database fields (``smarthall fields
re-encrypt``); ``smarthall keys rotate`` adds a key version and runs both.

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
from typing import Any

from sqlalchemy import LargeBinary, literal, select, type_coerce

from smarthall.core import crypto
from smarthall.core.config import Settings
from smarthall.core.db import Database

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


def rename_legacy(database: Database, settings: Settings, *, now: Any) -> tuple[Any, Any]:
    """Documents, then archive packages, still named by number get names by kind and id (``smarthall files
    rename-legacy``): documents first, so the archive pass finds them by number."""
    from smarthall.archive import renaming
    from smarthall.licences import service as licence_service

    return licence_service.rename_legacy_files(database), renaming.rename_legacy(database, settings, now=now)


# ------------------------------------------------------------------------------------------------ sealed fields


def reencrypt_fields(database: Database, *, batch: int = 500) -> Pass:
    """Seal again every ``EncryptedString``/``EncryptedJson`` value not under the current key version and cipher,
    table by table in primary-key order, ``batch`` rows per transaction. A row changed by the running server between
    the read and the write is left alone (the update requires the old ciphertext; the server sealed the new value
    under the current key anyway); ``updated_at`` is kept. Stopped at any point, a new run continues."""
    from smarthall import all_models  # noqa: F401 - every table
    from smarthall.core.models import Base

    cipher = crypto.field_cipher()
    result = Pass()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, crypto.EncryptedString)]
        keys = list(table.primary_key.columns)
        if not columns or len(keys) != 1:
            if columns:
                result.failed.append(f"{table.name}: no single-column primary key")
            continue
        key, last = keys[0], None
        raw = [type_coerce(c, LargeBinary).label(c.name) for c in columns]
        while True:
            with database.unit_of_work() as session:
                stmt = select(key, *raw).order_by(key).limit(batch)
                if last is not None:
                    stmt = stmt.where(key > last)
                rows = session.execute(stmt).all()
                for row in rows:
                    old = {c.name: bytes(row._mapping[c.name]) for c in columns if row._mapping[c.name] is not None}
                    stale = {name: blob for name, blob in old.items() if not cipher.is_current(blob)}
                    if not stale:
                        result.skipped += 1
                        continue
                    values: dict[str, Any] = {}
                    for name, blob in stale.items():
                        aad = table.c[name].type.aad  # type: ignore[attr-defined]
                        values[name] = literal(cipher.encrypt(cipher.decrypt(blob, aad), aad), LargeBinary)
                    if "updated_at" in table.c:
                        values["updated_at"] = table.c.updated_at
                    update = table.update().where(key == row[0]).values(values)
                    for name, blob in stale.items():
                        update = update.where(type_coerce(table.c[name], LargeBinary) == literal(blob, LargeBinary))
                    if session.execute(update).rowcount:  # type: ignore[attr-defined]
                        result.sealed += 1
            if len(rows) < batch:
                break
            last = rows[-1][0]
    return result
