"""The demo province: the packaged catalog (a verbatim copy of ``shared/data/catalog.json``), staff logins with the
demo password, a kiosk and a display in the first county hall, and one demo citizen with what the demo bundles
need (``bundles.demo``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.catalog import importer
from smarthall.catalog.importer import ImportReport
from smarthall.core.clock import Clock, DemoClock, SharedDemoClock
from smarthall.core.crypto import blind_index
from smarthall.core.models import utcnow
from smarthall.core.tenancy import SYSTEM
from smarthall.identity import security, staffing
from smarthall.identity import service as identity_service
from smarthall.identity.models import Citizen
from smarthall.org import service as org_service
from smarthall.org.models import Hall
from smarthall.venue import schemas as venue_schemas
from smarthall.venue import service as venue_service

KIOSK_KEY = "demo-kiosk-key"
DISPLAY_KEY = "demo-display-key"
PAD_KEY = "demo-pad-w01-key"
DEMO_CITIZEN = {
    "name": "李明",
    "id_number": "690102199003071232",
    "phone": "13800138000",
    "address": "江安省云澜市澜湖区湖滨街道柳岸路8号",
}


def demo_catalog_text() -> str:
    return resources.files("smarthall").joinpath("data/catalog.json").read_text(encoding="utf-8")


def first_county_hall(session: Session) -> Hall:
    hall = session.execute(select(Hall).where(Hall.level == "county").order_by(Hall.id)).scalars().first()
    if hall is None:
        raise RuntimeError("the demo catalog has no county hall")
    return hall


def _zone(session: Session, hall: Hall, zone_type: str, *, named: str = "") -> str | None:
    """The code of the hall's zone of ``zone_type`` (the first whose name holds ``named``, when given): the demo's
    devices stand where their kind belongs (the board in the waiting area, the locker where results are collected)
    whatever the hall's zones are numbered — fixed codes put the board in H-690102's archive room (档案室)."""
    zones = org_service.zones_of_type(session, hall.id, zone_type)
    chosen = next((z for z in zones if named in z.name), zones[0] if zones else None)
    return chosen.code if chosen is not None else None


def seed_demo(session: Session, *, password: str, today: date | None = None) -> dict[str, Any]:
    """Load the demo province; ``today`` (the wall clock's by default) dates what must look recent, such as the
    newborn's birth certificate in the demo citizen's wallet (tests pass their frozen day)."""
    report: ImportReport = importer.import_catalog(session, demo_catalog_text())
    password_hash = security.hash_password(password)
    staffing.provision(session, report.staff, password_hash=password_hash)
    hall = first_county_hall(session)
    identity_service.ensure_device(
        session,
        code=f"{hall.code}-KIOSK-01",
        kind="kiosk",
        name="1号取号机",
        hall=hall,
        key=KIOSK_KEY,
        zone_code=_zone(session, hall, "consult_guide"),
    )
    identity_service.ensure_device(
        session,
        code=f"{hall.code}-DISPLAY-01",
        kind="display",
        name="等候区大屏",
        hall=hall,
        key=DISPLAY_KEY,
        zone_code=_zone(session, hall, "waiting"),
    )
    identity_service.ensure_device(
        session,
        code=f"{hall.code}-PAD-W01",
        kind="window_pad",
        name="1号窗口评价器",
        hall=hall,
        key=PAD_KEY,
        zone_code=_zone(session, hall, "window_service"),
        window_code=f"{hall.code}-W01",
    )
    for code, kind, name, zone in (
        (f"{hall.code}-LOCKER-01", "locker", "取件区智能柜", _zone(session, hall, "window_service", named="出件")),
        (f"{hall.code}-FORM-01", "form_terminal", "自助填单终端", _zone(session, hall, "form_filling")),
    ):
        if identity_service.find_device(session, code) is None:
            venue_service.create_device(
                session,
                SYSTEM,
                venue_schemas.DeviceCreate(
                    code=code,
                    kind=kind,
                    name=name,
                    hall_code=hall.code,
                    zone_code=zone,
                    slots=8 if kind == "locker" else 0,
                ),
                now=utcnow(),
            )
    id_number = DEMO_CITIZEN["id_number"]
    index = blind_index(id_number, "id_number")
    if session.execute(select(Citizen.id).where(Citizen.id_number_index == index)).first() is None:
        session.add(
            Citizen(
                name=DEMO_CITIZEN["name"],
                id_number=id_number,
                id_number_index=index,
                phone=DEMO_CITIZEN["phone"],
                phone_index=blind_index(DEMO_CITIZEN["phone"], "phone"),
                address=DEMO_CITIZEN["address"],
                password_hash=password_hash,
                phone_verified_at=utcnow(),  # the demo account's number counts as proven (it is the demo's own)
            )
        )
    session.flush()
    from smarthall.cases import demo as cases_demo

    cases_demo.seed(session)
    from smarthall.stations import demo as stations_demo

    stations_demo.seed(session, password_hash=password_hash)
    from smarthall.bundles import demo as bundles_demo

    bundles_demo.seed(session, password_hash=password_hash, today=today or utcnow().date())
    return {"catalog": report.as_dict(), "hall": hall.code, "citizen_id_number": id_number}


def demo_clock(session: Session, now: datetime) -> DemoClock | None:
    """The demo clock for a demo started at ``now``: None while the demo hall issues tickets; outside its hours, a
    clock that starts half an hour after the hall next opens (a morning under way) and runs on."""
    from smarthall.queueing import facts as queue_facts

    hall = queue_facts.hall(session, first_county_hall(session).code)
    if queue_facts.is_open(session, hall, now):
        return None
    opens = queue_facts.next_opening(session, hall, now)
    return None if opens is None else DemoClock(opens + timedelta(minutes=30))


def shared_clock(session: Session, path: Path, real: Clock) -> SharedDemoClock:
    """The deployment's demo clock (``core.clock.SharedDemoClock``, stored at ``path``): a start within a live
    session keeps its offset unless the demo hall is closed at the shared now, when the demo moves on to the hall's
    next working morning; a start with no live record decides afresh from the real clock (``demo_clock``)."""
    clock = SharedDemoClock(path, real=real)
    live = clock.record_is_live()
    ahead = demo_clock(session, clock.now() if live else real.now())
    if ahead is not None:
        clock.move_to(ahead.now(), fresh=not live)
    elif not live:
        clock.keep_real()
    return clock
