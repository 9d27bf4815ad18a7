"""The self-service zone at a kiosk or form terminal (自助服务区, GB/T 44888-2024 Annex B): identify → choose an
item → prefilled form → upload or scan materials → confirm and submit → instant result or a receipt → print →
rate; a help button at every step; an inactivity timeout that ends the visit.

Identification, three ways: the ID card reader (``cardreader``, a simulated reader in the demo), a QR from the
citizen's phone (a short-lived signed token the portal shows), or the ID number plus a one-time code sent to the
phone the citizen registered. The citizen then acts as themselves: the case is filed by the cases domain exactly as
online, with the kiosk's hall. A visit lives in ``venue_kiosk_session``; the browser holds only its random token
(an HttpOnly cookie), and the visit ends after ``venue.kiosk_idle_seconds`` without a touch.

Every step can fail over to people: ``fallback_window`` names the window serving the item ("请到 N 号窗口").
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.assist.schemas import HelpRequestCreate
from smarthall.catalog import service as catalog_service
from smarthall.core.crypto import blind_index
from smarthall.core.db import attempt
from smarthall.core.errors import Forbidden, HallError
from smarthall.core.tenancy import Actor
from smarthall.evaluation import service as evaluation_service
from smarthall.evaluation.schemas import RatingCreate
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service
from smarthall.venue.errors import VenueInvalid
from smarthall.venue.models import KioskSession
from smarthall.venue.repository import KioskSessionRepository

STEPS = ("identify", "item", "form", "result", "rate", "done")
STEP_WORDS = {
    "identify": ("身份核验", "Identify"),
    "item": ("选择事项", "Choose"),
    "form": ("填表与材料", "Form and materials"),
    "result": ("结果", "Result"),
    "rate": ("评价", "Rate"),
    "done": ("完成", "Done"),
    "menu": ("取号首页", "Ticket menu"),
}
# What the kiosk says aloud on each step when spoken prompts are on (Annex B): zh-CN first.
SPEAK_PROMPTS = {
    "identify": (
        "欢迎使用自助办理。请刷身份证,或输入身份证号获取短信验证码,或用手机出示身份码。需要帮助请按红色按钮呼叫工作人员。",
        "Welcome. Tap your ID card, type your ID number for a text code, or show your phone's identity code.",
    ),
    "item": ("请选择要办理的事项,可以搜索,也可以按类别选择。", "Choose the service: search, or pick a category."),
    "form": ("请核对表格内容,上传或拍摄所需材料,然后确认提交。", "Check the form, add the materials, then submit."),
    "result": ("已提交。请查看办理结果,可以打印,也请为本次服务评价。", "Submitted: see the result, print it, rate us."),
    "help": ("已呼叫工作人员,请在终端旁稍候。", "Staff have been called. Please wait by the kiosk."),
}
CODE_MINUTES, CODE_ATTEMPTS = 5, 5
QR_SECONDS = 120


class SessionGone(HallError):
    status = 409
    code = "kiosk_session_ended"
    title = "Session ended"
    message_zh = "本次自助办理已结束(超时或已退出),请重新开始"
    message_en = "This self-service visit has ended (timed out or finished); please start again"


class CodeWrong(HallError):
    status = 400
    code = "kiosk_code_wrong"
    title = "Wrong code"
    message_zh = "验证码不正确或已过期"
    message_en = "The code is wrong or has expired"


class NotRegistered(HallError):
    status = 404
    code = "kiosk_citizen_unknown"
    title = "Not registered"
    message_zh = "未找到该身份证号的实名用户,请到导服台办理注册,或到窗口办理"
    message_en = "No registered citizen has this ID number; register at the guide desk, or go to a window"


@dataclass(frozen=True)
class Visit:
    row: KioskSession
    device: Any

    @property
    def citizen_actor(self) -> Actor:
        if self.row.citizen_id is None:
            raise Forbidden("请先核验身份", "Identify yourself first", code="kiosk_not_identified")
        return identity_service.citizen_actor_by_id(self.row.citizen_id)


def _hash(token: str) -> str:
    return blind_index(token, "venue_kiosk_session")


def _device(session: Session, actor: Actor) -> Any:
    if actor.kind != "device" or not actor.has("venue.self_service") or actor.id is None:
        raise Forbidden("自助办理只能在自助终端上进行", "Self-service runs on a kiosk", code="kiosk_only")
    device = identity_service.get_device(session, actor.id)
    if device is None:
        raise Forbidden("自助办理只能在自助终端上进行", "Self-service runs on a kiosk", code="kiosk_only")
    return device


def idle_seconds(session: Session, device: Any) -> int:
    return int(rules_service.value(session, device.hall, "venue.kiosk_idle_seconds"))


def start(session: Session, actor: Actor, *, now: datetime) -> tuple[Visit, str]:
    """A new visit at this kiosk; the token goes into the kiosk's cookie."""
    device = _device(session, actor)
    token = secrets.token_urlsafe(24)
    row = KioskSessionRepository(session).add(
        KioskSession(
            token_hash=_hash(token),
            device_id=device.id,
            hall_id=device.hall_id,
            region_path=device.hall.region_path,
            step="identify",
            started_at=now,
            last_seen_at=now,
        )
    )
    KioskSessionRepository(session).flush()
    return Visit(row, device), token


