"""Proxy authorizations (代办授权): an entrustor authorizes an agent for some items and acts, at one hall, within a
validity window; the agent may act only while the authorization is live and only within it.

Who may do what (see docs/decisions.md, "Proxy authorizations belong to a hall"):

- An authorization belongs to a hall: the hall a citizen names when entrusting online, or the desk's own hall when
  a desk registers it. Desks see the authorizations of the halls in their scope only; the agent acts at that hall.
- Only the entrustor confirms: by their own login, or with the one-time code sent to the phone on their record
  (``send_code`` then ``confirm`` with ``code``). Nobody confirms on the entrustor's behalf.
- A desk of the authorization's hall may instead register the entrustor's signed paper form (``register_paper``),
  only after checking the entrustor's identity there: the ID number read or shown must be the entrustor's, and the
  check (who, when, how, where) is recorded with the sealed scan. The desk never doubles as the agent.
- Other domains ask ``check_agent`` (the actor acts as agent: filing, supplementing) or ``check_collector`` (a
  window hands a result to the agent in person) before letting an agent act; refusals are audited.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from smarthall.assist.errors import AssistInvalid, AuthorizationNotFound, OutOfScope, ProxyBadTransition
from smarthall.assist.models import ProxyAuthorization
from smarthall.assist.repository import HelpRequestRepository, ProxyRepository
from smarthall.assist.schemas import IdentityCheckIn, ProxyCreate, ProxyRead
from smarthall.assist.states import PROXY_ACTIVE, PROXY_TRANSITIONS, next_state
from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.core.crypto import blind_index
from smarthall.core.db import attempt
from smarthall.core.errors import Forbidden, Unauthorized
from smarthall.core.masking import mask_id_number, mask_name
from smarthall.core.tenancy import Actor
from smarthall.core.validators import normalize_id_number
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service

MAX_SIGNATURE_BYTES = 200 * 1024
# A scanned signature or paper form is a real image: a 1×1 pixel "signature" is refused.
MIN_SIGNATURE_SIZE = (120, 60)
CODE_RESEND = timedelta(seconds=60)
CHECK_METHODS = ("id_card_reader", "id_card_visual", "face_match")

PROXY_STATUS_TEXT = {
    "pending_confirmation": ("待委托人确认", "waiting for the entrustor's confirmation"),
    "accepted": ("已受理", "accepted"),
    "in_progress": ("办理中", "in progress"),
    "suspended": ("已暂停", "suspended"),
    "completed": ("已办结", "completed"),
    "terminated": ("已终止", "terminated"),
}


def _read(row: ProxyAuthorization, names: dict[int, str], halls: dict[int, str]) -> ProxyRead:
    return ProxyRead(
        id=row.id,
        hall_code=halls.get(row.hall_id) if row.hall_id is not None else None,
        entrustor_citizen_id=row.entrustor_citizen_id,
        entrustor_name_masked=mask_name(names[row.entrustor_citizen_id]) if row.entrustor_citizen_id in names else None,
        agent_kind=row.agent_kind,
        agent_citizen_id=row.agent_citizen_id,
        agent_name_masked=mask_name(names[row.agent_citizen_id]) if row.agent_citizen_id in names else None,
        agent_staff_id=row.agent_staff_id,
        item_codes=list(row.item_codes),
        scope=list(row.scope),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        status=row.status,
        confirmed_via=row.confirmed_via,
        confirmed_at=row.confirmed_at,
        signature_sha256=row.signature_sha256,
        identity_check=dict(row.identity_check) if row.identity_check else None,
        code_sent_at=row.code_sent_at,
        history=list(row.history or []),
    )


def proxy_reads(session: Session, rows: list[ProxyAuthorization]) -> list[ProxyRead]:
    """Reads of authorizations with the parties' names masked (one lookup of names for all)."""
    ids = {r.entrustor_citizen_id for r in rows} | {r.agent_citizen_id for r in rows if r.agent_citizen_id}
    names = identity_service.citizen_names(session, ids) if ids else {}
    halls: dict[int, str] = {}
    for hall_id in {r.hall_id for r in rows if r.hall_id is not None}:
        hall = org_service.hall_by_id(session, hall_id)
        if hall is not None:
            halls[hall_id] = hall.code
    return [_read(r, names, halls) for r in rows]


