"""Uploads kept across a failed counter declaration (窗口代录暂存): when the clerk's try is refused (a required field
missing, a pre-check fault), the files posted with it are stored again after the rollback — sealed at rest like
every upload (``cases.files.store``) — and the re-rendered form carries each as an opaque token instead of asking for
the file again. A token is signed for this clerk, hall and ticket and expires (``STAGED_FOR``): another ticket, hall
or clerk, a forged or an expired token is refused in words (``StagedUploadGone``), never silently dropped."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases.files import own_file_name, store_form_upload
from smarthall.core.errors import HallError
from smarthall.core.tenancy import Actor
from smarthall.errands.errors import StagedUploadGone
from smarthall.errands.service import Counter

STAGED_FOR = timedelta(hours=2)  # a window's serving, with room for a pause


@dataclass(frozen=True)
class Staged:
    token: str  # "<file id>.<expires, epoch seconds>.<signature>"
    name: str
    file_id: str


def _signature(secret: bytes, actor: Actor, desk: Counter, file_id: str, expires: int) -> str:
    message = f"counter-upload:{actor.kind}:{actor.id}:{desk.hall_code}:{desk.ticket_id}:{file_id}:{expires}"
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:32]


def _token(secret: bytes, actor: Actor, desk: Counter, file_id: str, now: datetime) -> str:
    expires = int((now + STAGED_FOR).timestamp())
    return f"{file_id}.{expires}.{_signature(secret, actor, desk, file_id, expires)}"


def held(session: Session, actor: Actor, desk: Counter, token: str, *, secret: bytes, now: datetime) -> Staged:
    """The file a token of an earlier try names, for this clerk, hall and ticket, before it expires (else 422)."""
    file_id, _, rest = token.partition(".")
    expires, _, signature = rest.partition(".")
    if not expires.isdigit() or not hmac.compare_digest(
        signature, _signature(secret, actor, desk, file_id, int(expires))
    ):
        raise StagedUploadGone(detail={"reason": "not_this_ticket"})
    if int(expires) < now.timestamp():
        raise StagedUploadGone(detail={"reason": "expired"})
    name = own_file_name(session, actor, file_id)
    if name is None:
        raise StagedUploadGone(detail={"reason": "not_found"})
    return Staged(token=token, name=name, file_id=file_id)


def keep(
    session: Session, actor: Actor, desk: Counter, materials: list[dict[str, Any]], data: Any, *, settings: Any,
    secret: bytes, now: datetime,
) -> dict[str, dict[str, str]]:
    """After a refused try (the rollback undid its files): each material's file posted with it stored again, or the
    file an earlier try kept, as ``{code: {"id": token, "name": name}}`` for the re-rendered form. A file that is
    itself refused (its type, its size) or a token no longer good is left out (its fault is on the page)."""
    kept: dict[str, dict[str, str]] = {}
    for m in materials:
        upload = data.get(f"m_{m['code']}")
        try:
            if hasattr(upload, "file"):
                upload.file.seek(0)
            if (file_id := store_form_upload(session, actor, upload, settings, now)) is not None:
                kept[m["code"]] = {"id": _token(secret, actor, desk, file_id, now), "name": upload.filename or ""}
            elif token := str(data.get(f"kept_{m['code']}", ""))[:128]:
                staged = held(session, actor, desk, token, secret=secret, now=now)
                kept[m["code"]] = {"id": staged.token, "name": staged.name}
        except HallError:
            continue
    return kept
