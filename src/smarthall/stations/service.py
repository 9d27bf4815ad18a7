"""Township stations and handovers between halls (requirements §11.2, §11.3).

- **Stations** (便民服务站, 11.3): a township hall runs as a light hall — one comprehensive window serving the
  station's items (the catalog's level inheritance with the hall's own item switches: the "subset by setting"), of
  which the station finishes ``local_items`` itself; every other item is received at the station by its clerk (帮代办)
  and handed up to the supervising hall, the nearest hall above it in the tree, which accepts and decides it
  ("收件在村、审批在县"); the result comes back to the station for pickup.
- **Handovers across regions** (跨域通办 / 异地代收, 11.2): a clerk of hall A receives and checks an application for an
  item that another region's hall B handles; the case moves to B (B accepts, decides), A keeps it in view as the
  receiver, and the result reaches the citizen back at A, at B, or by post.

Both are one ``Handover`` row with a trail of steps and an audit event per step; the case itself moves to the
handling hall through ``cases.service`` (one conditional UPDATE, so two clerks cannot hand one case twice).
Use cases are ``(session, actor, *, ..., now)``; no commit here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.cases import service as cases_service
from smarthall.cases.schemas import ActionIn, DeliveryIn
from smarthall.catalog import service as catalog_service
from smarthall.core import events
from smarthall.core.crypto import blind_index
from smarthall.core.i18n import label
from smarthall.core.masking import mask_name
from smarthall.core.tenancy import Actor
from smarthall.licences.service import DocumentDesk
from smarthall.org import service as org_service
from smarthall.stations.errors import (
    HandoverInvalid,
    HandoverNotFound,
    HandoverNotYourSide,
    HandoverOutOfOrder,
    HandoverOutOfScope,
    HandoverRoleForbidden,
    ItemsNotOffered,
    NoSupervisor,
    NotAStation,
    StationVersionConflict,
)
from smarthall.stations.models import Handover, Station
from smarthall.stations.repository import HandoverRepository, StationRepository
from smarthall.stations.schemas import (
    HandoverCreate,
    HandoverHandOut,
    HandoverRead,
    HandoverResult,
    HandoverStep,
    StationItem,
    StationRead,
    StationSet,
)

STATION_LEVEL = "township"
# Case states in which a decision exists that can travel back to the citizen.
DECIDED = frozenset({"approved", "rejected"})


def _word(prefix: str, code: str) -> str:
    return label(f"stations.{prefix}", code)


# --- stations -----------------------------------------------------------------------------------------------------


def _station_hall(session: Session, actor: Actor, hall_code: str) -> Any:
    hall = org_service.get_hall(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    if hall.level != STATION_LEVEL:
        raise NotAStation(detail={"hall_code": hall_code, "level": hall.level})
    return hall


def _supervisor(session: Session, hall: Any) -> Any:
    parent = org_service.parent_hall(hall, org_service.list_halls(session))
    if parent is None:
        raise NoSupervisor(detail={"hall_code": hall.code})
    return parent


def window_code_of(hall_code: str) -> str:
    return f"{hall_code}-W01"


def station_read(session: Session, actor: Actor, *, hall_code: str) -> StationRead:
    """What the station does: its items, each finished locally or handed up, and the hall it hands up to."""
    hall = _station_hall(session, actor, hall_code)
    station = StationRepository(session).by_hall(hall.id)
    if station is not None:
        supervisor = org_service.hall_by_id(session, station.supervisor_hall_id)
        local, version, window = set(station.local_items), station.version, station.window_code
    else:  # not set up yet: everything is received here and handed up
        supervisor, local, version, window = _supervisor(session, hall), set(), 0, window_code_of(hall.code)
    assert supervisor is not None
    codes = sorted(catalog_service.hall_items(session, hall))
    items = []
    for code in codes:
        item = catalog_service.get_item(session, code)
        handling = "local" if code in local else "handed_up"
        items.append(
            StationItem(
                code=code,
                name=item.name,
                department_code=item.department_code,
                handling=handling,  # type: ignore[arg-type]
                handling_zh=_word("handling", handling),
            )
        )
    return StationRead(
        hall_code=hall.code,
        hall_name=hall.name,
        supervisor_hall_code=supervisor.code,
        supervisor_hall_name=supervisor.name,
        window_code=window,
        version=version,
        items=items,
    )


def set_station(session: Session, actor: Actor, *, hall_code: str, data: StationSet, now: datetime) -> StationRead:
    """Set up or change a station: its one comprehensive window (made when missing) and the items it finishes
    itself (a subset of the items it offers). Hall managers and administrators of the station or above it."""
    hall = _station_hall(session, actor, hall_code)
    supervisor = _supervisor(session, hall)
    offered = catalog_service.hall_items(session, hall, fresh=True)
    wanted = sorted(set(data.local_items))
    unknown = [code for code in wanted if code not in offered]
    if unknown:
        raise ItemsNotOffered(detail={"items": unknown})
    repo = StationRepository(session)
    station = repo.by_hall(hall.id)
    window = window_code_of(hall.code)
    if org_service.find_window(session, window) is None:
        org_service.import_windows(
            session,
            [{"code": window, "hall_code": hall.code, "zone_code": None, "name": "综合受理窗口",
              "name_en": "Comprehensive window", "kind": "comprehensive", "number": 1, "item_codes": []}],
            {hall.code: hall},
            lambda *_: None,
        )  # fmt: skip
    values = {
        "supervisor_hall_id": supervisor.id,
        "supervisor_hall_code": supervisor.code,
        "window_code": window,
        "local_items": wanted,
        "changed_by": actor.label,
    }
    if station is None:
        if data.version not in (None, 0):
            raise StationVersionConflict(detail={"version": 0})
        repo.add(Station(hall_id=hall.id, hall_code=hall.code, region_path=hall.region_path, version=1, **values))
        repo.flush()
    elif not repo.bump(station, seen=data.version or station.version, values=values):
        raise StationVersionConflict(detail={"version": station.version})
    audit_service.record(
        session, actor, "station.set", target_type="hall", target_id=hall.code, hall_code=hall.code,
        detail={"local_items": wanted, "supervisor": supervisor.code}, now=now,
    )  # fmt: skip
    return station_read(session, actor, hall_code=hall_code)


# --- handovers ----------------------------------------------------------------------------------------------------


def _target(session: Session, source: Any, data: HandoverCreate, item_code: str) -> Any:
    if data.kind == "station":
        if source.level != STATION_LEVEL:
            raise HandoverInvalid(detail={"reason": "not_a_station", "hall_code": source.code})
        station = StationRepository(session).by_hall(source.id)
        if station is not None and item_code in station.local_items:
            raise HandoverInvalid(detail={"reason": "item_finished_locally", "item_code": item_code})
        target = _supervisor(session, source)
        if data.to_hall_code not in (None, target.code):
            raise HandoverInvalid(detail={"reason": "not_the_supervisor", "supervisor": target.code})
        return target
    if not data.to_hall_code:
        raise HandoverInvalid(detail={"reason": "to_hall_required"})
    target = org_service.find_hall(session, data.to_hall_code)
    if target is None or not target.active:
        raise HandoverInvalid(detail={"reason": "to_hall_unknown", "to_hall_code": data.to_hall_code})
    a, b = source.region_path, target.region_path
    if a.startswith(b) or b.startswith(a):  # the same region, or one above the other: not across regions
        raise HandoverInvalid(detail={"reason": "same_region", "to_hall_code": target.code})
    return target


def create_handover(session: Session, actor: Actor, *, data: HandoverCreate, now: datetime) -> HandoverRead:
    """A clerk of the case's hall, having received and checked it, hands a submitted case to the hall that handles
    it: the station's supervising hall, or another region's hall. The case moves; both halls keep it in view."""
    if not actor.is_staff or actor.role != "clerk":
        raise HandoverRoleForbidden()
    case = cases_service.case_by_number(session, data.case_no)
    if case is None:
        raise HandoverInvalid(detail={"reason": "case_unknown", "case_no": data.case_no})
    if case.hall_id != actor.hall_id:
        raise HandoverNotYourSide(detail={"case_no": data.case_no})
    if case.status != "submitted":
        raise HandoverOutOfOrder(detail={"case_status": case.status})
    source = org_service.hall_by_id(session, case.hall_id)
    assert source is not None
    target = _target(session, source, data, case.item_code)
    if case.item_code not in catalog_service.hall_items(session, target):
        raise HandoverInvalid(detail={"reason": "item_not_at_target", "item_code": case.item_code})
    if not cases_service.hand_to_hall(session, actor, case=case, hall=target, note=data.note, now=now):
        raise HandoverOutOfOrder(detail={"case_no": data.case_no})
    repo = HandoverRepository(session)
    handover = repo.add(
        Handover(
            case_id=case.id,
            case_no=case.case_no,
            item_code=case.item_code,
            kind=data.kind,
            status="transferred",
            result_at=data.result_at,
            from_hall_id=source.id,
            from_hall_code=source.code,
            from_region_path=source.region_path,
            to_hall_id=target.id,
            to_hall_code=target.code,
            to_region_path=target.region_path,
            created_by=actor.label,
            note=data.note,
        )
    )
    repo.flush()
    _step(session, actor, handover, "transfer", None, now=now, note=data.note)
    return handover_read(session, actor, handover)


# The webhook event of each handover step (``core.events``; payload without personal data).
EVENT_OF_STEP = {
    "transfer": "handover.transferred",
    "send_result": "handover.result_sent",
    "post": "handover.result_sent",
    "hand_out": "handover.handed_out",
}


def _step(
    session: Session,
    actor: Actor,
    handover: Handover,
    action: str,
    source: str | None,
    *,
    now: datetime,
    note: str = "",
) -> None:
    HandoverRepository(session).add_event(
        handover, at=now, action=action, from_status=source, to_status=handover.status,
        hall_code=actor.hall_code or "", actor_ref=actor.label, note=note,
    )  # fmt: skip
    event = EVENT_OF_STEP[action]
    first, other = (handover.to_hall_code, handover.from_hall_code)
    if event != "handover.transferred":
        first, other = other, first  # the result goes back to the receiving hall
    events.emit(
        session, event, hall_code=first, other_hall_codes=[other], handover_id=handover.id,
        case_no=handover.case_no, item_code=handover.item_code, kind=handover.kind, status=handover.status,
        from_hall_code=handover.from_hall_code, to_hall_code=handover.to_hall_code, result_at=handover.result_at,
        at=now.isoformat(),
    )  # fmt: skip
    audit_service.record(
        session, actor, f"handover.{action}", target_type="case", target_id=handover.case_no,
        hall_code=actor.hall_code,
        detail={"handover": handover.id, "kind": handover.kind, "from_hall": handover.from_hall_code,
                "to_hall": handover.to_hall_code, "status": handover.status},
        now=now,
    )  # fmt: skip


def get_handover(session: Session, actor: Actor, handover_id: int) -> Handover:
    """A handover the actor's hall received or handles (or supervises), else 403 (exists) or 404."""
    if not actor.is_staff or not actor.has("case.read"):
        raise HandoverRoleForbidden()
    repo = HandoverRepository(session)
    handover = repo.in_scope(actor, handover_id)
    if handover is not None:
        return handover
    if repo.exists(handover_id):
        raise HandoverOutOfScope(detail={"handover": handover_id})
    raise HandoverNotFound(detail={"handover": handover_id})