def resume(session: Session, actor: Actor, token: str | None, *, now: datetime) -> Visit | None:
    """The visit this kiosk is in, or None (none, ended, or idle past the timeout — which ends it now)."""
    device = _device(session, actor)
    if not token:
        return None
    row = KioskSessionRepository(session).live(_hash(token), device.id)
    if row is None:
        return None
    if now - row.last_seen_at > timedelta(seconds=idle_seconds(session, device)):
        row.ended_at, row.ended_by = now, "timeout"
        return None
    row.last_seen_at = now
    return Visit(row, device)


def end(visit: Visit, *, by: str, now: datetime) -> None:
    visit.row.ended_at, visit.row.ended_by = now, by


# -------------------------------------------------------------------------------------------------- identify


def _identified(visit: Visit, citizen_id: int, via: str) -> None:
    visit.row.citizen_id, visit.row.identified_via, visit.row.step = citizen_id, via, "item"
    visit.row.pending_citizen_id = visit.row.code_hash = None


def identify_by_card(session: Session, visit: Visit, id_number: str) -> None:
    """The card reader read this ID number (``cardreader``); the citizen must be registered."""
    citizen = identity_service.find_citizen_by_id_number(session, id_number.strip())
    if citizen is None:
        raise NotRegistered()
    _identified(visit, citizen.id, "id_card")


def send_code(session: Session, visit: Visit, id_number: str, *, now: datetime) -> str:
    """Send a one-time code to the registered phone of the citizen with this ID number; the masked phone is shown."""
    citizen = identity_service.find_citizen_by_id_number(session, id_number.strip())
    if citizen is None:
        raise NotRegistered()
    contact = identity_service.citizen_contact(session, citizen.id)
    assert contact is not None
    code = f"{secrets.randbelow(10**6):06d}"
    row = visit.row
    row.pending_citizen_id, row.code_hash = citizen.id, _hash(f"{row.id}:{code}")
    row.code_expires_at, row.code_attempts = now + timedelta(minutes=CODE_MINUTES), 0
    notify_service.send(
        session,
        template="venue.kiosk.code",
        params={"code": code, "minutes": CODE_MINUTES},
        now=now,
        citizen_id=citizen.id,
        phone=contact.phone,
        ref_type="kiosk_session",
        ref_id=row.id,
    )
    return f"{contact.phone[:3]}****{contact.phone[-4:]}"


def verify_code(session: Session, visit: Visit, code: str, *, now: datetime) -> None:
    row = visit.row
    good = (
        row.pending_citizen_id is not None
        and row.code_hash is not None
        and row.code_expires_at is not None
        and now < row.code_expires_at
        and row.code_attempts < CODE_ATTEMPTS
        and hmac.compare_digest(row.code_hash, _hash(f"{row.id}:{code.strip()}"))
    )
    if not good:
        row.code_attempts += 1
        if row.code_attempts >= CODE_ATTEMPTS:
            row.code_hash = None
        with attempt(session):  # the counted try is kept although the request is refused
            raise CodeWrong()
    assert row.pending_citizen_id is not None
    _identified(visit, row.pending_citizen_id, "id_code")


_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed without doubt
_SLOT_SECONDS = 60
_SLOT_BASE = 31 * 31  # the slot travels as its last two letters: the verifier finds the one near now


def _letters(number: int, width: int = 0) -> str:
    out = ""
    while number or len(out) < max(width, 1):
        number, digit = divmod(number, len(_CODE_ALPHABET))
        out = _CODE_ALPHABET[digit] + out
    return out


def _number(letters: str) -> int | None:
    value = 0
    for ch in letters:
        digit = _CODE_ALPHABET.find(ch)
        if digit < 0:
            return None
        value = value * len(_CODE_ALPHABET) + digit
    return value


