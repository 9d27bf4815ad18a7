"""A stand-in for the queueing, cases and assist domains (not merged into this branch): ``TestServices`` keeps the
services finished in a test and resolves them for the evaluation domain as tickets, cases and help requests.
The resolvers are registered for one test; the previous ones (the real domains, once merged) are restored after.
Citizens, devices and halls are real rows of the seeded demo province."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from smarthall.core import subjects
from smarthall.core.crypto import blind_index
from smarthall.core.events import emit
from smarthall.core.subjects import ServedSubject
from smarthall.identity import service as identity_service
from smarthall.identity.models import Citizen, Staff
from smarthall.org.models import Hall
from tests.factories import DEMO_CITIZEN_ID

PAD_KEY = "test-window-pad-w01"
PAD2_KEY = "test-window-pad-w02"
KIOSK_KEY = "demo-kiosk-key"
WINDOW = "H-690102-W01"


class TestServices:
    __test__ = False

    def __init__(self, env: Any) -> None:
        self.env = env
        self.subjects: dict[tuple[str, str], ServedSubject] = {}
        with env.db.unit_of_work() as session:
            hall = session.execute(select(Hall).where(Hall.code == "H-690102")).scalar_one()
            self.hall_id = hall.id
            self.demo_citizen_id = session.execute(
                select(Citizen.id).where(Citizen.id_number_index == blind_index(DEMO_CITIZEN_ID, "id_number"))
            ).scalar_one()
            self.clerk_id = session.execute(select(Staff.id).where(Staff.username == "clerk1")).scalar_one()
            identity_service.ensure_device(
                session,
                code="T-PAD-W01",
                kind="window_pad",
                name="W01评价器",
                hall=hall,
                key=PAD_KEY,
                window_code=WINDOW,
            )
            identity_service.ensure_device(
                session,
                code="T-PAD-W02",
                kind="window_pad",
                name="W02评价器",
                hall=hall,
                key=PAD2_KEY,
                window_code="H-690102-W02",
            )

    def resolve(self, kind: str) -> Any:
        return lambda session, ref: self.subjects.get((kind, ref))

    def add(
        self,
        kind: str,
        ref: str,
        *,
        citizen_id: int | None = -1,
        id_number: str | None = None,
        phone: str | None = None,
        window_code: str | None = WINDOW,
        finished_at: datetime | None | str = "now",
        channel: str = "onsite",
        hall_code: str = "H-690102",
        hall_id: int | None = None,
        item_code: str = "SC-001",
        department_code: str = "SC",
    ) -> ServedSubject:
        subject = ServedSubject(
            kind=kind,
            ref=ref,
            hall_id=hall_id or self.hall_id,
            hall_code=hall_code,
            finished_at=self.env.clock.now() if finished_at == "now" else finished_at,  # type: ignore[arg-type]
            citizen_id=self.demo_citizen_id if citizen_id == -1 else citizen_id,
            id_number_index=blind_index(id_number or DEMO_CITIZEN_ID, "id_number") if id_number != "" else None,
            phone=phone,
            window_code=window_code,
            staff_id=self.clerk_id,
            department_code=department_code,
            item_code=item_code,
            channel=channel,
        )
        self.subjects[(kind, ref)] = subject
        return subject

    def finish_ticket(self, ticket_id: int) -> None:
        """What queueing does when a ticket is finished: emit ``ticket.finished`` after its commit."""
        with self.env.db.unit_of_work() as session:
            emit(session, "ticket.finished", ticket_id=ticket_id, hall_code="H-690102")

    def later(self, **kwargs: float) -> None:
        self.env.clock.advance(**kwargs)


@pytest.fixture
def services(env: Any) -> Iterator[TestServices]:
    previous = dict(subjects._subject_resolvers)
    registry = TestServices(env)
    for kind in ("ticket", "case", "help_request"):
        subjects.register_subject_resolver(kind, registry.resolve(kind))
    yield registry
    subjects._subject_resolvers.clear()
    subjects._subject_resolvers.update(previous)


def citizen_headers(client: Any) -> dict[str, str]:
    from tests.conftest import auth

    return auth(client, DEMO_CITIZEN_ID)


PAD = {"X-Device-Key": PAD_KEY}
PAD2 = {"X-Device-Key": PAD2_KEY}
KIOSK = {"X-Device-Key": KIOSK_KEY}
ONE_HOUR = timedelta(hours=1)