def list_handovers(
    session: Session, actor: Actor, *, side: str | None, status: str | None, limit: int, offset: int
) -> list[HandoverRead]:
    if not actor.is_staff or not actor.has("case.read"):
        raise HandoverRoleForbidden()
    rows = HandoverRepository(session).listing(actor, side=side, status=status, limit=limit, offset=offset)
    return [handover_read(session, actor, h) for h in rows]


def _clerk_of(actor: Actor, hall_id: int, side: str) -> None:
    if not actor.is_staff or actor.role != "clerk":
        raise HandoverRoleForbidden()
    if actor.hall_id != hall_id:
        raise HandoverNotYourSide(detail={"side": side})


def send_result(
    session: Session, actor: Actor, *, handover_id: int, data: HandoverResult, desk: DocumentDesk, now: datetime
) -> HandoverRead:
    """The handling hall's clerk sends a decided case's result: back to the receiving hall for pickup, or by post
    (the case is delivered by post at once)."""
    handover = get_handover(session, actor, handover_id)
    _clerk_of(actor, handover.to_hall_id, "handler")
    case = cases_service.case_by_number(session, handover.case_no)
    assert case is not None
    if handover.status != "transferred" or case.status not in DECIDED:
        raise HandoverOutOfOrder(detail={"status": handover.status, "case_status": case.status})
    if handover.result_at == "handler":
        raise HandoverInvalid(detail={"reason": "result_at_handler"})
    repo = HandoverRepository(session)
    source = handover.status
    if handover.result_at == "post":
        if case.status != "approved":
            raise HandoverInvalid(detail={"reason": "nothing_to_post", "case_status": case.status})
        delivery = DeliveryIn(mode="post", tracking_no=data.tracking_no, address=data.address)
        cases_service.act(session, actor, case=case, data=ActionIn(action="deliver", delivery=delivery),
                          desk=desk, now=now)  # fmt: skip
        moved = repo.move(handover, source=source, target="posted", values={"closed_at": now, "result_sent_at": now})
        action = "post"
    else:
        moved = repo.move(handover, source=source, target="result_sent", values={"result_sent_at": now})
        action = "send_result"
    if not moved:
        raise HandoverOutOfOrder(detail={"status": source})
    _step(session, actor, handover, action, source, now=now)
    return handover_read(session, actor, handover)


