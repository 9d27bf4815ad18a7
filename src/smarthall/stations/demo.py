"""Demo stations: every township hall of the demo province set up as a light hall (its one comprehensive window,
its instant-approval items finished at the station, everything else handed up to the county), and one station
clerk, ``station1`` at 湖滨街道便民服务站, to receive cases and hand them up (帮代办)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smarthall.catalog import service as catalog_service
from smarthall.core.models import utcnow
from smarthall.core.tenancy import SYSTEM
from smarthall.identity import staffing
from smarthall.org import service as org_service
from smarthall.stations import service
from smarthall.stations.repository import StationRepository
from smarthall.stations.schemas import StationSet

DEMO_STATION = "H-690102001"
DEMO_STATION_CLERK = {
    "code": f"{DEMO_STATION}-S01",
    "username": "station1",
    "name": "何秀兰",
    "role": "clerk",
    "hall_code": DEMO_STATION,
    "window_code": f"{DEMO_STATION}-W01",
    "department_code": None,
    "zone_code": None,
    "duty": "便民服务站综合受理、帮办代办",
    "employee_no": "HB2025001",
}


def seed(session: Session, *, password_hash: str) -> None:
    for hall in org_service.list_halls(session):
        if hall.level != service.STATION_LEVEL or StationRepository(session).by_hall(hall.id) is not None:
            continue
        offered = catalog_service.hall_items(session, hall, fresh=True)
        local = [c for c in sorted(offered) if catalog_service.get_item(session, c).instant_approval_eligible]
        service.set_station(session, SYSTEM, hall_code=hall.code, data=StationSet(local_items=local), now=utcnow())
    staffing.provision(session, [DEMO_STATION_CLERK], password_hash=password_hash)
