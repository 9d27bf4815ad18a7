"""Demo data of the bundle domain: what the demo citizen 李明 needs to apply for each of the catalog's six demo
bundles end to end in a fresh demo hall (澜湖区政务服务中心), seeded through the domain services.

- e-licences in his wallet that the bundles' items read or ask for: his newborn's 出生医学证明 (the newborn
  bundle), his 户口簿 (household address), 社会保障卡 (bank account), 不动产权证书 (the second-hand house) and a
  残疾人证 (the disability bundle's allowances);
- data-sharing records that items prefill from (contribution years, the 民政 dibao status);
- one approver per department of the demo bundles' items that the catalog's staff list leaves without one
  (``approver_<dept>1``, demo password), so that every part of every bundle can be decided.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from smarthall.cases.sharing import DemoSharing
from smarthall.identity import service as identity_service
from smarthall.identity import staffing
from smarthall.licences import service as licence_service

DEMO_ID_NUMBER = "690102199003071232"
HALL = "H-690102"
BIRTH_CERT_NO = "Q690102261100001"
HOME = "江安省云澜市澜湖区湖滨街道柳岸路8号"
# Departments of the demo bundles' items with no approver among the catalog's staff of the demo hall.
APPROVERS = {
    "WJ": "卫小禾",
    "GA": "冯户安",
    "YB": "叶保康",
    "RS": "任社宁",
    "SW": "苏税文",
    "GJ": "龚积善",
    "BD": "白登远",
    "GY": "顾用和",
    "CL": "程助仁",
}
SHARE = {
    ("人社", "contribution_years"): "12",
    ("人社", "retirement_date"): "2026-12-01",
    ("医保", "local_contribution_years"): "12",
    ("民政", "dibao_status"): "否",
}


def wallet(today: date) -> list[dict[str, object]]:
    """The demo citizen's e-licences (``number`` unique; seeding twice adds nothing)."""
    return [
        {
            "type_": "出生医学证明",
            "number": BIRTH_CERT_NO,
            "fields": {
                "cert_no": BIRTH_CERT_NO,
                "birth_date": (today - timedelta(days=12)).isoformat(),
                "baby_name": "李小禾",
                "mother": "王芳",
                "father": "李明",
            },  # fmt: skip
            "issued_on": today - timedelta(days=11),
        },
        {
            "type_": "户口簿",
            "number": "HKB-690102-0008",
            "fields": {"address": HOME, "householder": "李明"},
            "issued_on": date(2015, 3, 2),
        },
        {
            "type_": "社会保障卡",
            "number": "SBK-690102-19900307",
            "fields": {"card_no": "SBK-690102-19900307", "bank_account": "6217001234567890123", "bank": "建设银行"},
            "issued_on": date(2018, 6, 1),
        },
        {
            "type_": "不动产权证书",
            "number": "江安(2019)云澜市不动产权第0012345号",
            "fields": {
                "cert_no": "江安(2019)云澜市不动产权第0012345号",
                "location": "江安省云澜市澜湖区锦江花园3栋502室",
                "area": "89.5",
            },
            "issued_on": date(2019, 8, 20),
        },
        {
            "type_": "残疾人证",
            "number": "CJR-690102-2024-0415",
            "fields": {"cert_no": "CJR-690102-2024-0415", "level": "二级", "category": "肢体残疾"},
            "issued_on": date(2024, 4, 15),
        },
    ]


def seed(session: Session, *, password_hash: str, today: date) -> None:
    sharing = DemoSharing()
    for (department, field), value in SHARE.items():
        sharing.put(session, department=department, field=field, subject=DEMO_ID_NUMBER, value=value)
    citizen = identity_service.find_citizen_by_id_number(session, DEMO_ID_NUMBER)
    if citizen is not None:
        for licence in wallet(today):
            if not licence_service.number_taken(session, str(licence["number"])):
                licence_service.add_licence(session, citizen_id=citizen.id, valid_until=None, **licence)  # type: ignore[arg-type]
    staffing.provision(
        session,
        [
            {
                "code": f"{HALL}-B{n:02d}",
                "username": f"approver_{dept.lower()}1",
                "name": name,
                "role": "approver",
                "hall_code": HALL,
                "window_code": None,
                "zone_code": None,
                "department_code": dept,
                "duty": "“一件事”部门审批(演示)",
            }
            for n, (dept, name) in enumerate(APPROVERS.items(), start=1)
        ],
        password_hash=password_hash,
    )
    session.flush()
