"""Consultation use cases (智能咨询引导, GB/T 44888-2024 §6.1 and Annex A): the knowledge base with versions and a
review step, question answering with a hand-over when unsure, the guidance card with next steps, the review queue
and the daily metrics.

The BM25 index lives in process, one per database, and is rebuilt when the served entries change (a cheap
aggregate query detects it) or when an entry's effective/expiry time passes.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import threading
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from smarthall.appointment import service as appointment_service
from smarthall.audit import service as audit_service
from smarthall.catalog.models import Faq, Item
from smarthall.consult import qa
from smarthall.consult.errors import (
    EntryConflict,
    EntryNotFound,
    ImportInvalid,
    QuestionInvalid,
    QuestionNotFound,
)
from smarthall.consult.guides import checklist_questions, entries_from_catalog, tailored_checklist
from smarthall.consult.models import Entry, EntryVersion, Question, Route
from smarthall.consult.schemas import AnswerOut, AskOut, DayMetrics, EntryIn, EntryRead, NextStep
from smarthall.consult.text import MAX_QUESTION_CHARS
from smarthall.core import ratelimit
from smarthall.core.clock import SHANGHAI
from smarthall.core.crypto import blind_index
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import Actor
from smarthall.org.models import Department, Hall, Zone

DEFAULT_HOTLINE = "12345"
ENTRY_FIELDS = ("kind", "item_code", "title", "body", "tags", "keywords", "effective_from", "expires_at")

# ---------------------------------------------------------------------------------------------------------------
# The in-process index
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Cached:
    signature: tuple[Any, ...]
    index: qa.Index
    valid_until: datetime | None  # the next effective/expiry boundary after the build


_lock = threading.Lock()
_by_database: dict[str, _Cached] = {}
_by_content: OrderedDict[str, qa.Index] = OrderedDict()
_reranker: list[qa.Reranker | None] = []
# Feature flag ``SMARTHALL_DENSE_RERANK=1`` (or ``set_dense``); without the ``dense`` extra it stays BM25 only.
_dense_enabled = [os.environ.get("SMARTHALL_DENSE_RERANK", "").lower() in ("1", "true", "yes")]


def set_dense(enabled: bool) -> None:
    """Turn dense re-ranking on or off (feature flag); it only takes effect when the ``dense`` extra loads."""
    _dense_enabled[0] = enabled


def reranker() -> qa.Reranker | None:
    if not _dense_enabled[0]:
        return None
    if not _reranker:
        _reranker.append(qa.load_reranker())
    return _reranker[0]


def dense_status() -> dict[str, Any]:
    loaded = bool(_reranker and _reranker[0] is not None)
    return {"available": qa.dense_available(), "enabled": _dense_enabled[0], "loaded": loaded}


def _served(now: datetime) -> Any:
    return (
        (Entry.status == "published")
        & or_(Entry.effective_from.is_(None), Entry.effective_from <= now)
        & or_(Entry.expires_at.is_(None), Entry.expires_at > now)
    )


def _signature(session: Session) -> tuple[Any, ...]:
    row = session.execute(select(func.count(Entry.id), func.max(Entry.updated_at), func.sum(Entry.revision))).one()
    return (row[0], row[1], row[2])


def _doc(entry: Entry) -> qa.KbDoc:
    return qa.KbDoc(
        key=entry.code,
        kind=entry.kind,
        title=entry.title,
        body=entry.body,
        item_code=entry.item_code,
        tags=tuple(entry.tags or ()),
        keywords=tuple(entry.keywords or ()),
    )


def _db_key(session: Session) -> str:
    bind = session.get_bind()
    return str(bind.engine.url)


def get_index(session: Session, now: datetime) -> qa.Index:
    key = _db_key(session)
    signature = _signature(session)
    cached = _by_database.get(key)
    if cached and cached.signature == signature and (cached.valid_until is None or now < cached.valid_until):
        return cached.index
    entries = list(session.execute(select(Entry).where(_served(now)).order_by(Entry.code)).scalars())
    docs = [_doc(e) for e in entries]
    content = hashlib.sha256(repr(docs).encode()).hexdigest()
    boundaries = [
        moment
        for pair in session.execute(select(Entry.effective_from, Entry.expires_at).where(Entry.status == "published"))
        for moment in pair
        if moment is not None and moment > now
    ]
    with _lock:
        index = _by_content.get(content)
        if index is None:
            index = qa.Index(docs, signature=content)
            _by_content[content] = index
            while len(_by_content) > 4:
                _by_content.popitem(last=False)
        else:
            _by_content.move_to_end(content)
        _by_database[key] = _Cached(signature, index, min(boundaries) if boundaries else None)
    return index


# ---------------------------------------------------------------------------------------------------------------
# Knowledge base: seeding, editing, review, versions, import/export
# ---------------------------------------------------------------------------------------------------------------


def _catalog_document(session: Session) -> dict[str, Any]:
    items = session.execute(
        select(Item).where(Item.active.is_(True)).options(selectinload(Item.materials)).order_by(Item.code)
    ).scalars()
    return {
        "departments": [{"code": c, "name": n} for c, n in session.execute(select(Department.code, Department.name))],
        "items": [_item_dict(i) for i in items],
        "faq": [
            {"id": f.code, "question": f.question, "answer": f.answer, "item_code": f.item_code, "tags": f.tags}
            for f in session.execute(select(Faq).order_by(Faq.code)).scalars()
        ],
    }


def _item_dict(item: Item) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "department_code": item.department_code,
        "type": item.type,
        "legal_limit_workdays": item.legal_limit_workdays,
        "promised_limit_workdays": item.promised_limit_workdays,
        "fee": float(item.fee or 0),
        "fee_note": item.fee_note,
        "online_depth": item.online_depth,
        "appointment": item.appointment,
        "instant_approval_eligible": item.instant_approval_eligible,
        "counters": list(item.counters or []),
        "keywords": list(item.keywords or []),
        "note": item.note,
        "materials": [
            {
                "code": m.code,
                "name": m.name,
                "kind": m.kind,
                "required": m.required,
                "copies": m.copies,
                "original_needed": m.original_needed,
                "e_licence_type": m.e_licence_type,
                "note": m.note,
            }
            for m in item.materials
        ],
    }


def _content(entry: Entry) -> dict[str, Any]:
    return {
        "code": entry.code,
        "kind": entry.kind,
        "item_code": entry.item_code,
        "title": entry.title,
        "body": entry.body,
        "tags": list(entry.tags or []),
        "keywords": list(entry.keywords or []),
        "effective_from": entry.effective_from.isoformat() if entry.effective_from else None,
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
    }


def _snapshot(session: Session, entry: Entry, *, author_id: int | None, reviewer_id: int | None, now: datetime) -> None:
    session.add(
        EntryVersion(
            entry_id=entry.id,
            version=entry.version,
            content=_content(entry),
            author_id=author_id,
            reviewer_id=reviewer_id,
            published_at=now,
        )
    )


def _touch(entry: Entry, now: datetime) -> None:
    entry.updated_at = now
    entry.revision = (entry.revision or 0) + 1


def sync_from_catalog(session: Session, *, now: datetime) -> dict[str, int]:
    """Seed entries for catalog items and FAQ that have none yet (published as version 1), and bring catalog-sourced
    entries up to date when the catalog changed (a new published version; the catalog is itself reviewed). Entries
    an editor has taken over (source "editor"/"import") are left alone."""
    existing = {e.code: e for e in session.execute(select(Entry)).scalars()}
    added = updated = 0
    for data in entries_from_catalog(_catalog_document(session)):
        entry = existing.get(data["code"])
        if entry is None:
            entry = Entry(
                code=data["code"],
                kind=data["kind"],
                item_code=data["item_code"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                keywords=data["keywords"],
                status="published",
                version=1,
                source="catalog",
                reviewed_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(entry)
            session.flush()
            _snapshot(session, entry, author_id=None, reviewer_id=None, now=now)
            added += 1
            continue
        if entry.source != "catalog":
            continue
        fields = ("title", "body", "tags", "keywords", "item_code")
        if all(getattr(entry, f) == data[f] for f in fields):
            continue
        for f in fields:
            setattr(entry, f, data[f])
        entry.version += 1
        entry.reviewed_at = now
        _touch(entry, now)
        session.flush()
        _snapshot(session, entry, author_id=None, reviewer_id=None, now=now)
        updated += 1
    return {"added": added, "updated": updated}


def ensure_seeded(session: Session, *, now: datetime) -> None:
    if session.info.get("read_only"):
        return
    if session.execute(select(Entry.id).where(Entry.source == "catalog").limit(1)).first() is None:
        sync_from_catalog(session, now=now)


def entry_read(entry: Entry) -> EntryRead:
    return EntryRead(
        code=entry.code,
        kind=entry.kind,
        item_code=entry.item_code,
        title=entry.title,
        body=entry.body,
        tags=list(entry.tags or []),
        keywords=list(entry.keywords or []),
        status=entry.status,
        version=entry.version,
        effective_from=entry.effective_from,
        expires_at=entry.expires_at,
        source=entry.source,
        reviewer_id=entry.reviewer_id,
        reviewed_at=entry.reviewed_at,
        pending=entry.pending,
        review_note=entry.review_note,
    )


def get_entry(session: Session, code: str) -> Entry:
    entry = session.execute(select(Entry).where(Entry.code == code)).scalar_one_or_none()
    if entry is None:
        raise EntryNotFound(detail={"code": code})
    return entry


def list_entries(
    session: Session, *, status: str | None = None, q: str | None = None, limit: int = 200, offset: int = 0
) -> tuple[int, list[Entry]]:
    stmt = select(Entry).order_by(Entry.code)
    if status:
        stmt = stmt.where(Entry.status == status)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Entry.title.like(like), Entry.body.like(like), Entry.code.like(like)))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    return total, list(session.execute(stmt.limit(limit).offset(offset)).scalars())


def _check_dates(data: EntryIn) -> None:
    if data.effective_from and data.effective_from.tzinfo is None:
        raise QuestionInvalid("日期须带时区", "Dates need a time zone", code="naive_datetime")
    if data.expires_at and data.expires_at.tzinfo is None:
        raise QuestionInvalid("日期须带时区", "Dates need a time zone", code="naive_datetime")
    if data.effective_from and data.expires_at and data.expires_at <= data.effective_from:
        raise QuestionInvalid("失效时间须晚于生效时间", "Expiry must be after the effective date", code="bad_dates")


def _proposal(data: EntryIn) -> dict[str, Any]:
    return {
        "kind": data.kind,
        "item_code": data.item_code,
        "title": data.title,
        "body": data.body,
        "tags": [t[:40] for t in data.tags],
        "keywords": [k[:60] for k in data.keywords],
        "effective_from": data.effective_from.isoformat() if data.effective_from else None,
        "expires_at": data.expires_at.isoformat() if data.expires_at else None,
    }


def create_entry(session: Session, actor: Actor, data: EntryIn, *, now: datetime) -> Entry:
    """A new entry starts in review: it is not served until another editor approves it."""
    _check_dates(data)
    suffix = hashlib.sha256(data.title.encode()).hexdigest()[:4]
    code = data.code or f"KB-{now.astimezone(SHANGHAI):%Y%m%d%H%M%S}-{suffix}"
    if session.execute(select(Entry.id).where(Entry.code == code)).first():
        raise EntryConflict("条目编号已存在", "The entry code already exists", code="entry_exists")
    entry = Entry(
        code=code,
        kind=data.kind,
        item_code=data.item_code,
        title=data.title,
        body=data.body,
        tags=[],
        keywords=[],
        status="in_review",
        version=0,
        source="editor",
        author_id=actor.id,
        pending=_proposal(data),
        pending_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    audit_service.record(session, actor, "consult.entry.create", target_type="consult_entry", target_id=code, now=now)
    return entry


def propose_change(session: Session, actor: Actor, code: str, data: EntryIn, *, now: datetime) -> Entry:
    """Propose new content for an entry; the served text stays as it is until the change is reviewed."""
    _check_dates(data)
    entry = get_entry(session, code)
    if entry.status == "retired":
        raise EntryConflict(detail={"status": entry.status})
    entry.pending = _proposal(data)
    entry.pending_by = actor.id
    if entry.status == "draft":
        entry.status = "in_review"
    _touch(entry, now)
    audit_service.record(session, actor, "consult.entry.propose", target_type="consult_entry", target_id=code, now=now)
    return entry


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def review(session: Session, actor: Actor, code: str, *, approve: bool, note: str, now: datetime) -> Entry:
    """Approve (publish as the next version) or reject a pending change. The reviewer may not be its author."""
    entry = get_entry(session, code)
    if entry.pending is None:
        raise EntryConflict("没有待审核的修改", "There is no pending change to review", code="nothing_to_review")
    if entry.pending_by is not None and entry.pending_by == actor.id:
        raise Forbidden("不能审核自己提交的修改", "You cannot review your own change", code="self_review")
    if approve:
        p = entry.pending
        entry.kind = p["kind"]
        entry.item_code = p.get("item_code")
        entry.title = p["title"]
        entry.body = p["body"]
        entry.tags = list(p.get("tags") or [])
        entry.keywords = list(p.get("keywords") or [])
        entry.effective_from = _parse_dt(p.get("effective_from"))
        entry.expires_at = _parse_dt(p.get("expires_at"))
        entry.version += 1
        entry.status = "published"
        entry.reviewer_id = actor.id
        entry.reviewed_at = now
        author = entry.pending_by
        entry.pending = None
        entry.pending_by = None
        session.flush()
        _snapshot(session, entry, author_id=author, reviewer_id=actor.id, now=now)
    else:
        entry.pending = None
        entry.pending_by = None
        if entry.version == 0:
            entry.status = "draft"
    entry.review_note = note
    _touch(entry, now)
    audit_service.record(
        session,
        actor,
        "consult.entry.review",
        target_type="consult_entry",
        target_id=code,
        detail={"approve": approve, "version": entry.version},
        now=now,
    )
    return entry


def retire(session: Session, actor: Actor, code: str, *, now: datetime) -> Entry:
    entry = get_entry(session, code)
    entry.status = "retired"
    _touch(entry, now)
    audit_service.record(session, actor, "consult.entry.retire", target_type="consult_entry", target_id=code, now=now)
    return entry


def versions(session: Session, code: str) -> list[EntryVersion]:
    entry = get_entry(session, code)
    return list(
        session.execute(
            select(EntryVersion).where(EntryVersion.entry_id == entry.id).order_by(EntryVersion.version)
        ).scalars()
    )


EXPORT_COLUMNS = ("code", "kind", "item_code", "title", "body", "tags", "keywords", "effective_from", "expires_at")


def export_entries(session: Session, fmt: str) -> str:
    rows = [
        _content(e)
        for e in session.execute(select(Entry).where(Entry.status != "retired").order_by(Entry.code)).scalars()
    ]
    if fmt == "json":
        return json.dumps({"entries": rows}, ensure_ascii=False, indent=1)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "tags": "|".join(row["tags"]), "keywords": "|".join(row["keywords"])})
    return buf.getvalue()


def _parse_import(text: str, fmt: str) -> list[EntryIn]:
    try:
        if fmt == "json":
            doc = json.loads(text)
            raw = doc["entries"] if isinstance(doc, dict) else doc
            if not isinstance(raw, list):
                raise ValueError("entries must be a list")
        else:
            raw = []
            for row in csv.DictReader(io.StringIO(text)):
                row = {k: v for k, v in row.items() if k}
                row["tags"] = [t for t in (row.get("tags") or "").split("|") if t]
                row["keywords"] = [t for t in (row.get("keywords") or "").split("|") if t]
                for key in ("item_code", "effective_from", "expires_at"):
                    if not row.get(key):
                        row[key] = None
                raw.append(row)
        return [EntryIn.model_validate(r) for r in raw]
    except Exception as exc:  # any malformed file is the client's error, reported with where it failed
        raise ImportInvalid(detail={"error": str(exc)[:500]})


def import_entries(session: Session, actor: Actor, text: str, fmt: str, *, now: datetime) -> dict[str, int]:
    """Import entries (all or nothing). New ones start in review, changed ones get a pending change; nothing is
    served before a second editor reviews it."""
    rows = _parse_import(text, fmt)
    created = proposed = unchanged = 0
    for data in rows:
        _check_dates(data)
        if data.code is None:
            raise ImportInvalid(detail={"error": "every imported entry needs a code"})
        existing = session.execute(select(Entry).where(Entry.code == data.code)).scalar_one_or_none()
        if existing is None:
            entry = create_entry(session, actor, data, now=now)
            entry.source = "import"
            created += 1
        else:
            current = {k: v for k, v in _content(existing).items() if k != "code"}
            if current == _proposal(data):
                unchanged += 1
                continue
            propose_change(session, actor, data.code, data, now=now)
            proposed += 1
    audit_service.record(
        session,
        actor,
        "consult.import",
        detail={"created": created, "proposed": proposed, "unchanged": unchanged},
        now=now,
    )
    return {"created": created, "proposed": proposed, "unchanged": unchanged}


# ---------------------------------------------------------------------------------------------------------------
# Asking
# ---------------------------------------------------------------------------------------------------------------


def validate_question(text: str) -> str:
    """Rejects empty, over-long and binary questions with a 4xx; markup is kept (and escaped wherever shown)."""
    if not isinstance(text, str):  # pragma: no cover - pydantic already ensures it
        raise QuestionInvalid()
    stripped = text.strip()
    if not stripped:
        raise QuestionInvalid("请输入您的问题", "Please type a question", code="question_empty")
    if len(stripped) > MAX_QUESTION_CHARS:
        raise QuestionInvalid(
            f"问题不能超过{MAX_QUESTION_CHARS}个字",
            f"A question may not exceed {MAX_QUESTION_CHARS} characters",
            code="question_too_long",
        )
    controls = sum(1 for c in stripped if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\t\n\r")
    if controls or "\ufffd" in stripped:
        raise QuestionInvalid(
            "问题包含无法识别的字符", "The question contains unreadable characters", code="question_binary"
        )
    return stripped


def _local_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def _hall(session: Session, hall_code: str | None) -> Hall | None:
    if not hall_code:
        return None
    return session.execute(select(Hall).where(Hall.code == hall_code)).scalar_one_or_none()


def next_steps(
    session: Session, *, item_code: str | None, hall: Hall | None, question_id: int | None
) -> list[NextStep]:
    """One-tap actions. With an item: book, take a ticket, online/self-service, ask for help. Without: hand-over."""
    hall_code = hall.code if hall else ""
    hotline = (hall.hotline if hall else "") or DEFAULT_HOTLINE
    help_body: dict[str, object] = {"hall_code": hall_code or None, "source": "web", "item_code": item_code}
    if question_id:
        help_body["question_id"] = question_id
    steps: list[NextStep] = []
    if item_code:
        item = session.execute(select(Item).where(Item.code == item_code)).scalar_one_or_none()
        q = urlencode({"hall_code": hall_code, "item_code": item_code})
        if appointment_service.is_bookable(session, hall_code, item_code):  # never offered where booking is refused
            steps.append(
                NextStep(
                    route="book",
                    label_zh="预约办理",
                    label_en="Book a slot",
                    method="GET",
                    href=f"/appointments/book?{q}",
                )
            )
        if hall_code:
            steps.append(
                NextStep(
                    route="ticket",
                    label_zh="现场取号",
                    label_en="Take a ticket",
                    method="GET",
                    href=f"/kiosk/{hall_code}",
                    api={"href": "/api/v1/tickets", "hall_code": hall_code, "item_code": item_code},
                )
            )
        if item is not None and item.online_depth >= 3:
            oq = urlencode({"item_code": item_code, "hall_code": hall_code})
            steps.append(
                NextStep(
                    route="online",
                    label_zh="网上/自助申报",
                    label_en="Declare online or at a kiosk",
                    method="GET",
                    href=f"/cases/new?{oq}",
                )
            )
        steps.append(
            NextStep(
                route="help",
                label_zh="请人帮办",
                label_en="Ask for help",
                method="POST",
                href="/api/v1/help-requests",
                api=help_body,
            )
        )
    else:
        steps.append(
            NextStep(
                route="guide_desk",
                label_zh="到咨询导办台找工作人员",
                label_en="Ask at the guide desk",
                method="POST",
                href="/api/v1/help-requests",
                api={**help_body, "source": "guide_desk"},
            )
        )
        steps.append(
            NextStep(
                route="hotline",
                label_zh=f"拨打热线{hotline}",
                label_en=f"Call the hotline {hotline}",
                method="TEL",
                href=f"tel:{hotline}",
            )
        )
    return steps


def ask(
    session: Session,
    actor: Actor,
    *,
    question: str,
    hall_code: str | None = None,
    channel: str = "web",
    now: datetime,
) -> AskOut:
    ratelimit.enforce(session, "consult.ask", actor, now)
    text = validate_question(question)
    hall = _hall(session, hall_code)
    if hall_code and hall is None:
        raise QuestionInvalid("大厅不存在", "Unknown hall", code="unknown_hall", detail={"hall_code": hall_code})
    ensure_seeded(session, now=now)
    index = get_index(session, now)
    result = index.ask(text, reranker=reranker())
    versions_by_code: dict[str, int] = {}
    for code, version in session.execute(
        select(Entry.code, Entry.version).where(Entry.code.in_([h.doc.key for h in result.hits]))
    ):
        versions_by_code[code] = version
    answers = [
        AnswerOut(
            kind="item" if h.doc.kind == "item" else "faq",
            item_code=h.doc.item_code,
            faq_id=h.doc.key if h.doc.kind == "faq" else None,
            entry_code=h.doc.key,
            entry_version=versions_by_code.get(h.doc.key, 0),
            title=h.doc.title,
            snippet=h.doc.body[:160],
            score=round(h.score, 3),
        )
        for h in result.hits
    ]
    top = result.hits[0].doc if result.hits else None
    row = Question(
        text=text,
        normalised=result.normalised[:MAX_QUESTION_CHARS],
        hall_code=hall.code if hall else None,
        channel=channel,
        confident=result.confident,
        confidence=round(result.confidence, 4),
        top_entry_code=top.key if top else None,
        answers=[{"entry_code": a.entry_code, "score": a.score} for a in answers],
        review_status="none" if result.confident else "open",
        asked_at=now,
        day=_local_day(now),
    )
    session.add(row)
    session.flush()
    item_code = top.item_code if (result.confident and top) else None
    steps = next_steps(session, item_code=item_code, hall=hall, question_id=row.id)
    if result.confident:
        msg_zh, msg_en = "为您找到以下办事指引", "Here is what we found"
    else:
        hotline = (hall.hotline if hall else "") or DEFAULT_HOTLINE
        msg_zh = f"抱歉,这个问题我还答不准。请到咨询导办台找工作人员,或拨打热线{hotline}。"
        msg_en = f"Sorry, I am not sure about this one. Please ask at the guide desk or call {hotline}."
    return AskOut(
        feedback_token=feedback_token(row.id),
        question_id=row.id,
        confident=result.confident,
        confidence=round(result.confidence, 4),
        normalised=result.normalised,
        message_zh=msg_zh,
        message_en=msg_en,
        answers=answers if result.confident else answers[:3],
        next_steps=steps,
        reranked=result.reranked,
    )


def feedback_token(question_id: int) -> str:
    """The asker's proof for feedback on one question (keyed hash: unforgeable without the field key)."""
    return blind_index(str(question_id), "consult.feedback")[:32]