def proxy_read(session: Session, row: ProxyAuthorization) -> ProxyRead:
    return proxy_reads(session, [row])[0]


def _refuse(session: Session, error: Exception) -> NoReturn:
    """Raise ``error`` so that what was recorded before it (the audited refusal, a counted try) is committed."""
    with attempt(session):
        raise error


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


def _audit(session: Session, actor: Actor, action: str, row: ProxyAuthorization, now: datetime, **extra: Any) -> None:
    audit_service.record(
        session,
        actor,
        f"assist.proxy.{action}",
        target_type="proxy_authorization",
        target_id=row.id,
        hall_code=_hall_code(session, row),
        now=now,
        **extra,
    )


def _hall_code(session: Session, row: ProxyAuthorization) -> str | None:
    if row.hall_id is None:
        return None
    hall = org_service.hall_by_id(session, row.hall_id)
    return hall.code if hall is not None else None


def _hall_for(session: Session, actor: Actor, data: ProxyCreate) -> Any:
    """The hall the authorization belongs to: the one a citizen names; a desk's own hall (and no other)."""
    if actor.kind == "citizen":
        if not data.hall_code:
            raise AssistInvalid("请选择办理大厅", "Name the hall where the agent will act", code="hall_required")
        hall = org_service.find_hall(session, data.hall_code)
        if hall is None:
            raise AssistInvalid("大厅不存在", "Unknown hall", code="unknown_hall", detail={"hall_code": data.hall_code})
        return hall
    assert actor.hall_id is not None
    hall = org_service.hall_by_id(session, actor.hall_id)
    if data.hall_code and (hall is None or data.hall_code != hall.code):
        raise Forbidden(
            "窗口只能登记本大厅的代办授权",
            "A desk registers authorizations of its own hall only",
            code="out_of_scope",
            detail={"hall_code": data.hall_code},
        )
    return hall


def create_proxy(session: Session, actor: Actor, data: ProxyCreate, *, now: datetime) -> ProxyAuthorization:
    """Register an authorization pending the entrustor's confirmation (a citizen for themself, a desk at its hall)."""
    if data.valid_from.tzinfo is None or data.valid_until.tzinfo is None:
        raise AssistInvalid("日期须带时区", "Dates need a time zone", code="naive_datetime")
    if data.valid_until <= data.valid_from or data.valid_until <= now:
        raise AssistInvalid("有效期不正确", "The validity period is not valid", code="bad_validity")
    if actor.kind == "citizen":
        entrustor_id = actor.id
    elif actor.is_staff and actor.has("proxy.manage") and actor.hall_id is not None:
        entrustor_id = data.entrustor_citizen_id
    else:
        raise Forbidden(
            "您的角色无权登记代办授权", "Your role cannot register proxy authorizations", code="forbidden_role"
        )
    hall = _hall_for(session, actor, data)
    longest = int(rules_service.value(session, hall, "assist.proxy_max_validity_days"))
    if data.valid_until - data.valid_from > timedelta(days=longest):
        raise AssistInvalid(
            f"授权有效期最长{longest}天", f"An authorization is valid for {longest} days at most", code="bad_validity",
            detail={"max_days": longest},
        )  # fmt: skip
    if entrustor_id is None or identity_service.get_citizen(session, entrustor_id) is None:
        raise AssistInvalid("委托人不存在", "Unknown entrustor", code="unknown_entrustor")
    if (data.agent_citizen_id is None) == (data.agent_staff_id is None):
        raise AssistInvalid("请指定一名受托人", "Name exactly one agent", code="agent_required")
    if data.agent_citizen_id is not None:
        if (
            data.agent_citizen_id == entrustor_id
            or identity_service.get_citizen(session, data.agent_citizen_id) is None
        ):
            raise AssistInvalid("受托人无效", "The agent is not valid", code="bad_agent")
        agent_kind = "citizen"
    else:
        assert data.agent_staff_id is not None
        helper = identity_service.get_staff(session, data.agent_staff_id)
        # a staff agent is a helper of the hall the authorization belongs to
        if helper is None or not helper.active or helper.hall_id != hall.id:
            raise AssistInvalid("受托人无效", "The agent is not valid", code="bad_agent")
        agent_kind = "staff"
    for code in data.item_codes:
        if catalog_service.find_item(session, code) is None:
            raise AssistInvalid("事项不存在", "Unknown item", code="unknown_item", detail={"item_code": code})
    if data.help_request_id is not None:
        linked = HelpRequestRepository(session).get_visible(actor, data.help_request_id)
        if linked is None or linked.hall_id != hall.id:
            raise AssistInvalid(
                "帮办请求不存在",
                "Unknown help request",
                code="unknown_help_request",
                detail={"help_request_id": data.help_request_id},
            )
    repo = ProxyRepository(session)
    row = repo.add(
        ProxyAuthorization(
            hall_id=hall.id,
            region_path=hall.region_path,
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
            code_attempts=0,
            created_at=now,
            updated_at=now,
        )
    )
    repo.flush()
    _history(row, actor, "create", now)
    _notify_entrustor(session, row, now=now)
    _audit(session, actor, "create", row, now)
    return row


