"""Material uploads: size and type limits (sniffed from the bytes, not trusted from the client), SHA-256 (of the
plaintext) stored, the bytes sealed on disk (``core.crypto`` envelope; read them with ``crypto.open_plain``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as FormFile

from smarthall.cases.errors import UploadRejected, UploadTooLarge
from smarthall.cases.models import UploadedFile
from smarthall.cases.precheck import Finding
from smarthall.cases.repository import FileRepository
from smarthall.core import crypto
from smarthall.core.tenancy import Actor

SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
# The most pixels an uploaded image may declare (a 48-megapixel phone photo is 8000 x 6000): a 445 KB PNG may declare
# 12000 x 12000 and decode to 432 MB wherever it is opened (the archive's usability check loads every image).
MAX_IMAGE_PIXELS = 50_000_000


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def _too_many_pixels(data: bytes) -> bool:
    """The image's header declares more than MAX_IMAGE_PIXELS (read from the header: nothing is decoded). A header
    Pillow cannot read is left to the type checks (the bytes start like an image)."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        with img:
            return bool(img.width * img.height > MAX_IMAGE_PIXELS)
    except Image.DecompressionBombError:
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False


def _fault(finding: Finding) -> dict[str, str]:
    """Upload faults carry no target (the file is the request)."""
    return {"code": finding.code, "message_zh": finding.message_zh, "message_en": finding.message_en}


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
    faults: list[Finding] = []
    if len(data) > max_bytes:
        raise UploadTooLarge(detail={"size": len(data), "max_bytes": max_bytes})
    if not data:
        faults.append(Finding.of("empty_file", None))
    kind = sniff(data)
    if kind is None and data:
        faults.append(Finding.of("type_not_allowed", None))
    if kind and declared_type and declared_type not in (kind, "application/octet-stream"):
        faults.append(Finding.of("type_mismatch", None))
    if kind in ("image/png", "image/jpeg") and _too_many_pixels(data):
        faults.append(Finding.of("image_too_large", None, max_megapixels=MAX_IMAGE_PIXELS // 1_000_000))
    if faults or kind is None or actor.id is None:
        raise UploadRejected(detail={"faults": [_fault(f) for f in faults]})
    file_id = secrets.token_hex(16)
    digest = hashlib.sha256(data).hexdigest()
    folder = data_dir / "uploads" / digest[:2]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (data_dir / "uploads").chmod(0o700)
    path = folder / file_id
    # sealed (envelope encryption, core.crypto) and readable by the service account only
    crypto.write_sealed(path, data, mode=0o600, exclusive=True)
    safe_name = Path(name or "upload").name[:200] or "upload"
    return FileRepository(session).add(
        UploadedFile(
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
    )


def own_file_name(session: Session, actor: Actor, file_id: str) -> str | None:
    """The name of an upload of ``actor``'s (None for a file that is not theirs or does not exist)."""
    row = FileRepository(session).get(file_id)
    if row is None or row.owner_kind != actor.kind or row.owner_id != actor.id:
        return None
    return row.name


def store_form_upload(session: Session, actor: Any, upload: Any, settings: Any, now: datetime) -> str | None:
    """The id of a file posted with a page's form once stored as a material (None when the field holds no file):
    the case form, the counter declaration and the bundle form share it."""
    if not isinstance(upload, FormFile):
        return None
    content = upload.file.read(settings.upload_max_bytes + 1)
    if not content:
        return None
    row = store(
        session, actor, name=upload.filename or "upload", data=content, declared_type=upload.content_type,
        data_dir=settings.data_dir, max_bytes=settings.upload_max_bytes, now=now,
    )  # fmt: skip
    return str(row.id)