def feedback(session: Session, actor: Actor, *, question_id: int, helpful: bool, token: str, now: datetime) -> Question:
    """Record whether an answer helped: by the asker (holding the answer's token) or front-line staff."""
    row = session.get(Question, question_id)
    if row is None:
        raise QuestionNotFound()
    if not (actor.is_staff or hmac.compare_digest(token.encode(), feedback_token(question_id).encode())):
        raise Forbidden("仅提问人可以评价该回答", "Only the asker may rate this answer", code="not_the_asker")
    ratelimit.enforce(session, "consult.feedback", actor, now)
    row.helpful = helpful
    row.feedback_at = now
    if not helpful and row.review_status == "none":
        row.review_status = "open"
    return row


def record_route(
    session: Session,
    actor: Actor,
    *,
    route: str,
    item_code: str | None,
    hall_code: str | None,
    question_id: int | None,
    target: str,
    now: datetime,
) -> Route:
    if question_id is not None and session.get(Question, question_id) is None:
        question_id = None
    row = Route(
        question_id=question_id,
        item_code=item_code,
        hall_code=hall_code,
        route=route,
        target=target[:300],
        actor=actor.label,
        at=now,
        day=_local_day(now),
    )
    session.add(row)
    session.flush()
    return row


ROUTE_TARGETS = {"book", "ticket", "online", "self_service", "help", "guide_desk", "hotline"}