def get_proxy(session: Session, actor: Actor, proxy_id: int, *, lock: bool = False) -> ProxyAuthorization:
    """The authorization if ``actor`` is a party to it or a desk whose scope holds its hall, else 404."""
    row = ProxyRepository(session).get_visible(actor, proxy_id, lock=lock)
    if row is None:
        raise AuthorizationNotFound()
    return row


def list_proxies(session: Session, actor: Actor, *, status: str | None = None) -> list[ProxyAuthorization]:
    """Authorizations the caller is party to, or (desks) those of the halls in their scope; newest first."""
    return ProxyRepository(session).list_visible(actor, status=status)


def _is_agent(actor: Actor, row: ProxyAuthorization) -> bool:
    if row.agent_kind == "citizen":
        return actor.kind == "citizen" and actor.id == row.agent_citizen_id
    return actor.is_staff and actor.id == row.agent_staff_id


def _is_desk(actor: Actor, row: ProxyAuthorization) -> bool:
    """A desk (``proxy.manage``) whose scope holds the authorization's hall."""
    if not (actor.is_staff and actor.has("proxy.manage")) or row.hall_id is None:
        return False
    return actor.can_see_hall(row.hall_id, row.region_path or "")


def _png(text: str) -> bytes:
    if "," in text and text.startswith("data:"):
        text = text.split(",", 1)[1]
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AssistInvalid("签名图片无法识别", "The signature image cannot be read", code="bad_signature")
    png = raw.startswith(b"\x89PNG\r\n\x1a\n") and len(raw) >= 24 and raw[12:16] == b"IHDR"
    if not png or len(raw) > MAX_SIGNATURE_BYTES:
        raise AssistInvalid(
            "签名须为200KB以内的PNG图片", "The signature must be a PNG under 200 KB", code="bad_signature"
        )
    width, height = struct.unpack(">II", raw[16:24])
    if width < MIN_SIGNATURE_SIZE[0] or height < MIN_SIGNATURE_SIZE[1]:
        raise AssistInvalid(
            "签名图片过小,请扫描委托人签字的授权书",
            "The image is too small: scan the authorization form the entrustor signed",
            code="bad_signature",
            detail={"min_width": MIN_SIGNATURE_SIZE[0], "min_height": MIN_SIGNATURE_SIZE[1]},
        )
    return raw


