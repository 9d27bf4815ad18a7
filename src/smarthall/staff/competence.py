"""Competence (8.3): courses with a multiple-choice quiz made by the hall manager, taken by the hall's staff,
scored and kept; the courses a person has passed show on their record, and a course may be required before a role
is granted (checked when an account's role changes, through ``identity.role_grant_checks``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Protocol

from pydantic import Field
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.clock import SHANGHAI
from smarthall.core.errors import Forbidden
from smarthall.core.schemas import RequestModel
from smarthall.core.tenancy import Actor
from smarthall.identity.permissions import STAFF_ROLES
from smarthall.staff import repository as repo
from smarthall.staff.errors import BadAnswers, BadQuiz, CourseExists, CourseNotFound, CourseRequired
from smarthall.staff.models import Course, CourseAttempt

ROLE_GRANT_CHECKS = "identity.role_grant_checks"


class Account(Protocol):
    """What the checks read of a staff account handed over by identity (its id and hall)."""

    @property
    def id(self) -> int: ...

    @property
    def hall_id(self) -> int: ...


class Question(RequestModel):
    text: str = Field(min_length=1, max_length=500)
    options: list[Annotated[str, Field(pattern=r"\S")]] = Field(min_length=2, max_length=8)
    answer: int = Field(ge=0, le=7)  # an index into the options (at most 8)


class CourseCreate(RequestModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20000)
    questions: list[Question] = Field(min_length=1, max_length=50)
    pass_percent: int = Field(default=80, ge=1, le=100)
    required_for_role: str | None = Field(default=None, max_length=16)
    hall_code: str | None = Field(default=None, max_length=32)


class AttemptCreate(RequestModel):
    answers: list[Annotated[int, Field(ge=0, le=1000)]] = Field(max_length=50)


def ensure_manager(actor: Actor) -> None:
    if not actor.has("staff.courses"):
        raise Forbidden("您的角色无权管理培训课程", "Your role cannot manage courses", code="forbidden_role")


def _staff(actor: Actor) -> None:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("仅工作人员可参加培训测验", "Only staff take course quizzes", code="forbidden_role")


def course_read(course: Course, *, with_answers: bool) -> dict[str, Any]:
    return {
        "id": course.id,
        "code": course.code,
        "hall_code": course.hall_code,
        "title": course.title,
        "body": course.body,
        "pass_percent": course.pass_percent,
        "required_for_role": course.required_for_role,
        "questions": [
            {"text": q["text"], "options": q["options"], **({"answer": q["answer"]} if with_answers else {})}
            for q in course.questions
        ],
    }


def create_course(session: Session, actor: Actor, data: CourseCreate, *, now: datetime) -> dict[str, Any]:
    ensure_manager(actor)
    from smarthall.staff.performance import hall_in_scope

    hall = hall_in_scope(session, actor, data.hall_code)
    for n, q in enumerate(data.questions):
        if q.answer >= len(q.options) or any(not o.strip() for o in q.options):
            raise BadQuiz(detail={"question": n + 1})
    if data.required_for_role is not None and data.required_for_role not in STAFF_ROLES:
        raise BadQuiz("角色不存在", "No such role", code="unknown_role", detail={"field": "required_for_role"})
    courses = repo.CourseRepository(session)
    if courses.by_code(hall.id, data.code) is not None:
        raise CourseExists(detail={"code": data.code})
    course = courses.add(
        Course(
            hall_id=hall.id,
            hall_code=hall.code,
            region_path=hall.region_path,
            code=data.code,
            title=data.title,
            body=data.body,
            questions=[q.model_dump() for q in data.questions],
            pass_percent=data.pass_percent,
            required_for_role=data.required_for_role,
            active=True,
            created_by=actor.label,
        )
    )
    session.flush()
    audit_service.record(
        session, actor, "staff.course.create", target_type="course", target_id=course.id, hall_code=hall.code, now=now
    )
    return course_read(course, with_answers=True)


def list_courses(session: Session, actor: Actor, hall_code: str | None) -> list[dict[str, Any]]:
    _staff(actor)
    from smarthall.staff.performance import hall_in_scope

    hall = hall_in_scope(session, actor, hall_code)
    passed = repo.AttemptRepository(session).passed_course_ids(actor.id or 0)
    return [
        {**course_read(c, with_answers=False), "passed": c.id in passed, "question_count": len(c.questions)}
        for c in repo.CourseRepository(session).of_hall(actor, hall.id)
    ]


def get_course(session: Session, actor: Actor, course_id: int) -> Course:
    _staff(actor)
    course = repo.CourseRepository(session).get_in_scope(actor, id=course_id)
    if course is None or not course.active:
        raise CourseNotFound(detail={"course_id": course_id})
    return course


def take_quiz(session: Session, actor: Actor, course_id: int, data: AttemptCreate, *, now: datetime) -> dict[str, Any]:
    """Score one staff member's answers to a course of their own hall (every attempt is kept)."""
    course = get_course(session, actor, course_id)
    if course.hall_id != actor.hall_id:
        raise CourseNotFound(detail={"course_id": course_id})  # a supervisor may read, only the hall's staff take it
    if len(data.answers) != len(course.questions) or any(
        not 0 <= a < len(q["options"]) for a, q in zip(data.answers, course.questions, strict=False)
    ):
        raise BadAnswers(detail={"expected": len(course.questions)})
    correct = sum(1 for a, q in zip(data.answers, course.questions, strict=True) if a == q["answer"])
    score = round(100 * correct / len(course.questions))
    attempt = repo.AttemptRepository(session).add(
        CourseAttempt(
            course_id=course.id,
            hall_id=course.hall_id,
            staff_id=actor.id,
            answers=list(data.answers),
            correct=correct,
            score=score,
            passed=score >= course.pass_percent,
            taken_at=now,
        )
    )
    session.flush()
    audit_service.record(
        session,
        actor,
        "staff.course.attempt",
        target_type="course",
        target_id=course.id,
        hall_code=course.hall_code,
        detail={"score": score, "passed": attempt.passed},
        now=now,
    )
    return {
        "attempt_id": attempt.id,
        "course_id": course.id,
        "correct": correct,
        "questions": len(course.questions),
        "score": score,
        "passed": attempt.passed,
        "pass_percent": course.pass_percent,
    }


def completed(session: Session, staff: Account) -> list[dict[str, Any]]:
    """The courses ``staff`` has passed, best score and first pass time, newest first."""
    from smarthall.core.tenancy import SYSTEM

    best: dict[int, dict[str, Any]] = {}
    for attempt, course in repo.AttemptRepository(session).of_staff(SYSTEM, staff.id):
        if not attempt.passed:
            continue
        seen = best.get(course.id)
        if seen is None or attempt.score > seen["score"]:
            passed_at = attempt.taken_at.astimezone(SHANGHAI)
            best[course.id] = {
                "code": course.code,
                "title": course.title,
                "score": attempt.score,
                "passed_at": passed_at,
            }
    return sorted(best.values(), key=lambda r: r["passed_at"], reverse=True)


def check_role_grant(session: Session, staff: Account, role: str) -> None:
    """Refuse ``role`` for ``staff`` while a course of the hall required for it is not passed."""
    required = repo.CourseRepository(session).required_for(staff.hall_id, role)
    if not required:
        return
    passed = repo.AttemptRepository(session).passed_course_ids(staff.id)
    missing = [c.code for c in required if c.id not in passed]
    if missing:
        raise CourseRequired(detail={"role": role, "courses": missing})
