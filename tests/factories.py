"""Builders for test data, as plain functions (no factory library)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from smarthall.core.validators import id_check_char

_serial = itertools.count(1)
DEMO_CITIZEN_ID = "690102199003071232"


def make_id_number(born: date = date(1990, 1, 1), region: str = "690102", serial: int | None = None) -> str:
    """A valid resident ID number (GB 11643) for the given birth date."""
    n = next(_serial) if serial is None else serial
    first17 = f"{region}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def make_phone(n: int | None = None) -> str:
    return f"139{(next(_serial) if n is None else n) % 100_000_000:08d}"


def citizen_payload(**overrides: Any) -> dict[str, Any]:
    data = {"name": "王小明", "id_number": make_id_number(), "phone": make_phone(), "password": "Passw0rd-test"}
    data.update(overrides)
    return data


def register_citizen(client: Any, **overrides: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Register a citizen through the API and log them in; returns (payload, bearer headers)."""
    payload = citizen_payload(**overrides)
    response = client.post("/api/v1/citizens", json=payload)
    assert response.status_code == 201, response.text
    token = client.post("/api/v1/auth/token", data={"username": payload["id_number"], "password": payload["password"]})
    assert token.status_code == 200, token.text
    return payload, {"Authorization": f"Bearer {token.json()['access_token']}"}


def make_staff(
    env: Any,
    *,
    username: str,
    role: str,
    hall_code: str,
    department_code: str | None = None,
    window_code: str | None = None,
    name: str = "测试员",
) -> None:
    """A staff member of ``hall_code`` written to the database, with the demo password (log in with ``auth``)."""
    from sqlalchemy import select

    from smarthall.identity import service as identity_service
    from smarthall.org.models import Hall
    from tests.conftest import DEMO_PASSWORD

    with env.db.unit_of_work() as session:
        hall = session.execute(select(Hall).where(Hall.code == hall_code)).scalar_one()
        staff, _ = identity_service.upsert_staff(
            session,
            {
                "code": f"T-{username}",
                "username": username,
                "name": name,
                "role": role,
                "department_code": department_code,
                "window_code": window_code,
            },
            hall,
        )
        identity_service.set_password(staff, DEMO_PASSWORD)


# ------------------------------------------------------------------------------------ queueing and appointments


def staff_actor(session: Any, username: str) -> Any:
    """The ``Actor`` of a demo (or ``make_staff``) staff member, as a request would see them."""
    from sqlalchemy import select

    from smarthall.identity import service as identity_service
    from smarthall.identity.models import Staff

    return identity_service.staff_actor(session.execute(select(Staff).where(Staff.username == username)).scalar_one())


def make_ticket(
    session: Any,
    *,
    hall_code: str = "H-690102",
    item_code: str = "GA-001",
    status: str = "waiting",
    window_code: str | None = None,
    staff: Any = None,
    priority: bool = False,
    now: Any = None,
) -> Any:
    """A ticket written through the queue's repository (numbered like any other), moved on to ``status``:
    ``waiting``, ``called`` / ``finished`` / ``skipped`` (at ``window_code`` by ``staff``, who must be given)."""
    from smarthall.catalog import service as catalog_service
    from smarthall.core.clock import service_day
    from smarthall.core.tenancy import SYSTEM
    from smarthall.org import service as org_service
    from smarthall.queueing import facts
    from smarthall.queueing import repository as repo
    from tests.conftest import DEFAULT_NOW

    now = now or DEFAULT_NOW
    hall = org_service.hall_facts(session, hall_code)
    item = catalog_service.item_facts(session, item_code)
    values = {
        "hall_id": hall.id,
        "hall_code": hall.code,
        "queue_code": facts.prefixes(session)[item.department_code],
        "day": service_day(now),
        "item_code": item.code,
        "department_code": item.department_code,
        "status": "waiting",
        "priority": priority,
        "priority_reason": "pregnant" if priority else None,
        "source": "kiosk",
        "issued_by": "test",
        "issued_at": now,
        "queued_at": now,
        "recall_count": 0,
        "requeue_count": 0,
        "transfer_count": 0,
        "notified_ahead": False,
    }
    ticket = repo.insert_ticket(session, SYSTEM, values)
    if status == "waiting":
        return ticket
    assert window_code and staff is not None, "a called ticket needs its window and clerk"
    ticket = repo.claim(session, staff, ticket_id=ticket.id, window_code=window_code, streak=0, now=now)
    if status in ("finished", "skipped"):
        action = "queue.finish" if status == "finished" else "queue.skip"
        ticket = repo.move(
            session, staff, action, ticket, status=status, finished_at=now if status == "finished" else None
        )
    assert ticket is not None and ticket.status == status
    return ticket