def _rule(session: Session, row: ProxyAuthorization, key: str) -> int:
    """A rule setting of the authorization's hall (inherited down the hall tree)."""
    hall = org_service.hall_by_id(session, row.hall_id) if row.hall_id is not None else None
    if hall is None:
        return int(rules_service.platform_value(session, key))
    return int(rules_service.value(session, hall, key))


def _code_digest(row: ProxyAuthorization, code: str) -> str:
    return blind_index(f"{row.id}:{code.strip()}", "assist.proxy.code")


def _send_code(session: Session, actor: Actor, row: ProxyAuthorization, *, now: datetime) -> None:
    """A fresh one-time code to the phone on the entrustor's record (through the outbox), at most once a minute."""
    if not (_is_desk(actor, row) or _is_agent(actor, row)):
        raise Forbidden(
            "只有受托人或本厅窗口可以发送确认码", "Only the agent or a desk may send the code", code="not_agent"
        )
    if row.status != "pending_confirmation":
        raise ProxyBadTransition(detail={"status": row.status, "action": "send_code"})
    if row.code_sent_at is not None and now - row.code_sent_at < CODE_RESEND:
        wait = int((CODE_RESEND - (now - row.code_sent_at)).total_seconds()) + 1
        raise AssistInvalid(
            "确认码已发送,请稍后再试",
            "A code was just sent: try again shortly",
            code="code_recently_sent",
            detail={"retry_after_seconds": wait},
        )
    contact = identity_service.citizen_contact(session, row.entrustor_citizen_id)
    if contact is None or not contact.phone:
        raise AssistInvalid("委托人未登记手机号", "The entrustor has no phone on record", code="no_entrustor_phone")
    if not contact.phone_verified:  # a code to an unproven number would let whoever typed it confirm
        raise AssistInvalid(
            "委托人的手机号尚未验证,请委托人本人登录确认或到窗口办理",
            "The entrustor's phone is not verified: the entrustor confirms by their own login or at a desk",
            code="entrustor_phone_unverified",
        )
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = _rule(session, row, "assist.proxy_code_minutes")
    row.code_hash = _code_digest(row, code)
    row.code_sent_at = now
    row.code_expires_at = now + timedelta(minutes=minutes)
    row.code_attempts = 0
    notify_service.send(
        session,
        template="assist.proxy.code",
        params={"id": row.id, "code": code, "minutes": minutes},
        now=now,
        citizen_id=row.entrustor_citizen_id,
        phone=contact.phone,
        ref_type="proxy_authorization_code",
        ref_id=row.id,
    )


def _code_refusal(session: Session, actor: Actor, row: ProxyAuthorization, reason: str, now: datetime) -> NoReturn:
    """Count the failed try (committed although the request is refused) and refuse."""
    row.code_attempts = (row.code_attempts or 0) + 1
    if row.code_attempts >= _rule(session, row, "assist.proxy_code_attempts"):
        row.code_hash = None
    _audit(session, actor, "confirm", row, now, outcome="denied", detail={"reason": reason})
    _refuse(
        session,
        AssistInvalid(
            "确认码不正确或已过期", "The code is wrong or has expired", code="bad_code", detail={"reason": reason}
        ),
    )


def _confirm_with_code(session: Session, actor: Actor, row: ProxyAuthorization, code: str, now: datetime) -> None:
    if row.code_hash is None or row.code_expires_at is None:
        _code_refusal(session, actor, row, "no_code", now)
    elif now >= row.code_expires_at:
        _code_refusal(session, actor, row, "expired", now)
    elif not hmac.compare_digest(row.code_hash, _code_digest(row, code)):
        _code_refusal(session, actor, row, "wrong", now)
    row.code_hash = None
    row.confirmed_via = "code"


