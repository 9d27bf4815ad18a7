"""Course assignments (8.3): the hall manager assigns a course, due by a day, to one staff member or to everyone of
a role and/or a department of the hall. Who is meant is worked out when read (a newcomer in the role is included);
each person's state is passed, pending or overdue (not passed after the due day), and the overdue ones show on the
supervision page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.clock import service_day
from smarthall.core.masking import mask_name
from smarthall.core.schemas import RequestModel
from smarthall.core.tenancy import Actor
from smarthall.core.types import BigId
from smarthall.identity import service as identity_service
from smarthall.identity import staffing
from smarthall.identity.permissions import STAFF_ROLES
from smarthall.org import service as org_service
from smarthall.staff import competence
from smarthall.staff import repository as repo
from smarthall.staff.errors import AssignmentBadDue, AssignmentNoTarget, BadQuiz, CourseNotFound
from smarthall.staff.models import CourseAssignment

MEASURED = ("guide", "clerk", "approver")


class AssignmentCreate(RequestModel):
    # one target at least: a person, a role or a department (the contract says so; ``assign`` checks it)
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
                for name in ("staff_code", "role", "department_code")
            ]
        }
    )

    course_id: BigId
    staff_code: str | None = Field(default=None, max_length=40)
    role: str | None = Field(default=None, max_length=16)
    department_code: str | None = Field(default=None, max_length=40)
    due_on: date


def assign(session: Session, actor: Actor, data: AssignmentCreate, *, now: datetime) -> dict[str, Any]:
    """Record one assignment of a course of a hall in the manager's scope (one transaction, audited)."""
    competence.ensure_manager(actor)
    course = repo.CourseRepository(session).get_in_scope(actor, id=data.course_id)
    if course is None or not course.active:
        raise CourseNotFound(detail={"course_id": data.course_id})
    if not (data.staff_code or data.role or data.department_code):
        raise AssignmentNoTarget()
    if data.due_on < service_day(now):
        raise AssignmentBadDue(detail={"due_on": data.due_on.isoformat()})
    if data.role is not None and data.role not in STAFF_ROLES:
        raise BadQuiz("角色不存在", "No such role", code="unknown_role", detail={"field": "role"})
    if data.department_code and org_service.find_department(session, data.department_code) is None:
        raise BadQuiz("部门不存在", "No such department", code="unknown_department", detail={"field": "department"})
    staff_id: int | None = None
    if data.staff_code:
        person = staffing.staff_in_scope(session, actor, data.staff_code)
        if person.hall_id != course.hall_id:
            raise AssignmentNoTarget(
                "该工作人员不属于课程所在大厅", "The staff member is not in the course's hall", code="staff_not_in_hall"
            )
        staff_id = person.id
    assignment = repo.AssignmentRepository(session).add(
        CourseAssignment(
            hall_id=course.hall_id,
            hall_code=course.hall_code,
            region_path=course.region_path,
            course_id=course.id,
            staff_id=staff_id,
            role=data.role,
            department_code=data.department_code or None,
            due_on=data.due_on,
            assigned_by=actor.label,
            assigned_at=now,
        )
    )
    session.flush()
    audit_service.record(
        session,
        actor,
        "staff.course.assign",
        target_type="course",
        target_id=course.id,
        hall_code=course.hall_code,
        detail={
            "assignment_id": assignment.id,
            "staff_code": data.staff_code,
            "role": data.role,
            "department_code": data.department_code,
            "due_on": data.due_on.isoformat(),
        },
        now=now,
    )
    return {"id": assignment.id, "course_id": course.id, "course_code": course.code, "due_on": data.due_on}


def progress(session: Session, actor: Actor, hall_id: int, *, now: datetime) -> list[dict[str, Any]]:
    """Every assignment of the hall with each person it means and their state, soonest due first."""
    rows = repo.AssignmentRepository(session).of_hall(actor, hall_id)
    if not rows:
        return []
    people = identity_service.active_staff(session, hall_id=hall_id, roles=STAFF_ROLES)
    passed = repo.AttemptRepository(session).passed_pairs([p.id for p in people])
    today = service_day(now)
    out: list[dict[str, Any]] = []
    for a, course in rows:
        meant = [
            p
            for p in people
            if (a.staff_id is None or p.id == a.staff_id)
            and (a.role is None or p.role == a.role)
            and (a.department_code is None or p.department_code == a.department_code)
            and (a.staff_id is not None or a.role is not None or p.role in MEASURED)
        ]
        persons = []
        for p in meant:
            done = (p.id, course.id) in passed
            state = "passed" if done else ("overdue" if today > a.due_on else "pending")
            persons.append(
                {
                    "staff_id": p.id,
                    "staff_code": p.code,
                    "name": mask_name(p.name),
                    "state": state,
                    "days_overdue": (today - a.due_on).days if state == "overdue" else 0,
                }
            )
        out.append(
            {
                "id": a.id,
                "course_id": course.id,
                "course_code": course.code,
                "course_title": course.title,
                "staff_id": a.staff_id,
                "role": a.role,
                "department_code": a.department_code,
                "due_on": a.due_on,
                "assigned_by": a.assigned_by,
                "people": persons,
                "passed": sum(1 for p in persons if p["state"] == "passed"),
                "overdue": sum(1 for p in persons if p["state"] == "overdue"),
            }
        )
    return out


def overdue(session: Session, actor: Actor, hall_id: int, *, now: datetime) -> list[dict[str, Any]]:
    """One row per person and assigned course not passed after its due day (the supervision page shows them)."""
    return [
        {"course_title": a["course_title"], "due_on": a["due_on"], **p}
        for a in progress(session, actor, hall_id, now=now)
        for p in a["people"]
        if p["state"] == "overdue"
    ]


def mine(session: Session, actor: Actor, *, now: datetime) -> list[dict[str, Any]]:
    """The caller's own assigned courses with due day and state (for their record page)."""
    if actor.id is None or actor.hall_id is None:
        return []
    return [
        {"course_id": a["course_id"], "course_title": a["course_title"], "due_on": a["due_on"], "state": p["state"]}
        for a in progress(session, actor, actor.hall_id, now=now)
        for p in a["people"]
        if p["staff_id"] == actor.id
    ]


def listing(session: Session, actor: Actor, hall_code: str | None, *, now: datetime) -> dict[str, Any]:
    competence.ensure_manager(actor)
    from smarthall.staff.performance import hall_in_scope

    hall = hall_in_scope(session, actor, hall_code)
    return {"hall_code": hall.code, "hall_name": hall.name, "assignments": progress(session, actor, hall.id, now=now)}