def hand_out(
    session: Session, actor: Actor, *, handover_id: int, data: HandoverHandOut, desk: DocumentDesk, now: datetime
) -> HandoverRead:
    """The receiving hall's clerk hands the result to the applicant, who shows their ID card (the case is delivered
    at the receiving hall's window)."""
    handover = get_handover(session, actor, handover_id)
    _clerk_of(actor, handover.from_hall_id, "receiver")
    case = cases_service.case_by_number(session, handover.case_no)
    assert case is not None
    if handover.status != "result_sent":
        raise HandoverOutOfOrder(detail={"status": handover.status})
    if case.status == "approved":
        delivery = DeliveryIn(mode="window", pickup_id_number=data.pickup_id_number)
        cases_service.act(session, actor, case=case, data=ActionIn(action="deliver", delivery=delivery),
                          desk=desk, now=now)  # fmt: skip
    elif blind_index(data.pickup_id_number.strip().upper(), "id_number") != case.applicant_id_index:
        raise HandoverInvalid(detail={"reason": "identity_mismatch"})
    repo = HandoverRepository(session)
    if not repo.move(handover, source="result_sent", target="handed_out", values={"closed_at": now}):
        raise HandoverOutOfOrder(detail={"status": "result_sent"})
    _step(session, actor, handover, "hand_out", "result_sent", now=now)
    return handover_read(session, actor, handover)


