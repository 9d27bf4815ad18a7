"""Assisted and proxy handling (智能帮办代办, GB/T 44888-2024 §6.2): help requests assigned to helpers by zone,
skill and load; proxy authorizations confirmed by the entrustor, with every step notified to them, and a scope
check that an agent may only act within what was authorized.

Helping is free of charge and the citizen stays the legal applicant: a help request only records who helped and
which ticket or case it produced. Finished help requests are ``ServedSubject``s, so they can be evaluated like a
window (registered below with ``register_subject_resolver("help_request", ...)``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smarthall.assist.errors import (
    AssistInvalid,
    AuthorizationNotFound,
    BadTransition,
    HelpRequestNotFound,
    OutOfScope,
)
from smarthall.assist.models import HelpRequest, ProxyAuthorization
from smarthall.assist.schemas import HelpRequestCreate, HelpRequestRead, ProxyCreate, ProxyRead
from smarthall.assist.states import HELP_TRANSITIONS, PROXY_ACTIVE, PROXY_TRANSITIONS, next_state
from smarthall.audit import service as audit_service
from smarthall.catalog.models import Item
from smarthall.core import ratelimit
from smarthall.core.crypto import blind_index  # noqa: F401  (kept for phone lookups by later features)
from smarthall.core.db import for_update
from smarthall.core.errors import Forbidden, Unauthorized
from smarthall.core.masking import mask_phone
from smarthall.core.subjects import ServedSubject, register_subject_resolver
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_phone
from smarthall.identity.models import Citizen, Staff
from smarthall.notify import service as notify_service
from smarthall.org.models import Hall, Zone

HELPER_ROLES = ("guide", "hall_manager")
MAX_SIGNATURE_BYTES = 200 * 1024
MAX_VALIDITY = timedelta(days=366)

PROXY_STATUS_TEXT = {
    "pending_confirmation": ("待委托人确认", "waiting for your confirmation"),
    "accepted": ("已受理", "accepted"),
    "in_progress": ("办理中", "in progress"),
    "suspended": ("已暂停", "suspended"),
    "completed": ("已办结", "completed"),
    "terminated": ("已终止", "terminated"),
}


# ---------------------------------------------------------------------------------------------------------------
# Help requests
# ---------------------------------------------------------------------------------------------------------------


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


def _hall(session: Session, code: str) -> Hall:
    hall = session.execute(select(Hall).where(Hall.code == code)).scalar_one_or_none()
    if hall is None:
        raise AssistInvalid("大厅不存在", "Unknown hall", code="unknown_hall", detail={"hall_code": code})
    return hall


def _item(session: Session, code: str) -> Item:
    item = session.execute(select(Item).where(Item.code == code)).scalar_one_or_none()
    if item is None:
        raise AssistInvalid("事项不存在", "Unknown item", code="unknown_item", detail={"item_code": code})
    return item


def _guide_zone(session: Session, hall: Hall) -> str | None:
    return session.execute(
        select(Zone.code).where(Zone.hall_id == hall.id, Zone.type == "consult_guide").order_by(Zone.code).limit(1)
    ).scalar()


def helper_loads(session: Session, hall_id: int) -> dict[int, int]:
    rows = session.execute(
        select(HelpRequest.assigned_staff_id, func.count(HelpRequest.id))
        .where(HelpRequest.hall_id == hall_id, HelpRequest.status.in_(("assigned", "in_progress")))
        .group_by(HelpRequest.assigned_staff_id)
    )
    return {sid: n for sid, n in rows if sid is not None}


def choose_helper(session: Session, row: HelpRequest) -> Staff | None:
    """The helper for a request: the lightest load, where a matching skill (the item's department, or a 帮办 duty)
    and working in the request's zone each count as one request less, so specialists are preferred but not
    swamped."""
    staff = list(
        session.execute(
            select(Staff).where(Staff.hall_id == row.hall_id, Staff.role.in_(HELPER_ROLES), Staff.active.is_(True))
        ).scalars()
    )
    if not staff:
        return None
    loads = helper_loads(session, row.hall_id)

    def rank(s: Staff) -> tuple[int, int, int]:
        skill = 1 if (row.skill and s.department_code == row.skill) or "帮办" in (s.duty or "") else 0
        zone = 1 if row.zone_code and s.zone_code == row.zone_code else 0
        guide = 1 if s.role == "guide" else 0
        return (loads.get(s.id, 0) - skill - zone, -guide, s.id)

    return sorted(staff, key=rank)[0]


def _assign(session: Session, row: HelpRequest, staff: Staff, *, now: datetime) -> None:
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
    hall = _hall(session, data.hall_code)
    if actor.is_staff or actor.kind == "device":
        if not actor.has("assist.request"):
            raise Forbidden("您的角色无权发起帮办请求", "Your role cannot raise help requests", code="forbidden_role")
        actor.ensure_hall(hall.id, hall.region_path)
    if data.phone and (bad := check_phone(data.phone)):
        raise AssistInvalid(bad.message_zh, bad.message_en, code=bad.code)
    skill = None
    if data.item_code:
        skill = _item(session, data.item_code).department_code
    citizen_id: int | None = None
    if actor.kind == "citizen":
        citizen_id = actor.id
    elif actor.is_staff and data.citizen_id is not None:
        if session.get(Citizen, data.citizen_id) is None:
            raise AssistInvalid("市民不存在", "Unknown citizen", code="unknown_citizen")
        citizen_id = data.citizen_id
    source = "kiosk" if actor.kind == "device" else data.source
    if actor.kind in ("anonymous", "citizen") and source not in ("web", "kiosk", "video"):
        source = "web"
    question_id = data.question_id
    if question_id is not None:
        from smarthall.consult.models import Question

        if session.get(Question, question_id) is None:
            question_id = None
    row = HelpRequest(
        hall_id=hall.id,
        hall_code=hall.code,
        region_path=hall.region_path,
        source=source,
        item_code=data.item_code,
        zone_code=data.zone_code or _guide_zone(session, hall),
        skill=skill,
        description=data.description.strip(),
        citizen_id=citizen_id,
        contact_phone=data.phone.strip() if data.phone else None,
        question_id=question_id,
        status="open",
        created_by=actor.label,
        opened_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    helper = choose_helper(session, row)
    if helper is not None:
        _assign(session, row, helper, now=now)
    return row


def _visible_help(actor: Actor, row: HelpRequest) -> bool:
    if actor.kind == "citizen":
        return row.citizen_id == actor.id
    return actor.is_staff and actor.can_see_hall(row.hall_id, row.region_path)


def get_help_request(session: Session, actor: Actor, request_id: int, *, lock: bool = False) -> HelpRequest:
    stmt = select(HelpRequest).where(HelpRequest.id == request_id)
    if lock:
        stmt = stmt.with_for_update() if for_update(session) else stmt
    row = session.execute(stmt).scalar_one_or_none()
    if row is None or not _visible_help(actor, row):
        raise HelpRequestNotFound()
    return row


def list_help_requests(
    session: Session, actor: Actor, *, status: str | None = None, mine: bool = False, limit: int = 200
) -> list[HelpRequest]:
    stmt = select(HelpRequest).order_by(HelpRequest.opened_at.desc(), HelpRequest.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(HelpRequest.status == status)
    if actor.kind == "citizen":
        stmt = stmt.where(HelpRequest.citizen_id == actor.id)
    elif actor.is_staff:
        if mine:
            stmt = stmt.where(HelpRequest.assigned_staff_id == actor.id)
        if actor.region_path and actor.role in ("hall_manager",):
            stmt = stmt.where(HelpRequest.region_path.startswith(actor.region_path))
        else:
            stmt = stmt.where(HelpRequest.hall_id == actor.hall_id)
    else:
        return []
    return list(session.execute(stmt).scalars())


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
            raise Forbidden("市民只能取消自己的帮办请求", "Citizens may only cancel their own request")
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
            helper = session.get(Staff, staff_id) if staff_id is not None else choose_helper(session, row)
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
        row.note = (row.note + "\n" + note).strip()[:4000]
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


def _help_subject(session: Session, ref: str) -> ServedSubject | None:
    if not ref.isdigit():
        return None
    row = session.get(HelpRequest, int(ref))
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


register_subject_resolver("help_request", _help_subject)


# ---------------------------------------------------------------------------------------------------------------
# Proxy authorizations
# ---------------------------------------------------------------------------------------------------------------


def proxy_read(row: ProxyAuthorization) -> ProxyRead:
    return ProxyRead(
        id=row.id,
        entrustor_citizen_id=row.entrustor_citizen_id,
        agent_kind=row.agent_kind,
        agent_citizen_id=row.agent_citizen_id,
        agent_staff_id=row.agent_staff_id,
        item_codes=list(row.item_codes),
        scope=list(row.scope),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        status=row.status,
        confirmed_via=row.confirmed_via,
        confirmed_at=row.confirmed_at,
        signature_sha256=row.signature_sha256,
        history=list(row.history or []),
    )


def _notify_entrustor(session: Session, row: ProxyAuthorization, *, now: datetime) -> None:
    zh, en = PROXY_STATUS_TEXT[row.status]
    notify_service.send(
        session,
        template="assist.proxy.step",
        params={"id": row.id, "status_zh": zh, "status_en": en},
        now=now,
        citizen_id=row.entrustor_citizen_id,
        ref_type="proxy_authorization",
        ref_id=row.id,
    )


def _history(row: ProxyAuthorization, actor: Actor, action: str, now: datetime, note: str = "") -> None:
    row.history = [
        *list(row.history or []),
        {"at": now.isoformat(), "action": action, "status": row.status, "by": actor.label, "note": note[:500]},
    ]
    row.step_count = (row.step_count or 0) + 1


def create_proxy(session: Session, actor: Actor, data: ProxyCreate, *, now: datetime) -> ProxyAuthorization:
    if data.valid_from.tzinfo is None or data.valid_until.tzinfo is None:
        raise AssistInvalid("日期须带时区", "Dates need a time zone", code="naive_datetime")
    if data.valid_until <= data.valid_from or data.valid_until <= now:
        raise AssistInvalid("有效期不正确", "The validity period is not valid", code="bad_validity")
    if data.valid_until - data.valid_from > MAX_VALIDITY:
        raise AssistInvalid("授权有效期最长一年", "An authorization is valid for one year at most", code="bad_validity")
    if actor.kind == "citizen":
        entrustor_id = actor.id
    elif actor.is_staff and actor.has("proxy.manage"):
        entrustor_id = data.entrustor_citizen_id
    else:
        raise Forbidden(
            "您的角色无权登记代办授权", "Your role cannot register proxy authorizations", code="forbidden_role"
        )
    if entrustor_id is None or session.get(Citizen, entrustor_id) is None:
        raise AssistInvalid("委托人不存在", "Unknown entrustor", code="unknown_entrustor")
    if (data.agent_citizen_id is None) == (data.agent_staff_id is None):
        raise AssistInvalid("请指定一名受托人", "Name exactly one agent", code="agent_required")
    if data.agent_citizen_id is not None:
        if data.agent_citizen_id == entrustor_id or session.get(Citizen, data.agent_citizen_id) is None:
            raise AssistInvalid("受托人无效", "The agent is not valid", code="bad_agent")
        agent_kind = "citizen"
    else:
        helper = session.get(Staff, data.agent_staff_id)
        if helper is None or not helper.active:
            raise AssistInvalid("受托人无效", "The agent is not valid", code="bad_agent")
        agent_kind = "staff"
    for code in data.item_codes:
        _item(session, code)
    hall = _hall(session, data.hall_code) if data.hall_code else None
    if hall is not None and actor.is_staff:
        actor.ensure_hall(hall.id, hall.region_path)
    if hall is None and actor.is_staff and actor.hall_id is not None:
        hall = session.get(Hall, actor.hall_id)
    row = ProxyAuthorization(
        hall_id=hall.id if hall else None,
        region_path=hall.region_path if hall else None,
        entrustor_citizen_id=entrustor_id,
        agent_kind=agent_kind,
        agent_citizen_id=data.agent_citizen_id,
        agent_staff_id=data.agent_staff_id,
        item_codes=sorted(set(data.item_codes)),
        scope=sorted(set(data.scope)),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        status="pending_confirmation",
        created_by=actor.label,
        help_request_id=data.help_request_id,
        history=[],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _history(row, actor, "create", now)
    _notify_entrustor(session, row, now=now)
    audit_service.record(
        session, actor, "assist.proxy.create", target_type="proxy_authorization", target_id=row.id, now=now
    )
    return row


def _may_see_proxy(actor: Actor, row: ProxyAuthorization) -> bool:
    if actor.kind == "citizen":
        return actor.id in (row.entrustor_citizen_id, row.agent_citizen_id)
    if actor.is_staff:
        if row.agent_staff_id == actor.id:
            return True
        if actor.has("proxy.manage"):
            return row.hall_id is None or actor.can_see_hall(row.hall_id, row.region_path or "")
    return False


def get_proxy(session: Session, actor: Actor, proxy_id: int, *, lock: bool = False) -> ProxyAuthorization:
    stmt = select(ProxyAuthorization).where(ProxyAuthorization.id == proxy_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None or not _may_see_proxy(actor, row):
        raise AuthorizationNotFound()
    return row


def list_proxies(session: Session, actor: Actor, *, status: str | None = None) -> list[ProxyAuthorization]:
    stmt = select(ProxyAuthorization).order_by(ProxyAuthorization.id.desc()).limit(200)
    if status:
        stmt = stmt.where(ProxyAuthorization.status == status)
    return [r for r in session.execute(stmt).scalars() if _may_see_proxy(actor, r)]


def _is_agent(actor: Actor, row: ProxyAuthorization) -> bool:
    if row.agent_kind == "citizen":
        return actor.kind == "citizen" and actor.id == row.agent_citizen_id
    return actor.is_staff and actor.id == row.agent_staff_id


def _decode_signature(text: str) -> bytes:
    if "," in text and text.startswith("data:"):
        text = text.split(",", 1)[1]
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AssistInvalid("签名图片无法识别", "The signature image cannot be read", code="bad_signature")
    if not raw.startswith(b"\x89PNG\r\n\x1a\n") or len(raw) > MAX_SIGNATURE_BYTES:
        raise AssistInvalid(
            "签名须为200KB以内的PNG图片", "The signature must be a PNG under 200 KB", code="bad_signature"
        )
    return raw


def act_on_proxy(
    session: Session,
    actor: Actor,
    proxy_id: int,
    *,
    action: str,
    signature_png_base64: str | None = None,
    note: str = "",
    now: datetime,
) -> ProxyAuthorization:
    row = get_proxy(session, actor, proxy_id, lock=True)
    target = next_state(PROXY_TRANSITIONS, action, row.status)
    if target is None:
        raise BadTransition(detail={"status": row.status, "action": action})
    is_entrustor = actor.kind == "citizen" and actor.id == row.entrustor_citizen_id
    is_desk = actor.is_staff and actor.has("proxy.manage")
    if action == "confirm":
        if is_entrustor:
            row.confirmed_via = "login"
        elif is_desk and signature_png_base64:
            image = _decode_signature(signature_png_base64)
            row.signature_image = image
            row.signature_sha256 = hashlib.sha256(image).hexdigest()
            row.confirmed_via = "signature"
        else:
            raise Forbidden(
                "须由委托人本人登录确认,或在窗口提交委托人签名",
                "The entrustor must confirm by their own login, or staff must submit the entrustor's signature",
                code="entrustor_confirmation_required",
            )
        row.confirmed_at = now
    elif action == "terminate":
        if not (is_entrustor or is_desk):
            raise Forbidden("只有委托人或工作人员可以终止授权", "Only the entrustor or staff may terminate")
    elif not (_is_agent(actor, row) or is_desk):
        raise Forbidden("只有受托人或工作人员可以办理", "Only the agent or staff may do this", code="not_agent")
    if action in ("start", "resume") and now >= row.valid_until:
        raise OutOfScope("授权已过期", "The authorization has expired", code="proxy_expired")
    row.status = target
    row.updated_at = now
    _history(row, actor, action, now, note)
    _notify_entrustor(session, row, now=now)
    audit_service.record(
        session,
        actor,
        f"assist.proxy.{action}",
        target_type="proxy_authorization",
        target_id=row.id,
        detail={"status": row.status},
        now=now,
    )
    return row


def ensure_within_scope(
    session: Session, actor: Actor, row: ProxyAuthorization, *, item_code: str, act: str, now: datetime
) -> None:
    """Raises ``OutOfScope`` unless ``actor`` is the agent of a live, valid authorization covering the item and act."""
    if actor.kind == "anonymous":
        raise Unauthorized()
    reasons: list[str] = []
    if not _is_agent(actor, row):
        reasons.append("not_agent")
    if row.status not in PROXY_ACTIVE:
        reasons.append(f"status_{row.status}")
    if not (row.valid_from <= now < row.valid_until):
        reasons.append("outside_validity")
    if item_code not in row.item_codes:
        reasons.append("item_not_authorized")
    if act not in row.scope:
        reasons.append("act_not_authorized")
    if reasons:
        audit_service.record(
            session,
            actor,
            "assist.proxy.denied",
            target_type="proxy_authorization",
            target_id=row.id,
            outcome="denied",
            detail={"item_code": item_code, "act": act, "reasons": reasons},
            now=now,
        )
        raise OutOfScope(detail={"reasons": reasons})


def check_agent(
    session: Session, actor: Actor, *, entrustor_citizen_id: int, item_code: str, act: str, now: datetime
) -> ProxyAuthorization:
    """For other domains (cases, licences): the authorization that lets ``actor`` act for the entrustor, or 403."""
    rows = session.execute(
        select(ProxyAuthorization).where(
            ProxyAuthorization.entrustor_citizen_id == entrustor_citizen_id,
            ProxyAuthorization.status.in_(tuple(PROXY_ACTIVE)),
        )
    ).scalars()
    last: OutOfScope | None = None
    for row in rows:
        try:
            ensure_within_scope(session, actor, row, item_code=item_code, act=act, now=now)
            return row
        except OutOfScope as exc:
            last = exc
    raise last or OutOfScope(detail={"reasons": ["no_authorization"]})


def helper_names(session: Session, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Staff).where(Staff.id.in_(ids))).scalars()}
