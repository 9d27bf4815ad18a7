"""The hall board's notice line (issue 16, boards): a hall manager sets a notice in Chinese (and English), with an
optional expiry; every board of the hall shows it on its next refresh, and the catalog's standing notice again once
it expires or is cleared. One row per hall; each change audited. Its own queries live here (a small module of the
queueing domain, beside ``repository.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.errors import Forbidden, ValidationFailed
from smarthall.core.repository import Repository
from smarthall.core.tenancy import Actor
from smarthall.queueing import facts
from smarthall.queueing.models import BoardNotice

PERMISSION = "operations.dispatch"  # the hall manager's live-console power: what the boards tell the hall
TEXT_MAX = 200


class NoticeInvalid(ValidationFailed):
    code = "notice_invalid"
    message_zh = "公告内容有误"
    message_en = "The notice is not valid"


@dataclass(frozen=True)
class Notice:
    text_zh: str
    text_en: str
    expires_at: datetime | None
    set_by: str

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" and self.text_en else self.text_zh


class NoticeRepository(Repository[BoardNotice]):
    model = BoardNotice

    def of_hall(self, hall_id: int) -> BoardNotice | None:
        stmt = select(BoardNotice).where(BoardNotice.hall_id == hall_id)
        return self.session.execute(stmt).scalars().one_or_none()


def active(session: Session, hall_id: int, now: datetime) -> Notice | None:
    """The hall's notice in force at ``now`` (None: the boards show the standing notice)."""
    row = NoticeRepository(session).of_hall(hall_id)
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Notice(row.text_zh, row.text_en, row.expires_at, row.set_by)


def _manager(actor: Actor, hall_code: str, session: Session) -> facts.HallFacts:
    if not actor.has(PERMISSION):
        zh, en = "只有大厅管理人员可以设置叫号屏公告", "Only hall managers set board notices"
        raise Forbidden(zh, en, code="forbidden_role")
    hall = facts.hall(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


def set_notice(
    session: Session,
    actor: Actor,
    hall_code: str,
    *,
    text_zh: str,
    text_en: str = "",
    expires_at: datetime | None = None,
    now: datetime,
) -> Notice:
    """Set (or replace) the hall's board notice. Chinese text is required; an expiry must lie ahead."""
    hall = _manager(actor, hall_code, session)
    text_zh, text_en = " ".join(text_zh.split()), " ".join(text_en.split())
    if not text_zh:
        raise NoticeInvalid("请填写中文公告内容", "The notice needs its Chinese text", detail={"field": "text_zh"})
    if len(text_zh) > TEXT_MAX or len(text_en) > TEXT_MAX:
        raise NoticeInvalid(
            f"公告不超过 {TEXT_MAX} 个字", f"A notice has at most {TEXT_MAX} characters", detail={"max": TEXT_MAX}
        )
    if expires_at is not None and expires_at <= now:
        raise NoticeInvalid("到期时间须晚于现在", "The expiry must lie in the future", detail={"field": "expires_at"})
    repo = NoticeRepository(session)
    row = repo.of_hall(hall.id)
    if row is None:
        row = repo.add(BoardNotice(hall_id=hall.id, text_zh=text_zh, set_by=actor.username or ""))
    row.text_zh, row.text_en, row.expires_at, row.set_by = text_zh, text_en, expires_at, actor.username or ""
    session.flush()
    audit_service.record(
        session, actor, "queue.board_notice.set", target_type="queue_board_notice", target_id=hall.code,
        hall_code=hall.code, detail={"expires_at": expires_at.isoformat() if expires_at else None}, now=now,
    )  # fmt: skip
    return Notice(row.text_zh, row.text_en, row.expires_at, row.set_by)


def clear(session: Session, actor: Actor, hall_code: str, *, now: datetime) -> None:
    """Back to the standing notice."""
    hall = _manager(actor, hall_code, session)
    row = NoticeRepository(session).of_hall(hall.id)
    if row is not None:
        session.delete(row)
        session.flush()
    audit_service.record(
        session, actor, "queue.board_notice.clear", target_type="queue_board_notice", target_id=hall.code,
        hall_code=hall.code, now=now,
    )  # fmt: skip