def _signature(secret: str, citizen_id: int, slot: int) -> str:
    digest = int(blind_index(f"{secret}:{citizen_id}.{slot}", "venue_phone_qr")[:16], 16)
    return _letters(digest % len(_CODE_ALPHABET) ** 7, 7)


def phone_qr_token(secret: str, citizen_id: int, *, now: datetime) -> str:
    """What the citizen's phone shows, as a QR and as letters to type (``/me/kiosk-code``): the citizen, the minute
    it runs out (about ``QR_SECONDS`` from now) and a signature — e.g. ``3K-7F-Q4M9XZA``, short enough to type."""
    slot = (int(now.timestamp()) + QR_SECONDS) // _SLOT_SECONDS
    return f"{_letters(citizen_id)}-{_letters(slot % _SLOT_BASE, 2)}-{_signature(secret, citizen_id, slot)}"


def read_phone_code(secret: str, code: str, *, now: datetime) -> int | None:
    """The citizen a phone code stands for while it is valid, else ``None`` (spaces, dashes and case forgiven)."""
    parts = code.strip().upper().replace(" ", "").split("-")
    if len(parts) != 3 or not (1 <= len(parts[0]) <= 8) or len(parts[1]) != 2 or len(parts[2]) != 7:
        return None
    citizen_id, low = _number(parts[0]), _number(parts[1])
    if citizen_id is None or low is None:
        return None
    current = int(now.timestamp()) // _SLOT_SECONDS
    # the slot it names: the first at or after this minute with these last letters (a code names a minute ahead)
    slot = current + (low - current) % _SLOT_BASE
    if slot * _SLOT_SECONDS > int(now.timestamp()) + QR_SECONDS + _SLOT_SECONDS:
        return None  # not one made in the last few minutes: expired
    if not hmac.compare_digest(parts[2], _signature(secret, citizen_id, slot)):
        return None
    return citizen_id


def identify_by_phone_qr(session: Session, visit: Visit, secret: str, token: str, *, now: datetime) -> None:
    citizen_id = read_phone_code(secret, token, now=now)
    if citizen_id is None or identity_service.get_citizen(session, citizen_id) is None:
        raise CodeWrong()
    _identified(visit, citizen_id, "phone_qr")


# ------------------------------------------------------------------------------------------------ item, help


def choose_item(session: Session, visit: Visit, item_code: str) -> Any:
    item = catalog_service.find_item(session, item_code)
    if item is None or item.code not in catalog_service.hall_items(session, visit.device.hall):
        raise VenueInvalid("本大厅不办理该事项", "This hall does not handle this item", code="unknown_item")
    visit.row.item_code, visit.row.step = item.code, "form"
    return item


def fallback_window(session: Session, hall: Any, item_code: str | None) -> tuple[int, str] | None:
    """The window to send the citizen to when a self-service step cannot go on: (number, name), or None (then the
    guide desk)."""
    if not item_code:
        return None
    windows = catalog_service.windows_serving(session, hall, item_code)
    return (windows[0].number, windows[0].name) if windows else None


def ask_for_help(session: Session, actor: Actor, visit: Visit | None, *, step: str, now: datetime) -> Any:
    """A help request from this kiosk, with its place (zone, device) and the step the citizen reached."""
    device = _device(session, actor)
    zh = STEP_WORDS.get(step, (step, step))[0]
    item_code = visit.row.item_code if visit is not None else None
    data = HelpRequestCreate(
        hall_code=device.hall.code,
        source="kiosk",
        item_code=item_code,
        zone_code=device.zone_code,
        description=f"自助终端「{device.name}」({device.code})求助,当前步骤:{zh}",
        citizen_id=None,
    )
    return assist_service.create_help_request(session, actor, data, now=now)


def hall_of(session: Session, visit: Visit) -> Any:
    return org_service.hall_by_id(session, visit.device.hall_id)


def rate(session: Session, actor: Actor, visit: Visit, settings: Any, level: int, *, now: datetime) -> None:
    """The citizen rates the finished case at the kiosk (一事一评): the kiosk vouches with the card it read."""
    assert visit.row.citizen_id is not None and visit.row.case_no is not None
    contact = identity_service.citizen_contact(session, visit.row.citizen_id)
    assert contact is not None
    data = RatingCreate(case_no=visit.row.case_no, level=level, channel="kiosk", id_number=contact.id_number)
    evaluation_service.create_rating(session, actor, settings, data, now=now)
    visit.row.step = "rate"
