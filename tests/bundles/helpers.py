"""Builders for bundle tests: the newborn bundle (YJS-01) filled and submitted through the real API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.cases.helpers import HALL, PNG_BYTES, act, add_staff, upload
from tests.conftest import auth

NEWBORN = "YJS-01"
DEPARTMENTS = ("WJ", "GA", "YB", "RS")  # 卫健, 公安, 医保, 人社: one approver each


def id_number(body: str = "69010220261101001") -> str:
    """A valid 18-digit ID number (GB 11643 check digit) for a 17-digit body."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def approvers(env: Any) -> None:
    for dept in DEPARTMENTS:
        add_staff(env, username=f"approver_{dept.lower()}", role="approver", hall_code=HALL, department_code=dept)


def filler(field: dict[str, Any], today: date) -> Any:
    kind = field["type"]
    if kind == "select":
        return field["options"][0]
    if kind == "date":
        return (today - timedelta(days=10)).isoformat()
    if kind == "id_number":
        return id_number()
    if kind == "phone":
        return "13800138000"
    if kind == "number":
        return 1
    if kind == "address":
        return "江安省云澜市澜湖区锦江大道2号"
    if kind == "uscc":
        return "91690102MA00000001"
    return "李小明" if "name" in field["name"] else "测试"


def merged_form(client: Any, headers: dict[str, str], bundle: str = NEWBORN) -> dict[str, Any]:
    r = client.get(f"/api/v1/bundles/{bundle}/form", params={"hall_code": HALL}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def filled(client: Any, headers: dict[str, str], form: dict[str, Any], today: date) -> dict[str, Any]:
    """The merged form with every field filled (prefilled values kept) and the one set of materials."""
    values = {f["name"]: f["value"] if f["value"] is not None else filler(f, today) for f in form["fields"]}
    materials: dict[str, Any] = {}
    for m in form["materials"]:
        if m["held_licence_id"]:
            materials[m["key"]] = {"licence_id": m["held_licence_id"]}
        elif m["kind"] == "photo":
            materials[m["key"]] = {"file_id": upload(client, headers, PNG_BYTES, "p.png", "image/png")}
        else:
            materials[m["key"]] = {"file_id": upload(client, headers)}
    return {"bundle_code": form["bundle_code"], "hall_code": HALL, "form": values, "materials": materials}


def approve_part(client: Any, case_no: str, department: str) -> None:
    """The clerk accepts the part's case, then its own department's approver approves it."""
    r = act(client, auth(client, "clerk1"), case_no, "accept")
    assert r.status_code == 200, r.text
    r = act(client, auth(client, f"approver_{department.lower()}"), case_no, "approve")
    assert r.status_code == 200, r.text


def birth_certificate(env: Any) -> None:
    """The hospital's e-licence of the baby's birth (出生医学证明) in the parent's (李明's) wallet (the demo seeds it;
    this makes sure of it)."""
    from smarthall.identity import service as identity_service
    from smarthall.licences import service as licence_service
    from tests.factories import DEMO_CITIZEN_ID

    today = env.clock.now().date()
    with env.db.unit_of_work() as session:
        citizen_id = identity_service.citizen_id_by_id_number(session, DEMO_CITIZEN_ID)
        assert citizen_id is not None
        if licence_service.number_taken(session, "Q690102261100001"):
            return
        licence_service.add_licence(
            session,
            citizen_id=citizen_id,
            type_="出生医学证明",
            number="Q690102261100001",
            fields={"cert_no": "Q690102261100001", "birth_date": (today - timedelta(days=12)).isoformat()},
            issued_on=today - timedelta(days=11),
            valid_until=None,
        )
