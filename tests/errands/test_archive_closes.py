"""The archive closes the errand (issue 15 item 7): a case's package is built when its last act is done — the
pickup at the window, not the approval — and holds the errand's whole thread (booking/ticket/case steps)."""

from __future__ import annotations

import json

from smarthall.core.crypto import read_plain
from tests.cases.helpers import act, li_ming, submit_sc001
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID


def test_the_package_waits_for_the_pickup_and_holds_the_thread(env, client):
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    clerk, approver, manager = auth(client, "clerk1"), auth(client, "approver1"), auth(client, "hallmanager1")
    assert act(client, clerk, case_no, "accept").status_code == 200
    assert act(client, approver, case_no, "approve").status_code == 200
    assert client.get(f"/api/v1/archives/{case_no}", headers=manager).status_code == 404  # decided, not yet closed
    code = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    assert client.get(f"/api/v1/errands/{code}", headers=citizen).json()["status"] == "open"

    picked = act(client, clerk, case_no, "deliver", delivery={"mode": "window", "pickup_id_number": DEMO_CITIZEN_ID})
    assert picked.status_code == 200, picked.text
    package = client.get(f"/api/v1/archives/{case_no}", headers=manager)
    assert package.status_code == 200, package.text
    assert package.json()["status"] == "complete"
    # (the test's uploads are minimal PDFs the usability check rejects; the thread record itself passes)
    assert not [f for f in package.json()["last_check"]["findings"] if "errand" in f["file"]]
    assert "data/record/errand.json" in [f["name"] for f in package.json()["files"]]
    thread = json.loads(read_plain(env.settings.data_dir / "archive" / case_no / "data/record/errand.json"))  # sealed
    assert thread["errand_code"] == code
    assert [s["step"] for s in thread["steps"]][:1] == ["case"] and "delivery" in [s["step"] for s in thread["steps"]]
    assert DEMO_CITIZEN_ID not in json.dumps(thread, ensure_ascii=False) and "李明" not in json.dumps(thread)
    assert client.get(f"/api/v1/errands/{code}", headers=citizen).json()["status"] == "archived"