def route_target(route: str, *, item_code: str | None, hall_code: str | None) -> str:
    q = urlencode({"hall_code": hall_code or "", "item_code": item_code or ""})
    if route == "book":
        return f"/appointments/book?{q}"
    if route == "ticket":
        return f"/kiosk/{hall_code}" if hall_code else "/"
    if route in ("online", "self_service"):
        return f"/cases/new?{urlencode({'item_code': item_code or '', 'hall_code': hall_code or ''})}"
    if route in ("help", "guide_desk"):
        return f"/ask/help?{q}"
    return "/ask"


# ---------------------------------------------------------------------------------------------------------------
# Guidance card
# ---------------------------------------------------------------------------------------------------------------


def guidance_card(
    session: Session, *, item_code: str, hall_code: str | None, answers: dict[str, bool]
) -> dict[str, Any]:
    from smarthall.catalog import service as catalog_service

    item = catalog_service.get_item(session, item_code)
    data = _item_dict(item)
    hall = _hall(session, hall_code)
    windows: list[dict[str, Any]] = []
    zones: list[dict[str, Any]] = []
    handled = True
    if hall is not None:
        handled = item.code in catalog_service.hall_item_codes(session, hall)
        ws = catalog_service.windows_serving(session, hall, item.code)
        zone_codes = {w.zone_code for w in ws}
        zone_rows = {z.code: z for z in session.execute(select(Zone).where(Zone.code.in_(zone_codes))).scalars()}
        windows = [{"code": w.code, "name": w.name, "zone_code": w.zone_code} for w in ws]
        zones = [{"code": z.code, "name": z.name, "floor": z.floor} for z in zone_rows.values()]
    dept = session.execute(select(Department.name).where(Department.code == item.department_code)).scalar()
    return {
        "item_code": item.code,
        "name": item.name,
        "department": dept or item.department_code,
        "fee": float(item.fee or 0),
        "fee_note": item.fee_note,
        "promised_limit_workdays": item.promised_limit_workdays,
        "online_depth": item.online_depth,
        "online": item.online_depth >= 3,
        "fully_online": item.online_depth >= 4,
        "appointment_required": item.appointment,
        "hall_code": hall.code if hall else None,
        "hall_name": hall.name if hall else None,
        "handled_here": handled,
        "questions": [
            {"material_code": q.material_code, "question": q.question} for q in checklist_questions(data["materials"])
        ],
        "checklist": tailored_checklist(data["materials"], answers),
        "windows": windows,
        "zones": zones,
        "next_steps": [s.model_dump() for s in next_steps(session, item_code=item.code, hall=hall, question_id=None)],
    }


