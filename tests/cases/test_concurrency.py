"""Concurrent requests over real HTTP: case numbers stay unique; two approvers at once → one wins, one 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.cases.helpers import HALL, generic_form
from tests.factories import DEMO_CITIZEN_ID


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": "smarthall-demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _sc001_payload(base: str, headers: dict[str, str]) -> dict[str, Any]:
    fields = httpx.get(f"{base}/api/v1/items/SC-001/form", headers=headers).json()["fields"]
    form = {f["name"]: f["value"] for f in fields if f["value"] is not None}
    form.update(generic_form())
    return {"item_code": "SC-001", "hall_code": HALL, "form": form, "materials": []}


def test_case_numbers_are_unique_under_concurrent_submission(live_server: str) -> None:
    citizen = _token(live_server, DEMO_CITIZEN_ID)
    payload = _sc001_payload(live_server, citizen)

    def submit(_: int) -> httpx.Response:
        return httpx.post(f"{live_server}/api/v1/cases", headers=citizen, json=payload, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(submit, range(16)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    numbers = [r.json()["case_no"] for r in responses]
    assert len(set(numbers)) == 16
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 17))


def test_two_approvers_acting_at_once_one_wins_the_other_gets_409(live_server: str, env: Any) -> None:
    from tests.cases.helpers import add_staff

    add_staff(env, username="approver_sc2", role="approver", hall_code=HALL, department_code="SC")
    citizen = _token(live_server, DEMO_CITIZEN_ID)
    created = httpx.post(
        f"{live_server}/api/v1/cases", headers=citizen, json=_sc001_payload(live_server, citizen), timeout=120
    )
    case_no = created.json()["case_no"]
    clerk = _token(live_server, "clerk1")
    r = httpx.post(
        f"{live_server}/api/v1/cases/{case_no}/actions", headers=clerk, json={"action": "accept"}, timeout=120
    )
    assert r.status_code == 200, r.text
    a, b = _token(live_server, "approver1"), _token(live_server, "approver_sc2")
    jobs = [(a, {"action": "approve"}), (b, {"action": "reject", "note": "材料不实"})]

    def fire(job: tuple[dict[str, str], dict[str, Any]]) -> httpx.Response:
        return httpx.post(f"{live_server}/api/v1/cases/{case_no}/actions", headers=job[0], json=job[1], timeout=60)

    for _ in range(1):
        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(fire, jobs))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "case_state_conflict"
    final = httpx.get(f"{live_server}/api/v1/cases/{case_no}", headers=citizen).json()
    assert final["status"] in ("approved", "rejected")
    decisions = [e for e in final["timeline"] if e["action"] in ("approve", "reject")]
    assert len(decisions) == 1