def _register_paper(
    session: Session,
    actor: Actor,
    row: ProxyAuthorization,
    image_b64: str | None,
    check: IdentityCheckIn | None,
    now: datetime,
) -> None:
    """The entrustor's signed paper form, registered at a desk of the authorization's own hall after the desk has
    checked the entrustor's identity there (the ID number must be the entrustor's)."""
    if not (actor.is_staff and actor.has("proxy.manage") and actor.hall_id == row.hall_id):
        raise Forbidden(
            "须在授权所属大厅的窗口登记纸质授权书",
            "A paper authorization is registered at a desk of the authorization's own hall",
            code="out_of_scope",
        )
    if _is_agent(actor, row):
        raise Forbidden(
            "受托人不能为自己登记授权", "The agent cannot register their own authorization", code="agent_is_desk"
        )
    if check is None or not image_b64:
        raise AssistInvalid(
            "须核验委托人身份并上传签字的授权书",
            "Check the entrustor's identity and attach the signed form",
            code="identity_check_required",
        )
    image = _png(image_b64)
    index = identity_service.citizen_id_number_index(session, row.entrustor_citizen_id)
    if index is None or not hmac.compare_digest(index, blind_index(normalize_id_number(check.id_number), "id_number")):
        _audit(session, actor, "register_paper", row, now, outcome="denied", detail={"reason": "identity_mismatch"})
        _refuse(
            session,
            AssistInvalid("证件号码与委托人不符", "The ID number is not the entrustor's", code="identity_mismatch"),
        )
    row.signature_image = base64.b64encode(image).decode()
    row.signature_sha256 = hashlib.sha256(image).hexdigest()
    row.identity_check = {
        "by": actor.label,
        "staff_id": actor.id,
        "hall_code": actor.hall_code,
        "at": now.isoformat(),
        "method": check.method,
        "id_number_masked": mask_id_number(normalize_id_number(check.id_number)),
    }
    row.confirmed_via = "paper"


def act_on_proxy(
    session: Session,
    actor: Actor,
    proxy_id: int,
    *,
    action: str,
    signature_png_base64: str | None = None,
    code: str | None = None,
    identity_check: IdentityCheckIn | None = None,
    note: str = "",
    now: datetime,
) -> ProxyAuthorization:
    """confirm (entrustor's login, or the code sent to their phone) / register_paper (desk) / send_code / start /
    suspend / resume / complete / terminate."""
    row = get_proxy(session, actor, proxy_id, lock=True)
    if action == "send_code":
        _send_code(session, actor, row, now=now)
        _history(row, actor, action, now)
        _audit(session, actor, action, row, now)
        return row
    target = next_state(PROXY_TRANSITIONS, action, row.status)
    if target is None:
        raise ProxyBadTransition(detail={"status": row.status, "action": action})
    is_entrustor = actor.kind == "citizen" and actor.id == row.entrustor_citizen_id
    is_desk = _is_desk(actor, row)
    if action == "confirm":
        if is_entrustor:
            row.confirmed_via = "login"
        elif code and (is_desk or _is_agent(actor, row)):
            _confirm_with_code(session, actor, row, code, now)
        else:
            raise Forbidden(
                "须由委托人本人登录确认,或输入发送到委托人手机的确认码",
                "The entrustor confirms by their own login, or with the code sent to their phone",
                code="entrustor_confirmation_required",
            )
        row.confirmed_at = now
    elif action == "register_paper":
        _register_paper(session, actor, row, signature_png_base64, identity_check, now)
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
    _audit(session, actor, action, row, now, detail={"status": row.status, "via": row.confirmed_via})
    return row


def _reasons(row: ProxyAuthorization, *, item_code: str, act: str, now: datetime, hall_id: int | None) -> list[str]:
    reasons: list[str] = []
    if row.status not in PROXY_ACTIVE:
        reasons.append(f"status_{row.status}")
    if not (row.valid_from <= now < row.valid_until):
        reasons.append("outside_validity")
    if item_code not in row.item_codes:
        reasons.append("item_not_authorized")
    if act not in row.scope:
        reasons.append("act_not_authorized")
    if hall_id is not None and row.hall_id != hall_id:
        reasons.append("other_hall")
    return reasons