# ---------------------------------------------------------------------------------------------------------------
# Review queue and metrics
# ---------------------------------------------------------------------------------------------------------------


def review_queue(session: Session, *, status: str = "open", limit: int = 200) -> list[Question]:
    return list(
        session.execute(
            select(Question).where(Question.review_status == status).order_by(Question.asked_at.desc()).limit(limit)
        ).scalars()
    )


def resolve_queue_item(
    session: Session, actor: Actor, question_id: int, *, action: str, entry_code: str | None, now: datetime
) -> Question:
    """Link a queued question to an entry (its text becomes one of the entry's phrasings) or dismiss it."""
    row = session.get(Question, question_id)
    if row is None:
        raise QuestionNotFound()
    if action == "link":
        if not entry_code:
            raise QuestionInvalid("请选择要关联的条目", "Choose an entry to link", code="entry_required")
        entry = get_entry(session, entry_code)
        phrasing = row.text[:60]
        if phrasing not in (entry.keywords or []):
            entry.keywords = [*list(entry.keywords or []), phrasing]
            _touch(entry, now)
        row.review_status = "linked"
        row.linked_entry_code = entry.code
    else:
        row.review_status = "dismissed"
    row.reviewed_by = actor.id
    row.reviewed_at = now
    audit_service.record(
        session, actor, "consult.queue." + action, target_type="consult_question", target_id=row.id, now=now
    )
    return row


