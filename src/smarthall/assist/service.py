"""Assisted and proxy handling (智能帮办代办, GB/T 44888-2024 §6.2): help requests assigned to helpers by zone,
skill and load; proxy authorizations (``assist.proxies``) confirmed by the entrustor only, with every step notified
to them, and a scope check that an agent may only act within what was authorized.

Helping is free of charge and the citizen stays the legal applicant: a help request only records who helped and
which ticket or case it produced. Finished help requests are ``ServedSubject``s, so they can be evaluated like a
window (``help_subject``, registered as the ``help_request`` resolver in ``assist.register``).

Every query is in ``assist.repository``; halls, items, people and questions come from their domains' services.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.assist import matching
from smarthall.assist.errors import AssistInvalid, BadTransition, HelpRequestNotFound
from smarthall.assist.models import HelpRequest
from smarthall.assist.proxies import (  # noqa: F401  (the proxy use cases, reached through this service)
    act_on_proxy,
    check_agent,
    check_collector,
    create_proxy,
    ensure_within_scope,
    get_proxy,
    list_proxies,
    proxy_read,
    proxy_reads,
    standing,
)
from smarthall.assist.repository import HelpRequestRepository
from smarthall.assist.schemas import HelpRequestCreate, HelpRequestRead
from smarthall.assist.states import HELP_TRANSITIONS, next_state
from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.consult import service as consult_service
from smarthall.core import ratelimit
from smarthall.core.crypto import blind_index
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_phone, scrub
from smarthall.core.subjects import ServedSubject
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_phone
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service

HELPER_ROLES = matching.HELPER_ROLES


def help_read(row: HelpRequest) -> HelpRequestRead:
    return HelpRequestRead(
        id=row.id,
        hall_code=row.hall_code,
        source=row.source,
        item_code=row.item_code,
        zone_code=row.zone_code,
        skill=row.skill,
        description=row.description,
        status=row.status,
        assigned_staff_id=row.assigned_staff_id,
        citizen_id=row.citizen_id,
        phone_masked=mask_phone(row.contact_phone) if row.contact_phone else None,
        question_id=row.question_id,
        opened_at=row.opened_at,
        assigned_at=row.assigned_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        cancelled_at=row.cancelled_at,
        ticket_ref=row.ticket_ref,
        case_ref=row.case_ref,
        note=row.note,
    )


def hall_of(session: Session, code: str) -> Any:
    """The hall with ``code``, or 422 ``unknown_hall``."""
    hall = org_service.find_hall(session, code)
    if hall is None:
        raise AssistInvalid("大厅不存在", "Unknown hall", code="unknown_hall", detail={"hall_code": code})
    return hall


def item_of(session: Session, code: str) -> Any:
    """The item with ``code``, or 422 ``unknown_item``."""
    item = catalog_service.find_item(session, code)
    if item is None:
        raise AssistInvalid("事项不存在", "Unknown item", code="unknown_item", detail={"item_code": code})
    return item


def _guide_zone(session: Session, hall_id: int) -> str | None:
    zones = org_service.zones_of_type(session, hall_id, "consult_guide")
    return min((z.code for z in zones), default=None)


def helper_loads(session: Session, hall_id: int) -> dict[int, int]:
    return HelpRequestRepository(session).loads(hall_id)


def choose_helper(session: Session, row: HelpRequest) -> Any | None:
    """The helper for a request (``matching.best_helper``) among the active guides and hall managers of its hall."""
    staff = identity_service.active_staff(session, hall_id=row.hall_id, roles=HELPER_ROLES)
    return matching.best_helper(staff, helper_loads(session, row.hall_id), skill=row.skill, zone_code=row.zone_code)


def _assign(session: Session, row: HelpRequest, staff: Any, *, now: datetime) -> None:
    row.assigned_staff_id = staff.id
    row.assigned_at = now
    row.status = "assigned"
    notify_service.send(
        session,
        template="assist.help.assigned",
        params={"id": row.id},
        now=now,
        staff_id=staff.id,
        ref_type="help_request",
        ref_id=row.id,
    )


def create_help_request(session: Session, actor: Actor, data: HelpRequestCreate, *, now: datetime) -> HelpRequest:
    desk = actor.kind in ("staff", "device")
    ratelimit.enforce(session, "assist.help_request_desk" if desk else "assist.help_request", actor, now)
    hall = hall_of(session, data.hall_code)
    if actor.is_staff or actor.kind == "device":
        if not actor.has("assist.request"):
            raise Forbidden("您的角色无权发起帮办请求", "Your role cannot raise help requests", code="forbidden_role")
        actor.ensure_hall(hall.id, hall.region_path)
    if data.phone:
        bad = check_phone(data.phone)
        if bad:
            raise AssistInvalid(bad.message_zh, bad.message_en, code=bad.code)
    skill = item_of(session, data.item_code).department_code if data.item_code else None
    citizen_id: int | None = None
    if actor.kind == "citizen":
        citizen_id = actor.id
    elif actor.is_staff and data.citizen_id is not None:
        if identity_service.get_citizen(session, data.citizen_id) is None:
            raise AssistInvalid("市民不存在", "Unknown citizen", code="unknown_citizen")
        citizen_id = data.citizen_id
    source = "kiosk" if actor.kind == "device" else data.source
    if actor.kind in ("anonymous", "citizen") and source not in ("web", "kiosk", "video"):
        source = "web"
    question_id = data.question_id
    if question_id is not None and not consult_service.question_linkable(
        session, actor, question_id, data.feedback_token
    ):
        question_id = None
    repo = HelpRequestRepository(session)
    row = repo.add(
        HelpRequest(
            hall_id=hall.id,
            hall_code=hall.code,
            region_path=hall.region_path,
            source=source,
            item_code=data.item_code,
            zone_code=data.zone_code or _guide_zone(session, hall.id),
            skill=skill,
            # free text is kept with any ID or phone number in it masked (the contact phone is sealed apart)
            description=scrub(data.description.strip()),
            citizen_id=citizen_id,
            contact_phone=data.phone.strip() if data.phone else None,
            question_id=question_id,
            status="open",
            created_by=actor.label,
            opened_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    repo.flush()
    helper = choose_helper(session, row)
    if helper is not None:
        _assign(session, row, helper, now=now)
    return row


def get_help_request(session: Session, actor: Actor, request_id: int, *, lock: bool = False) -> HelpRequest:
    """The help request if ``actor`` may see it (its citizen, or staff in scope of its hall), else 404."""
    row = HelpRequestRepository(session).get_visible(actor, request_id, lock=lock)
    if row is None:
        raise HelpRequestNotFound()
    return row


def list_help_requests(
    session: Session, actor: Actor, *, status: str | None = None, mine: bool = False, limit: int = 200
) -> list[HelpRequest]:
    """A citizen's own; staff: their halls' (supervising roles also the halls beneath), or their own with ``mine``."""
    assigned_to = actor.id if (mine and actor.is_staff) else None
    return HelpRequestRepository(session).list_visible(actor, status=status, assigned_to=assigned_to, limit=limit)


def act_on_help_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    action: str,
    staff_id: int | None = None,
    ticket_ref: str | None = None,
    case_ref: str | None = None,
    note: str = "",
    now: datetime,
) -> HelpRequest:
    row = get_help_request(session, actor, request_id, lock=True)
    if actor.kind == "citizen":
        if action != "cancel":
            raise Forbidden(
                "市民只能取消自己的帮办请求", "Citizens may only cancel their own request", code="citizen_cancel_only"
            )
    elif not actor.has("assist.handle"):
        raise Forbidden("您的角色无权处理帮办请求", "Your role cannot handle help requests", code="forbidden_role")
    if action == "link":
        if row.status == "cancelled":
            raise BadTransition(detail={"status": row.status, "action": action})
        if not (ticket_ref or case_ref):
            raise AssistInvalid("请提供票号或办件编号", "Give a ticket id or a case number", code="ref_required")
        row.ticket_ref = ticket_ref or row.ticket_ref
        row.case_ref = case_ref or row.case_ref
    else:
        target = next_state(HELP_TRANSITIONS, action, row.status)
        if target is None:
            raise BadTransition(detail={"status": row.status, "action": action})
        if action == "assign":
            helper = (
                identity_service.get_staff(session, staff_id) if staff_id is not None else choose_helper(session, row)
            )
            if helper is None or helper.hall_id != row.hall_id or helper.role not in HELPER_ROLES:
                raise AssistInvalid("找不到可指派的帮办人员", "No helper available to assign", code="no_helper")
            _assign(session, row, helper, now=now)
        elif action == "start":
            if row.assigned_staff_id is None or (row.assigned_staff_id != actor.id and actor.role != "hall_manager"):
                row.assigned_staff_id = actor.id
                row.assigned_at = row.assigned_at or now
            row.started_at = now
            row.status = target
        elif action == "finish":
            row.finished_at = now
            row.status = target
            row.ticket_ref = ticket_ref or row.ticket_ref
            row.case_ref = case_ref or row.case_ref
        elif action == "cancel":
            row.cancelled_at = now
            row.status = target
    if note:
        row.note = (row.note + "\n" + scrub(note)).strip()[:4000]
    row.updated_at = now
    audit_service.record(
        session,
        actor,
        f"assist.help.{action}",
        target_type="help_request",
        target_id=row.id,
        hall_code=row.hall_code,
        detail={"status": row.status},
        now=now,
    )
    return row


def help_subject(session: Session, ref: str) -> ServedSubject | None:
    """A finished help request as something to rate (the ``help_request`` subject resolver)."""
    if not ref.isdigit():
        return None
    row = HelpRequestRepository(session).by_id(int(ref))
    if row is None or row.status == "cancelled":
        return None
    return ServedSubject(
        kind="help_request",
        ref=str(row.id),
        hall_id=row.hall_id,
        hall_code=row.hall_code,
        finished_at=row.finished_at if row.status == "done" else None,
        citizen_id=row.citizen_id,
        phone=row.contact_phone,
        staff_id=row.assigned_staff_id,
        department_code=row.skill,
        item_code=row.item_code,
        channel="online" if row.source == "video" else "onsite",
    )


def visible_help_request(session: Session, actor: Actor, request_id: int) -> HelpRequest | None:
    """The help request if ``actor`` may see it, else None (a proxy's link to the help request that led to it)."""
    return HelpRequestRepository(session).get_visible(actor, request_id)


def helped_by(session: Session, actor: Actor, *, hall_id: int, start: datetime, end: datetime) -> list[int]:
    """The helper of every help request of the hall finished in [start, end) (performance, 8.2: help requests
    handled), one staff id per request."""
    return HelpRequestRepository(session).finished_by_helper(actor, hall_id, start, end)


def unanswered_help_requests(
    session: Session, actor: Actor, hall_id: int, *, now: datetime, minutes: int
) -> list[dict[str, Any]]:
    """Help requests of a hall waiting at least ``minutes`` with no helper started (supervision, 8.1): the request,
    where it came from, how long it waits and the helper it is assigned to (None: nobody)."""
    rows = HelpRequestRepository(session).unanswered(actor, hall_id, now - timedelta(minutes=minutes))
    return [
        {
            "request_id": r.id,
            "source": r.source,
            "zone_code": r.zone_code,
            "status": r.status,
            "opened_at": r.opened_at,
            "minutes": max(0, int((now - r.opened_at).total_seconds() // 60)),
            "staff_id": r.assigned_staff_id,
        }
        for r in rows
    ]


def helper_names(session: Session, ids: set[int]) -> dict[int, Any]:
    return identity_service.staff_by_ids(session, ids) if ids else {}


def help_receipt_token(request_id: int) -> str:
    """The unguessable part of a help request's receipt link (keyed digest of the id): the ids are sequential, and
    the receipt is for whoever just made the request, not for someone counting 1, 2, 3 ..."""
    return blind_index(str(int(request_id)), "assist.help_receipt")[:32]


def help_receipt_url(request_id: int) -> str:
    return f"/ask/help/{int(request_id)}?t={help_receipt_token(request_id)}"


def help_request_receipt(session: Session, request_id: int, token: str) -> HelpRequest | None:
    """A help request for its receipt page (/ask/help/{id}?t=..., shown right after it was made; no personal data),
    only with the receipt token of that id; None otherwise (the page answers 404 either way)."""
    if not hmac.compare_digest(token.encode(), help_receipt_token(request_id).encode()):
        return None
    return HelpRequestRepository(session).by_id(request_id)
