"""Issue 16 item 9: the guide desk's hand-off keeps its context — /guide → identify → item → 现场取号 opens the ticket
step with the item and the visitor, and one press issues the ticket in the visitor's name."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from smarthall.queueing.models import Ticket
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_refused_page
from tests.queueing.helpers import HALL


def test_the_guide_desk_hands_item_and_visitor_to_the_ticket_step(client: Any, env: Any) -> None:
    guide = auth(client, "guide1")
    page = client.post("/guide", headers=guide, data={"id_number": DEMO_CITIZEN_ID})
    assert page.status_code == 200 and 'data-testid="visitor"' in page.text
    citizen_id = re.search(r'name="citizen_id" value="(\d+)"', page.text)
    assert citizen_id
    go = client.post(
        "/ask/go",
        headers=guide,
        data={"route": "ticket", "item_code": "RS-001", "hall_code": HALL, "citizen_id": citizen_id.group(1),
              "source": "guide_desk"},
        follow_redirects=False,
    )  # fmt: skip
    assert go.status_code == 303
    target = go.headers["location"]
    assert target.startswith("/guide/ticket?") and "item_code=RS-001" in target and "citizen_id=" in target
    step = client.get(target, headers=guide)
    assert step.status_code == 200
    assert "社会保障卡申领" in step.text and "李*" in step.text and DEMO_CITIZEN_ID not in step.text
    slip = client.post(
        "/guide/ticket",
        headers=guide,
        data={"hall_code": HALL, "item_code": "RS-001", "citizen_id": citizen_id.group(1)},
    )
    assert slip.status_code == 200 and 'data-testid="ticket-number"' in slip.text
    with env.db.unit_of_work() as session:
        ticket = session.execute(select(Ticket).order_by(Ticket.id.desc())).scalars().first()
        assert ticket is not None and ticket.item_code == "RS-001" and ticket.status == "waiting"
        assert ticket.citizen_id == int(citizen_id.group(1))  # issued in the visitor's name, nothing retyped


def test_the_ticket_step_is_for_staff_of_the_hall(client: Any, env: Any) -> None:
    from tests.cases.helpers import add_staff

    add_staff(env, username="guide_far", role="guide", hall_code="H-690200")
    target = f"/guide/ticket?hall_code={HALL}&item_code=RS-001"
    assert_refused_page(client.get(target, headers=auth(client, "guide_far")), 403, "forbidden_role")
    assert_refused_page(client.get(target, headers=auth(client, DEMO_CITIZEN_ID)), 403, "forbidden_role")
    far = client.post(
        "/guide/ticket", headers=auth(client, "guide_far"), data={"hall_code": HALL, "item_code": "RS-001"}
    )
    assert_refused_page(far, 403, "forbidden_role")
    assert client.get(target, headers=auth(client, "guide1")).status_code == 200