def metrics(session: Session, *, days: int, now: datetime, hall_code: str | None = None) -> list[DayMetrics]:
    """Per service day: answer rate (confident answers), hit rate (helpful among feedback), hand-over rate
    (declined questions plus help/guide-desk/hotline routes, over questions asked)."""
    end = _local_day(now)
    start = end - timedelta(days=days - 1)
    q = select(Question).where(Question.day >= start, Question.day <= end)
    r = select(Route).where(Route.day >= start, Route.day <= end)
    if hall_code:
        q = q.where(Question.hall_code == hall_code)
        r = r.where(Route.hall_code == hall_code)
    questions = list(session.execute(q).scalars())
    routes = list(session.execute(r).scalars())
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        qs = [x for x in questions if x.day == day]
        rs = [x for x in routes if x.day == day]
        asked = len(qs)
        answered = sum(1 for x in qs if x.confident)
        fb = [x for x in qs if x.helpful is not None]
        helpful = sum(1 for x in fb if x.helpful)
        declined_ids = {x.id for x in qs if not x.confident}
        handover_routes = {x.question_id or -x.id for x in rs if x.route in ("help", "guide_desk", "hotline")}
        handed = len(declined_ids | handover_routes)
        out.append(
            DayMetrics(
                day=day.isoformat(),
                asked=asked,
                answered=answered,
                answer_rate=round(answered / asked, 4) if asked else 0.0,
                feedback=len(fb),
                helpful=helpful,
                hit_rate=round(helpful / len(fb), 4) if fb else None,
                handed_over=handed,
                hand_over_rate=round(handed / asked, 4) if asked else 0.0,
                routes=dict(Counter(x.route for x in rs)),
            )
        )
    return out
