"""Material uploads: size and type limits (sniffed from the bytes, not trusted from the client), SHA-256 stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from smarthall.cases.errors import UploadRejected, UploadTooLarge
from smarthall.cases.models import UploadedFile
from smarthall.core.tenancy import Actor

SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def store(
    session: Session,
    actor: Actor,
    *,
    name: str,
    data: bytes,
    declared_type: str | None,
    data_dir: Path,
    max_bytes: int,
    now: datetime,
) -> UploadedFile:
    faults = []
    if len(data) > max_bytes:
        raise UploadTooLarge(detail={"size": len(data), "max_bytes": max_bytes})
    if not data:
        faults.append({"code": "empty_file", "message_zh": "文件为空", "message_en": "The file is empty"})
    kind = sniff(data)
    if kind is None and data:
        faults.append(
            {
                "code": "type_not_allowed",
                "message_zh": "仅接受PDF、JPG、PNG文件",
                "message_en": "Only PDF, JPEG and PNG files are accepted",
            }
        )
    if kind and declared_type and declared_type not in (kind, "application/octet-stream"):
        faults.append(
            {
                "code": "type_mismatch",
                "message_zh": "文件内容与声明的类型不符",
                "message_en": "The content does not match the declared type",
            }
        )
    if faults or kind is None or actor.id is None:
        raise UploadRejected(detail={"faults": faults})
    file_id = secrets.token_hex(16)
    digest = hashlib.sha256(data).hexdigest()
    folder = data_dir / "uploads" / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_id
    path.write_bytes(data)
    safe_name = Path(name or "upload").name[:200] or "upload"
    row = UploadedFile(
        id=file_id,
        owner_kind=actor.kind,
        owner_id=actor.id,
        name=safe_name,
        content_type=kind,
        size=len(data),
        sha256=digest,
        path=str(path),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row
