"""Builders for test data, as plain functions (no factory library)."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime
from typing import Any

from smarthall.core.clock import SHANGHAI
from smarthall.core.validators import id_check_char

_serial = itertools.count(1)
DEFAULT_NOW = datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)  # the frozen clock's start (tests/conftest.py)
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


def sms_code(client: Any, phone: str) -> str:
    """Ask ``POST /citizens/phone-codes`` for a registration code and read it from the SMS outbox, as the phone
    would receive it (the latest message to that number)."""
    response = client.post("/api/v1/citizens/phone-codes", json={"phone": phone})
    assert response.status_code == 202, response.text
    return last_sms_code(client.app.state.db, phone)


def last_sms_code(database: Any, phone: str) -> str:
    """The code in the latest registration SMS queued for ``phone``."""
    import re

    from sqlalchemy import select

    from smarthall.notify.models import Message

    with database.unit_of_work(write=False) as session:
        rows = session.execute(
            select(Message).where(Message.template == "identity.phone_code").order_by(Message.id.desc())
        ).scalars()
        message = next(m for m in rows if m.phone == phone)
        found = re.search(r"\d{6}", message.body_zh)
    assert found, message.body_zh
    return found.group(0)


def register_citizen(client: Any, **overrides: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Register a citizen through the API (asking for the SMS code first) and log them in; returns (payload, bearer
    headers)."""
    payload = citizen_payload(**overrides)
    if "phone_code" not in payload:
        payload["phone_code"] = sms_code(client, payload["phone"])
    response = client.post("/api/v1/citizens", json=payload)
    assert response.status_code == 201, response.text
    token = client.post("/api/v1/auth/token", data={"username": payload["id_number"], "password": payload["password"]})
    assert token.status_code == 200, token.text
    return payload, {"Authorization": f"Bearer {token.json()['access_token']}"}


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """``response`` is a problem+json refusal with ``status`` and ``code`` (and both messages); its body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["message_zh"] and body["message_en"], body
    return body


def assert_refused_page(response: Any, status: int, code: str) -> None:
    """``response`` is an HTML refusal page with ``status`` whose ``data-code`` is the problem ``code`` of the API."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert f'data-code="{code}"' in response.text, response.text[:2000]


def system() -> Any:
    """The system actor (migrations, jobs, the province's own settings in a demo tree without a province hall)."""
    from smarthall.core.tenancy import SYSTEM

    return SYSTEM


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
    from smarthall.identity import service as identity_service
    from smarthall.org import service as org_service
    from tests.conftest import DEMO_PASSWORD

    with env.db.unit_of_work() as session:
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
            org_service.hall_facts(session, hall_code),
        )
        identity_service.set_password(staff, DEMO_PASSWORD)


def staff_actor(session: Any, username: str) -> Any:
    """The ``Actor`` of a staff member, as a request would see it (for service-level tests)."""
    from sqlalchemy import select

    from smarthall.identity import service as identity_service
    from smarthall.identity.models import Staff

    staff = session.execute(select(Staff).where(Staff.username == username)).scalar_one()
    return identity_service.staff_actor(staff)


def citizen_actor(session: Any, id_number: str = DEMO_CITIZEN_ID) -> Any:
    """The ``Actor`` of a registered citizen (the demo citizen 李明 by default)."""
    from smarthall.identity import service as identity_service

    citizen = identity_service.find_citizen_by_id_number(session, id_number)
    assert citizen is not None, id_number
    return identity_service.citizen_actor(citizen)


_case_serial = itertools.count(1)