def standing(row: ProxyAuthorization, *, act: str, now: datetime) -> list[str]:
    """Why the authorization does not let its agent take ``act`` now, whatever the item (empty: it does)."""
    reasons = _reasons(row, item_code=row.item_codes[0] if row.item_codes else "", act=act, now=now, hall_id=None)
    return [r for r in reasons if r != "item_not_authorized"]


def _deny(
    session: Session, actor: Actor, row: ProxyAuthorization | None, reasons: list[str], now: datetime, **detail: Any
) -> NoReturn:
    """Audit the refusal and raise ``OutOfScope`` with the reasons (the audit row stays)."""
    audit_service.record(
        session,
        actor,
        "assist.proxy.denied",
        target_type="proxy_authorization",
        target_id=row.id if row is not None else None,
        outcome="denied",
        detail={**detail, "reasons": reasons},
        now=now,
    )
    _refuse(session, OutOfScope(detail={"reasons": reasons}))


def ensure_within_scope(
    session: Session,
    actor: Actor,
    row: ProxyAuthorization,
    *,
    item_code: str,
    act: str,
    now: datetime,
    hall_id: int | None = None,
) -> None:
    """Raises ``OutOfScope`` unless ``actor`` is the agent of a live, valid authorization covering the item and act
    (at ``hall_id`` when given)."""
    if actor.kind == "anonymous":
        raise Unauthorized()
    reasons = ([] if _is_agent(actor, row) else ["not_agent"]) + _reasons(
        row, item_code=item_code, act=act, now=now, hall_id=hall_id
    )
    if reasons:
        _deny(session, actor, row, reasons, now, item_code=item_code, act=act)


def check_agent(
    session: Session,
    actor: Actor,
    *,
    entrustor_citizen_id: int,
    item_code: str,
    act: str,
    now: datetime,
    hall_id: int | None = None,
) -> ProxyAuthorization:
    """For other domains (cases, licences): the authorization that lets ``actor`` act for the entrustor — at
    ``hall_id``, the hall of the case, when given — or 403 ``proxy_out_of_scope`` (audited)."""
    if actor.kind == "anonymous":
        raise Unauthorized()
    last: list[str] = ["no_authorization"]
    for row in ProxyRepository(session).live_for(entrustor_citizen_id, PROXY_ACTIVE):
        if not _is_agent(actor, row):
            continue
        reasons = _reasons(row, item_code=item_code, act=act, now=now, hall_id=hall_id)
        if not reasons:
            return row
        last = reasons
    _deny(session, actor, None, last, now, item_code=item_code, act=act, entrustor=entrustor_citizen_id)


def check_collector(
    session: Session,
    actor: Actor,
    *,
    authorization_id: int,
    entrustor_citizen_id: int | None,
    agent_id_number: str,
    item_code: str,
    hall_id: int,
    now: datetime,
) -> ProxyAuthorization:
    """A window hands ``entrustor``'s result to an agent in person: the authorization must be live, the entrustor's,
    cover the item and ``collect_result`` at this hall, and the person's ID number must be the citizen agent's.
    Otherwise 403 ``proxy_out_of_scope`` with the reasons (audited)."""
    row = ProxyRepository(session).by_id(authorization_id)
    if row is None or row.entrustor_citizen_id != entrustor_citizen_id:
        _deny(session, actor, None, ["no_authorization"], now, authorization_id=authorization_id)
    reasons = _reasons(row, item_code=item_code, act="collect_result", now=now, hall_id=hall_id)
    index = (
        identity_service.citizen_id_number_index(session, row.agent_citizen_id)
        if row.agent_kind == "citizen" and row.agent_citizen_id is not None
        else None
    )
    given = blind_index(normalize_id_number(agent_id_number), "id_number")
    if index is None or not hmac.compare_digest(index, given):
        reasons.append("agent_identity_mismatch")
    if reasons:
        _deny(session, actor, row, reasons, now, item_code=item_code, act="collect_result")
    return row
