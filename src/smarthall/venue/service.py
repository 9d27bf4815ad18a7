"""The venue (智能化场所, GB/T 44888-2024 §7): the device registry a hall manager keeps, pairing a browser into a
device by a one-time code, heartbeats and what devices report (paper, jams, doors), fault tickets and alerts.

Pairing: the manager asks for a code for one registered device (``start_pairing``); whoever opens ``/pair`` on
the device and types the code (or scans its QR) gets a new device key in an HttpOnly cookie (``pair``); the code
works once and for ``venue.pairing_code_minutes``. Revoking replaces the key, so the cookie stops working at once.

Alerts: a device silent for ``venue.missed_heartbeats`` × ``venue.heartbeat_seconds`` (``sweep_silent``, every
minute) or reporting a fault opens one fault ticket per device and kind and tells the hall's managers; low paper
opens a warning. ``open_faults`` is what the operations console reads.

Smart lockers are ``venue.lockers`` (re-exported here). Every query is in ``venue.repository``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.catalog import service as catalog_service
from smarthall.core import broadcast
from smarthall.core.crypto import blind_index
from smarthall.core.db import after_commit
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.queueing import service as queueing_service
from smarthall.rules import service as rules_service
from smarthall.venue.errors import (  # noqa: F401  (NotADevice: also for the pages)
    DeviceExists,
    DeviceNotFound,
    DeviceRevoked,
    FaultClosed,
    FaultNotFound,
    NotADevice,
    PairingCodeExpired,
    PairingCodeInvalid,
    PairingCodeUsed,
    VenueInvalid,
)
from smarthall.venue.kiosk import (  # noqa: F401  (the kiosk menu, reached through this service)
    MenuItem,
    events_with_items,
    popular_first,
    search,
)
from smarthall.venue.lockers import (  # noqa: F401  (the locker use cases, reached through this service)
    add_slots,
    list_slots,
    load_locker,
    open_locker,
)
from smarthall.venue.models import DeviceState, Fault, Pairing
from smarthall.venue.repository import DeviceStateRepository, FaultRepository, PairingRepository
from smarthall.venue.schemas import DeviceCreate, DeviceStatus, FaultAction, FaultRead, Heartbeat, PairingCode

# The page a freshly paired device opens, by kind.
HOME = {
    "kiosk": "/kiosk/{hall}",
    "form_terminal": "/kiosk/{hall}/self",
    "display": "/board/{hall}",
    "window_pad": "/evaluation/pad",
    "locker": "/locker",
    "printer": "/pair/done",
    "robot": "/pair/done",
}
ALERT_KINDS = ("offline", "paper_jam", "paper_out", "door", "printer_offline", "camera", "card_reader", "other")
# The alphabet of pairing codes: no 0/O, 1/I/L, so a code read off a manager's screen is typed right.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _code_hash(code: str) -> str:
    return blind_index(code.strip().upper().replace("-", "").replace(" ", ""), "venue_pairing")


def home_of(kind: str, hall_code: str) -> str:
    return HOME.get(kind, "/pair/done").format(hall=hall_code)


def _manageable(session: Session, actor: Actor, code: str) -> Any:
    """The device with ``code`` if ``actor`` manages devices and its hall is in their scope, else 404/403."""
    if actor.kind != "system" and not actor.has("device.manage"):
        raise Forbidden("您的角色无权管理设备", "Your role cannot manage devices", code="forbidden_role")
    device = identity_service.find_device(session, code)
    if device is None or not actor.can_see_hall(device.hall_id, device.hall.region_path):
        raise DeviceNotFound(detail={"code": code})
    return device


def _state(session: Session, device: Any) -> DeviceState:
    repo = DeviceStateRepository(session)
    state = repo.of_device(device.id)
    if state is None:
        state = repo.add(DeviceState(device_id=device.id, hall_id=device.hall_id, region_path=device.hall.region_path))
        repo.flush()
    return state


# --------------------------------------------------------------------------------------------------- registry


def _check_placement(session: Session, hall_id: int, *, zone_code: str | None, window_code: str | None) -> None:
    """A device stands in its own hall: its zone and window must be the hall's (a window pad bound to another
    hall's window would rate that window's services; a kiosk in another hall's zone would serve that zone)."""
    if zone_code and not any(z.hall_id == hall_id for z in org_service.zones_by_codes(session, [zone_code])):
        raise VenueInvalid(
            "该区域不属于本大厅",
            "The zone is not in this hall",
            code="zone_not_in_hall",
            detail={"zone_code": zone_code},
        )
    if window_code:
        window = org_service.find_window(session, window_code)
        if window is None or window.hall_id != hall_id:
            raise VenueInvalid(
                "该窗口不属于本大厅",
                "The window is not in this hall",
                code="window_not_in_hall",
                detail={"window_code": window_code},
            )