def handover_read(session: Session, actor: Actor, handover: Handover) -> HandoverRead:
    case = cases_service.case_by_number(session, handover.case_no)
    assert case is not None
    side = (
        "receiver" if actor.hall_id == handover.from_hall_id
        else "handler" if actor.hall_id == handover.to_hall_id
        else "supervisor"
    )  # fmt: skip
    return HandoverRead(
        id=handover.id,
        case_no=handover.case_no,
        item_code=handover.item_code,
        item_name=case.item_name,
        kind=handover.kind,
        kind_zh=_word("kind", handover.kind),
        status=handover.status,
        status_zh=_word("status", handover.status),
        result_at=handover.result_at,
        result_at_zh=_word("result_at", handover.result_at),
        from_hall_code=handover.from_hall_code,
        to_hall_code=handover.to_hall_code,
        from_hall_name=org_service.hall_facts_by_id(session, handover.from_hall_id).name,
        to_hall_name=org_service.hall_facts_by_id(session, handover.to_hall_id).name,
        my_side=side,  # type: ignore[arg-type]
        case_status=case.status,
        case_status_zh=label("case.status", case.status),
        applicant_masked=mask_name(case.applicant_name),
        created_at=handover.created_at,
        steps=[
            HandoverStep(
                at=e.at,
                action=e.action,
                action_zh=_word("action", e.action),
                status=e.to_status,
                hall_code=e.hall_code,
                actor=e.actor_ref,
                note=e.note,
            )  # fmt: skip
            for e in HandoverRepository(session).steps(handover.id)
        ],
    )