def make_case(
    session: Any,
    *,
    status: str = "submitted",
    item_code: str = "SC-001",
    hall_code: str = "H-690102",
    id_number: str = DEMO_CITIZEN_ID,
    submitted_at: Any = None,
    promised_due: date | None = None,
    legal_due: date | None = None,
    form: dict[str, Any] | None = None,
    findings: list[dict[str, Any]] | None = None,
    channel: str = "online",
    accepted_by: int | None = None,
) -> Any:
    """A case written straight to the database in ``status``, with its submission (and, past acceptance, the
    acceptance) on the timeline. Due dates default to the item's limits counted from the submission day."""
    from sqlalchemy import select

    from smarthall.cases import limits
    from smarthall.cases.models import Case, CaseEvent
    from smarthall.catalog import service as catalog_service
    from smarthall.core.clock import service_day
    from smarthall.identity import service as identity_service
    from smarthall.org.models import Hall
    from tests.conftest import DEFAULT_NOW

    at = submitted_at or DEFAULT_NOW
    hall = session.execute(select(Hall).where(Hall.code == hall_code)).scalar_one()
    item = catalog_service.get_item(session, item_code)
    citizen = identity_service.find_citizen_by_id_number(session, id_number)
    assert citizen is not None, id_number
    calendar = limits.calendar(session, hall.code)
    day = service_day(at)
    case = Case(
        case_no=f"{hall.code}-T{next(_case_serial):06d}",
        item_code=item.code,
        item_version=item.version,
        item_name=item.name,
        item_type=item.type,
        department_code=item.department_code,
        hall_id=hall.id,
        hall_code=hall.code,
        citizen_id=citizen.id,
        applicant_name=citizen.name,
        applicant_id_index=citizen.id_number_index,
        channel=channel,
        status=status,
        form_json=json.dumps(form or {}, ensure_ascii=False),
        materials=[],
        precheck={"passed": not findings, "findings": findings or []},
        evidence=None,
        missing=[],
        reviews={},
        step_plan=limits.plan_at_filing(session, item.code, item.version, hall.id),
        submitted_at=at,
        promised_due=promised_due or calendar.add_workdays(day, item.promised_limit_workdays),
        legal_due=legal_due or calendar.add_workdays(day, item.legal_limit_workdays),
        accepted_by=accepted_by,
        accepted_at=at if status != "submitted" else None,
    )
    session.add(case)
    session.flush()
    events = [("submit", None, "submitted")]
    if status not in ("submitted", "withdrawn", "refused", "supplement"):
        events.append(("accept", "submitted", "review"))
        if status != "review":
            events.append(("move", "review", status))
    elif status != "submitted":
        events.append(("move", "submitted", status))
    for action, source, target in events:
        session.add(
            CaseEvent(
                case_id=case.id,
                at=at,
                action=action,
                from_status=source,
                to_status=target,
                actor_kind="system",
                note="",
                detail={},
            )
        )
    session.flush()
    return case


def make_device(
    session: Any, *, code: str, hall_code: str, kind: str = "kiosk", name: str = "测试设备", key: str | None = None
) -> Any:
    """A device of ``hall_code`` (its key: ``key`` or ``<code>-key``)."""
    from smarthall.identity import service as identity_service
    from smarthall.org import service as org_service

    hall = org_service.hall_facts(session, hall_code)
    return identity_service.ensure_device(session, code=code, kind=kind, name=name, hall=hall, key=key or f"{code}-key")


def make_rule(
    session: Any, *, key: str, scope_code: str, value: Any, now: datetime = DEFAULT_NOW, actor: Any = None
) -> Any:
    """An override of rule ``key`` at a region or hall (set by the system unless ``actor`` is given)."""
    from smarthall.rules import service as rules_service

    return rules_service.set_rule(
        session, actor or system(), key=key, scope_code=scope_code, value=value, note="test", now=now
    )


def make_calendar_day(
    session: Any, *, scope_code: str, day: date, is_workday: bool, note: str = "", now: datetime = DEFAULT_NOW
) -> Any:
    """A holiday-calendar override of ``day`` at a region or hall (by the system)."""
    from smarthall.org import calendar

    return calendar.set_override(
        session, system(), scope_code=scope_code, day=day, is_workday=is_workday, note=note, now=now
    )


def make_item_override(
    session: Any,
    *,
    hall_code: str,
    item_code: str,
    enabled: bool | None = None,
    promised_limit_workdays: int | None = None,
    fee_note: str | None = None,
    window_codes: list[str] | None = None,
    now: datetime = DEFAULT_NOW,
    actor: Any = None,
) -> Any:
    """A hall's own settings of an item (by the system unless ``actor`` is given); the override's view."""
    from smarthall.catalog import overrides

    values = {
        "enabled": enabled,
        "promised_limit_workdays": promised_limit_workdays,
        "fee_note": fee_note,
        "window_codes": window_codes,
    }
    return overrides.set_override(
        session, actor or system(), hall_code=hall_code, item_code=item_code, values=values, note="test", now=now
    )


# ------------------------------------------------------------------------------------ queueing and appointments


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
