"""Courses made from the catalog and the knowledge base (8.3): the hall manager names items and knowledge entries,
and the quiz is written from them (``quizgen``) — the materials an item needs, its promised time limit, the answer
a knowledge entry gives — then saved as an ordinary course, to be assigned by role and department like any other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from smarthall.catalog import service as catalog_service
from smarthall.consult import service as knowledge
from smarthall.core.errors import HallError
from smarthall.core.schemas import RequestModel
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.staff import competence, quizgen
from smarthall.staff.errors import BadQuiz


class CourseGenerate(RequestModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = Field(min_length=1, max_length=200)
    item_codes: list[str] = Field(default_factory=list, max_length=20)
    entry_codes: list[str] = Field(default_factory=list, max_length=20)
    pass_percent: int = Field(default=80, ge=1, le=100)
    required_for_role: str | None = Field(default=None, max_length=16)
    hall_code: str | None = Field(default=None, max_length=32)
    # At most this many questions (the first ones, in the order of the chosen items then entries); None: all.
    question_count: int | None = Field(default=None, ge=1, le=50)


def _item_facts(item: Any) -> quizgen.ItemFacts:
    materials = list(item.materials or [])
    return quizgen.ItemFacts(
        code=item.code,
        name=item.name,
        promised_workdays=int(item.promised_limit_workdays),
        legal_workdays=int(item.legal_limit_workdays),
        required_materials=tuple(m.name for m in materials if m.required),
        all_materials=tuple(m.name for m in materials),
    )


def _entry_facts(entry: Any) -> quizgen.EntryFacts:
    return quizgen.EntryFacts(code=entry.code, title=entry.title, body=entry.body)


def draft(session: Session, actor: Actor, data: CourseGenerate, *, now: datetime) -> competence.CourseCreate:
    """The course the named items and entries make, not yet saved — what the page previews (422 when one is
    unknown or nothing could be asked)."""
    competence.ensure_manager(actor)
    if not data.item_codes and not data.entry_codes:
        raise BadQuiz("请至少选择一个事项或一条知识", "Choose at least one item or knowledge entry",
                      code="course_no_source")  # fmt: skip
    knowledge.ensure_seeded(session, now=now)  # the knowledge base starts as the catalog's entries
    pool = {i.code: i for i in catalog_service.active_items(session, with_materials=True)}
    unknown = [c for c in data.item_codes if c not in pool]
    entries = []
    for code in data.entry_codes:
        try:
            entry = knowledge.get_entry(session, code, actor)
        except HallError:
            entry = None
        if entry is None or entry.status != "published":
            unknown.append(code)
        else:
            entries.append(entry)
    if unknown:
        raise BadQuiz("事项或知识条目不存在", "No such item or knowledge entry", code="course_unknown_source",
                      detail={"unknown": unknown})  # fmt: skip
    _total, published = knowledge.list_entries(session, status="published", limit=200, actor=actor)
    item_pool = [_item_facts(i) for i in pool.values()]
    questions = quizgen.build(
        data.code,
        [_item_facts(pool[c]) for c in data.item_codes],
        [_entry_facts(e) for e in entries],
        item_pool=item_pool,
        entry_pool=[_entry_facts(e) for e in published],
    )
    if not questions:
        raise BadQuiz("所选内容不足以出题", "Nothing to ask about in what was chosen", code="course_no_questions")
    names = [pool[c].name for c in data.item_codes] + [e.title for e in entries]
    body = "本课程依据事项目录与知识库生成,涉及:" + "、".join(names)
    return competence.CourseCreate(
        code=data.code,
        title=data.title,
        body=body,
        questions=[competence.Question.model_validate(q) for q in questions][: data.question_count or 50],
        pass_percent=data.pass_percent,
        required_for_role=data.required_for_role,
        hall_code=data.hall_code,
    )


def preview(session: Session, actor: Actor, data: CourseGenerate, *, now: datetime) -> dict[str, Any]:
    """The draft as the API and the page show it, right answers included; nothing is saved."""
    course = draft(session, actor, data, now=now)
    return {**course.model_dump(), "sources": {"items": data.item_codes, "entries": data.entry_codes}}


def generate(session: Session, actor: Actor, data: CourseGenerate, *, now: datetime) -> dict[str, Any]:
    """Write the quiz from the named items and entries and save the course (422 when one is unknown or nothing
    could be asked, 409 when the code is taken)."""
    course = draft(session, actor, data, now=now)
    return {**competence.create_course(session, actor, course, now=now), "sources": {"items": data.item_codes,
            "entries": data.entry_codes}}  # fmt: skip


def sources(session: Session, actor: Actor, *, now: datetime) -> dict[str, list[dict[str, str]]]:
    """What a course can be made from, as the page lists it: the active catalog items and the published
    knowledge entries."""
    competence.ensure_manager(actor)
    knowledge.ensure_seeded(session, now=now)
    departments = org_service.department_names(session)
    items = sorted(catalog_service.active_items(session), key=lambda i: (i.department_code, i.code))
    _total, entries = knowledge.list_entries(session, status="published", limit=200, actor=actor)
    return {
        "items": [
            {"code": i.code, "name": i.name, "department": departments.get(i.department_code, "")} for i in items
        ],
        "entries": [{"code": e.code, "title": e.title} for e in sorted(entries, key=lambda e: e.code)],
    }