def create_device(session: Session, actor: Actor, data: DeviceCreate, *, now: datetime) -> Any:
    """Register a device in a hall (unpaired: it has no usable key until a pairing code is used on it)."""
    if actor.kind != "system" and not actor.has("device.manage"):
        raise Forbidden("您的角色无权管理设备", "Your role cannot manage devices", code="forbidden_role")
    hall = org_service.find_hall(session, data.hall_code)
    if hall is None or not actor.can_see_hall(hall.id, hall.region_path):
        raise VenueInvalid("大厅不存在", "Unknown hall", code="unknown_hall", detail={"hall_code": data.hall_code})
    if identity_service.find_device(session, data.code) is not None:
        raise DeviceExists(detail={"code": data.code})
    if data.kind == "window_pad" and not data.window_code:
        raise VenueInvalid("窗口评价器须指定窗口", "A window pad needs its window", code="window_required")
    _check_placement(session, hall.id, zone_code=data.zone_code, window_code=data.window_code)
    device = identity_service.ensure_device(
        session,
        code=data.code,
        kind=data.kind,
        name=data.name,
        hall=hall,
        key=secrets.token_urlsafe(32),  # nobody knows it: the device is usable only after pairing
        zone_code=data.zone_code,
        window_code=data.window_code,
    )
    device.active = False
    _state(session, device)
    if data.kind == "locker" and data.slots:
        add_slots(session, device, data.slots, now=now)
    return device


