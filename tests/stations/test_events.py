"""Handover webhooks (issue 18 items 2 and 7): each handover step — 移交, 结果回传, 窗口发放 — is an event a
department system subscribes to; a client of either hall of the handover gets it once, a client of a third hall
does not, and the payload carries no personal data. Against receivers on loopback, through the real HTTP API."""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any

from tests.cases.helpers import act
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, make_staff
from tests.stations.test_api import COUNTY, OTHER_REGION, STATION, THIRD, _file_at, _station_staff
from tests.webhooks.receivers import receiver

EVENTS = ["handover.transferred", "handover.result_sent", "handover.handed_out"]


def subscribe(client: Any, env: Any, hall_code: str, url: str) -> None:
    make_staff(env, username=f"admin_{hall_code}", role="admin", hall_code=hall_code)
    admin = auth(client, f"admin_{hall_code}")
    made = client.post(
        "/api/v1/api-clients", json={"name": f"部门系统{hall_code}", "hall_code": hall_code,
                                     "scopes": ["events.receive"]}, headers=admin,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    cid = made.json()["client"]["id"]
    sub = client.post(f"/api/v1/api-clients/{cid}/webhooks", json={"url": url, "events": EVENTS}, headers=admin)
    assert sub.status_code == 201, sub.text


def events_of(rec: Any) -> list[dict[str, Any]]:
    return [json.loads(got["body"]) for got in rec.got]


def test_each_handover_step_reaches_both_halls_clients_once_and_no_one_else(client: Any, env: Any) -> None:
    _station_staff(env)
    with ExitStack() as stack:
        at_station, at_county, at_third = (stack.enter_context(receiver("ok")) for _ in range(3))
        subscribe(client, env, STATION, at_station.url)
        subscribe(client, env, COUNTY, at_county.url)
        subscribe(client, env, THIRD, at_third.url)
        station_clerk, clerk = auth(client, "stclerk"), auth(client, "clerk1")
        case_no = _file_at(client, station_clerk, STATION)
        up = {"case_no": case_no, "kind": "station", "result_at": "receiver"}
        hid = client.post("/api/v1/handovers", headers=station_clerk, json=up).json()["id"]
        assert act(client, clerk, case_no, "accept").status_code == 200
        assert act(client, auth(client, "approver1"), case_no, "approve").status_code == 200
        assert client.post(f"/api/v1/handovers/{hid}/result", headers=clerk, json={}).status_code == 200
        out = client.post(f"/api/v1/handovers/{hid}/hand-out", headers=station_clerk,
                          json={"pickup_id_number": DEMO_CITIZEN_ID})  # fmt: skip
        assert out.status_code == 200, out.text
        for rec in (at_station, at_county):
            got = [e for e in events_of(rec) if e["event"].startswith("handover.")]
            assert [e["event"] for e in got] == EVENTS
            assert [e["data"]["status"] for e in got] == ["transferred", "result_sent", "handed_out"]
            first = got[0]
            assert first["hall_code"] == COUNTY and got[1]["hall_code"] == STATION  # whose move it is next
            assert (first["data"]["case_no"], first["data"]["kind"]) == (case_no, "station")
            assert (first["data"]["from_hall_code"], first["data"]["to_hall_code"]) == (STATION, COUNTY)
            raw = b"".join(r["body"] for r in rec.got).decode()
            assert DEMO_CITIZEN_ID not in raw and "李明" not in raw
        assert events_of(at_third) == []


def test_a_cross_region_handover_reaches_the_other_regions_client(client: Any, env: Any) -> None:
    with receiver("ok") as there:
        subscribe(client, env, OTHER_REGION, there.url)
        case_no = _file_at(client, auth(client, "clerk1"), COUNTY, item_code="SC-001")
        body = {"case_no": case_no, "kind": "cross_region", "to_hall_code": OTHER_REGION, "result_at": "post"}
        assert client.post("/api/v1/handovers", headers=auth(client, "clerk1"), json=body).status_code == 201
        got = events_of(there)
        assert [(e["event"], e["hall_code"], e["data"]["kind"]) for e in got] == [
            ("handover.transferred", OTHER_REGION, "cross_region")
        ]
