"""The course generator page (8.3, 由目录与知识库生成课程): the hall manager ticks catalog items and knowledge
entries, sets how many questions, previews the quiz the catalog and the knowledge base write (right answers shown)
and publishes it as a course, then assigns it on the assignments page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.identity.permissions import STAFF_ROLES
from smarthall.staff import course_builder
from smarthall.staff.errors import BadQuiz
from smarthall.web.templating import gate, render, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
PAGE = "staff/course_generate.html"


def _show(
    request: Request, session: DbSession, actor: Any, now: Any, form: dict[str, Any], **ctx: Any
) -> Response:
    status = int(ctx.pop("status_code", 200))
    context = {
        "sources": course_builder.sources(session, actor, now=now),
        "roles": STAFF_ROLES,
        "form": form,
        "error": None,
        "preview": None,
        **ctx,
    }
    return render(request, PAGE, context, status_code=status)


@router.get("/staff/courses/generate")
def generate_page(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, "staff.courses")) is not None:
        return denied
    return _show(request, session, actor, now, {"items": [], "entries": [], "question_count": 10, "pass_percent": 80})


@router.post("/staff/courses/generate")
def generate_post(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    code: Annotated[str, Form(max_length=40)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    item: Annotated[list[str] | None, Form(max_length=20)] = None,
    entry: Annotated[list[str] | None, Form(max_length=20)] = None,
    question_count: Annotated[str, Form(max_length=4)] = "",
    pass_mark: Annotated[str, Form(max_length=4, alias="pass_percent")] = "",
    required_for_role: Annotated[str, Form(max_length=16)] = "",
    action: Annotated[str, Form(max_length=10)] = "preview",
) -> Response:
    """``action=preview`` shows the quiz without saving; ``action=publish`` saves it and goes on to assigning."""
    if (denied := gate(request, actor, "staff.courses")) is not None:
        return denied
    form = {
        "code": code, "title": title, "items": item or [], "entries": entry or [], "question_count": question_count,
        "pass_percent": pass_mark, "required_for_role": required_for_role,
    }  # fmt: skip

    def refused(exc: HallError) -> Response:
        return _show(request, session, actor, now, form, error=exc, status_code=exc.status_)

    try:
        data = course_builder.CourseGenerate(
            code=code.strip() or "draft",
            title=title.strip() or "draft",
            item_codes=item or [],
            entry_codes=entry or [],
            question_count=int(question_count) if question_count.strip() else None,
            pass_percent=int(pass_mark) if pass_mark.strip() else 80,
            required_for_role=required_for_role or None,
        )
    except (ValidationError, ValueError):
        return refused(BadQuiz("课程编号、题目数量或及格线有误", "Check the code, question count and pass mark",
                               code="course_bad_input"))  # fmt: skip
    if action == "publish":
        if not code.strip() or not title.strip():
            return refused(BadQuiz("发布前请填写课程编号和名称", "Give the course a code and a title to publish",
                                   code="course_bad_input"))  # fmt: skip
        return write_then_go(
            request,
            session,
            lambda: course_builder.generate(session, actor, data, now=now),
            lambda made: f"/staff/courses/assignments?made={made['id']}",
            on_error=refused,
        )
    try:
        with attempt(session):
            preview = course_builder.preview(session, actor, data, now=now)
    except HallError as exc:
        return refused(exc)
    return _show(request, session, actor, now, form, preview=preview)