def registry(session: Session, actor: Actor, *, limit: int = 200, offset: int = 0) -> list[DeviceStatus]:
    """The devices of the halls in ``actor``'s scope with what they last reported and their open faults."""
    if not actor.has("device.read"):
        raise Forbidden("您的角色无权查看设备", "Your role cannot see devices", code="forbidden_role")
    page = identity_service.list_devices(session, actor, limit=limit, offset=offset)
    states = DeviceStateRepository(session).in_scope(actor)
    faults: dict[int, int] = {}
    for fault in FaultRepository(session).list_in_scope(actor, status="open", limit=500):
        faults[fault.device_id] = faults.get(fault.device_id, 0) + 1
    out = []
    for device in page.items:
        state = states.get(device.id)
        status = state.status if state else "unknown"
        if not device.active:
            status = "revoked" if state and state.paired_at else "unpaired"
        out.append(
            DeviceStatus(
                code=device.code,
                kind=device.kind,
                name=device.name,
                hall_code=device.hall.code,
                zone_code=device.zone_code,
                window_code=device.window_code,
                active=device.active,
                status=status,
                last_beat_at=state.last_beat_at if state else device.last_seen_at,
                paper_percent=state.paper_percent if state else None,
                page=state.page if state else "",
                open_faults=faults.get(device.id, 0),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------------- pairing


def start_pairing(session: Session, actor: Actor, device_code: str, *, base_url: str, now: datetime) -> PairingCode:
    """A new one-time code for a device (earlier unused codes of it stop working)."""
    device = _manageable(session, actor, device_code)
    repo = PairingRepository(session)
    repo.void_open(device.id, now)
    minutes = int(rules_service.value(session, device.hall, "venue.pairing_code_minutes"))
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    expires = now + timedelta(minutes=minutes)
    repo.add(
        Pairing(
            hall_id=device.hall_id,
            region_path=device.hall.region_path,
            device_id=device.id,
            code_hash=_code_hash(code),
            expires_at=expires,
            created_by=actor.label,
        )
    )
    repo.flush()
    pretty = f"{code[:4]}-{code[4:]}"
    return PairingCode(
        device_code=device.code, code=pretty, pair_url=f"{base_url.rstrip('/')}/pair?code={pretty}", expires_at=expires
    )


def demo_pairings(session: Session, hall_code: str, *, base_url: str, now: datetime) -> list[PairingCode]:
    """Fresh one-time pairing codes for every device of the demo hall (printed by ``smarthall seed``)."""
    devices = identity_service.list_devices(session, SYSTEM, limit=500).items
    return [
        start_pairing(session, SYSTEM, d.code, base_url=base_url, now=now) for d in devices if d.hall.code == hall_code
    ]


def pair(session: Session, code: str, *, now: datetime) -> tuple[Any, str]:
    """Use a pairing code: the device gets a new key (returned once, for the cookie). A used code: 409; expired:
    410; unknown: 400 — and a code works exactly once even when two browsers race it."""
    repo = PairingRepository(session)
    row = repo.by_hash(_code_hash(code), lock=True)
    if row is None:
        raise PairingCodeInvalid()
    if row.used_at is not None:
        raise PairingCodeUsed()
    if row.expires_at <= now:
        raise PairingCodeExpired()
    if not repo.consume(row.id, now):
        raise PairingCodeUsed()
    device = identity_service.get_device(session, row.device_id)
    if device is None:
        raise PairingCodeInvalid()
    key = secrets.token_urlsafe(32)
    identity_service.rekey_device(session, device, key, now=now)
    state = _state(session, device)
    state.paired_at, state.status, state.last_beat_at = now, "online", now
    return device, key


def revoke(session: Session, actor: Actor, device_code: str, *, now: datetime) -> Any:
    """The device's credential stops working now; it comes back only through a new pairing code."""
    device = _manageable(session, actor, device_code)
    identity_service.revoke_device(session, device)
    PairingRepository(session).void_open(device.id, now)
    state = _state(session, device)
    state.status = "revoked"
    return device


# ------------------------------------------------------------------------------------------------- heartbeats


def reporting_device(session: Session, actor: Actor, presented_key: str | None) -> Any:
    """The device behind a report: a revoked device's key answers 403 ``device_revoked``, no device 401."""
    if actor.kind == "device" and actor.id is not None:
        device = identity_service.get_device(session, actor.id)
        if device is not None and device.active:
            return device
    if presented_key:
        device = identity_service.device_by_key(session, presented_key)
        if device is not None and not device.active:
            raise DeviceRevoked(detail={"code": device.code})
    raise NotADevice()


def heartbeat(session: Session, device: Any, data: Heartbeat, *, now: datetime) -> tuple[DeviceState, list[Fault]]:
    """Record a heartbeat and what came with it; faults and low consumables open tickets (one per kind)."""
    state = _state(session, device)
    state.last_beat_at, state.page = now, data.page[:200]
    identity_service.touch_device(device, now)
    state.interval_seconds = int(rules_service.value(session, device.hall, "venue.heartbeat_seconds"))
    if data.paper_percent is not None:
        state.paper_percent = data.paper_percent
    if data.toner_percent is not None:
        state.toner_percent = data.toner_percent
    opened: list[Fault] = []
    for kind in data.faults:
        opened += _raise(session, device, kind, "alert", data.detail, now=now)
    low = int(rules_service.value(session, device.hall, "venue.paper_low_percent"))
    if data.paper_percent is not None and data.paper_percent == 0:
        opened += _raise(session, device, "paper_out", "alert", "", now=now)
    elif data.paper_percent is not None and data.paper_percent <= low:
        opened += _raise(session, device, "paper_low", "warning", f"{data.paper_percent}%", now=now)
    # a device heard again closes its own offline ticket: it came back by itself
    back = FaultRepository(session).open_of(device.id, "offline")
    if back is not None:
        back.status, back.closed_at, back.note = "closed", now, "heartbeat resumed"
    state.status = "fault" if data.faults else "online"
    return state, opened


def _raise(session: Session, device: Any, kind: str, severity: str, detail: str, *, now: datetime) -> list[Fault]:
    repo = FaultRepository(session)
    if repo.open_of(device.id, kind) is not None:
        return []  # one open ticket per device and kind: a jam reported every beat is one ticket
    fault = repo.add(
        Fault(
            hall_id=device.hall_id,
            hall_code=device.hall.code,
            region_path=device.hall.region_path,
            device_id=device.id,
            device_code=device.code,
            kind=kind,
            severity=severity,
            status="open",
            detail=detail[:500],
            opened_at=now,
        )
    )
    repo.flush()
    _tell_console(session, fault)
    for manager in identity_service.active_staff(session, hall_id=device.hall_id, roles=("hall_manager",)):
        notify_service.send(
            session,
            template="venue.fault.alert" if severity == "alert" else "venue.fault.warning",
            params={"id": fault.id, "device": device.name, "code": device.code, "kind": kind},
            now=now,
            staff_id=manager.id,
            ref_type="venue_fault",
            ref_id=fault.id,
        )
    return [fault]


def sweep_silent(session: Session, *, now: datetime) -> list[Fault]:
    """Devices silent for longer than their allowance go offline and raise an ``offline`` alert (once)."""
    opened: list[Fault] = []
    for state in DeviceStateRepository(session).silent(now):
        device = identity_service.get_device(session, state.device_id)
        if device is None or not device.active or state.last_beat_at is None:
            continue
        interval = int(rules_service.value(session, device.hall, "venue.heartbeat_seconds"))
        missed = int(rules_service.value(session, device.hall, "venue.missed_heartbeats"))
        if now - state.last_beat_at <= timedelta(seconds=interval * missed):
            continue
        state.status = "offline"
        silent_for = int((now - state.last_beat_at).total_seconds())
        opened += _raise(session, device, "offline", "alert", str(silent_for), now=now)
    return opened


# ----------------------------------------------------------------------------------------------------- faults


def fault_read(row: Fault) -> FaultRead:
    return FaultRead(
        id=row.id,
        hall_code=row.hall_code,
        device_code=row.device_code,
        kind=row.kind,
        severity=row.severity,
        status=row.status,
        detail=row.detail,
        assigned_staff_id=row.assigned_staff_id,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        note=row.note,
    )


def list_faults(session: Session, actor: Actor, *, status: str | None = "open", limit: int = 200) -> list[Fault]:
    if not actor.has("venue.faults") and not actor.has("device.read"):
        raise Forbidden("您的角色无权查看设备故障", "Your role cannot see device faults", code="forbidden_role")
    return FaultRepository(session).list_in_scope(actor, status=status, limit=limit)


def open_faults(session: Session, actor: Actor, *, limit: int = 200) -> list[FaultRead]:
    """The open fault tickets and warnings of the halls in ``actor``'s scope, newest first — for the operations
    console (each with device, kind in words via ``venue.fault.<kind>``, severity and since when)."""
    return [fault_read(f) for f in FaultRepository(session).list_in_scope(actor, status="open", limit=limit)]


def act_on_fault(session: Session, actor: Actor, fault_id: int, data: FaultAction, *, now: datetime) -> Fault:
    if not actor.has("venue.faults"):
        raise Forbidden("您的角色无权处理设备故障", "Your role cannot handle device faults", code="forbidden_role")
    fault = FaultRepository(session).get_scoped(actor, fault_id)
    if fault is None:
        raise FaultNotFound()
    if fault.status == "closed":
        raise FaultClosed()
    if data.action == "assign":
        staff_id = data.staff_id or actor.id
        staff = identity_service.get_staff(session, staff_id) if staff_id else None
        if staff is None or staff.hall_id != fault.hall_id:
            raise VenueInvalid("请指定本大厅的工作人员", "Name a staff member of this hall", code="unknown_staff")
        fault.assigned_staff_id, fault.status = staff.id, "assigned"
    else:
        fault.status, fault.closed_at = "closed", now
    if data.note:
        fault.note = data.note
    _tell_console(session, fault)
    return fault


def _tell_console(session: Session, fault: Fault) -> None:
    """Push the fault (opened, assigned or closed) to the hall manager's live console over the hall's SSE channel,
    once the change is committed; the console reads ``/live`` again (issue 13, live dispatch: device faults)."""
    database = session.info["db"]
    message = {
        "type": "device_fault", "fault_id": fault.id, "device_code": fault.device_code, "kind": fault.kind,
        "severity": fault.severity, "status": fault.status,
    }  # fmt: skip
    after_commit(session, lambda: broadcast.of(database).publish(queueing_service.channel(fault.hall_code), message))


def kiosk_idle_seconds(session: Session, hall: Any) -> int:
    """After this long without a touch a kiosk wipes its screen and citizen session (``venue.kiosk_idle_seconds``)."""
    return int(rules_service.value(session, hall, "venue.kiosk_idle_seconds"))


def kiosk_menu(session: Session, hall: Any, *, q: str, event: str, counts: dict[str, int]) -> dict[str, Any]:
    """What a kiosk offers to choose from: the hall's items by life event, the popular ones, the search results and
    the chosen event (``venue.kiosk``)."""
    depts = org_service.department_names(session)
    menu = [
        MenuItem(i.code, i.name, depts.get(i.department_code, ""), " ".join([*i.keywords, *(i.situations or [])]))
        for i in catalog_service.items_by_codes(session, sorted(catalog_service.hall_items(session, hall)))
        if i.active
    ]
    menu.sort(key=lambda i: i.code)
    q = q[:40]
    groups = events_with_items(menu)
    return {
        "groups": groups,
        "chosen": next((g for g in groups if g[0].key == event[:20]), None),
        "q": q,
        "found": search(menu, q) if q else [],
        "popular": popular_first(menu, counts),
    }
