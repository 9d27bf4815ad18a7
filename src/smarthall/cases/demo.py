"""Demo data of the case domain, and the demo stand-ins for outside registers:

- data-sharing records and an e-licence wallet for the demo citizen 李明, so that SC-003 个体工商户注销登记 approves
  instantly for him end to end (and other applicants go to a human);
- ``DemoEntityRegistry``: the market-entity register (市场主体登记) that gives a newly registered entity (the catalog's
  ``result_licence.new_uscc``) a valid unified social credit code, derived from the case number. A deployment
  provides the real register's adapter instead (``cases.entity_registry``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_mod

from smarthall.cases.sharing import DemoSharing
from smarthall.identity import service as identity_service
from smarthall.licences import service as licence_service

DEMO_ID_NUMBER = "690102199003071232"
_BASE = "92690102MA1LM0001"
DEMO_USCC = _BASE + uscc_mod.calc_check_digit(_BASE)
DEMO_LICENCE_NUMBER = "YYZZ-690102-000001"
# The registration authority of the demo register (澜湖区市场监管局): digits 3–8 of the codes it gives.
DEMO_AUTHORITY = "690102"
DEMO_SHARE = {
    ("税务", "clearance_status"): "已清税",
    ("市场监管", "abnormal_listed"): "否",
    ("市场监管", "pending_case"): "否",
    ("公积金", "account_status"): "正常缴存",
    ("公积金", "consecutive_months"): "26",
    ("公积金", "loan_status"): "无",
    ("不动产", "has_house_in_city"): "无",
    ("医保", "insured_status"): "正常参保",
    ("公安", "face_verify"): "通过",
    ("人社", "card_status"): "已正式挂失",
    ("人社", "photo_status"): "合格",
    ("人社", "retirement_status"): "未退休",
}


class DemoEntityRegistry:
    """Gives a new entity a valid credit code: ``prefix`` + authority + the case's last nine digits + check."""

    def new_uscc(self, *, case_no: str, prefix: str, hall_code: str) -> str:
        digits = "".join(ch for ch in case_no if ch.isdigit())[-9:].rjust(9, "0")
        base = f"{prefix}{DEMO_AUTHORITY}{digits}"
        return base + uscc_mod.calc_check_digit(base)


def seed(session: Session) -> None:
    sharing = DemoSharing()
    for (department, field), value in DEMO_SHARE.items():
        sharing.put(session, department=department, field=field, subject=DEMO_ID_NUMBER, value=value)
    citizen = identity_service.find_citizen_by_id_number(session, DEMO_ID_NUMBER)
    if citizen is None:
        return
    if not licence_service.number_taken(session, DEMO_LICENCE_NUMBER):
        licence_service.add_licence(
            session,
            citizen_id=citizen.id,
            type_="营业执照",
            number=DEMO_LICENCE_NUMBER,
            fields={
                "uscc": DEMO_USCC,
                "name": "澜湖区李明小吃店",
                "operator": "李明",
                "legal_rep": "李明",
                "address": "江安省云澜市澜湖区湖滨街道柳岸路8号",
                "type": "个体工商户",
            },
            issued_on=date(2021, 5, 10),
            valid_until=None,
        )
    session.flush()
