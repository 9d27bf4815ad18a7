"""Demo data for the case domain: data-sharing records and an e-licence wallet for the demo citizen 李明, so that
SC-003 个体工商户注销登记 approves instantly for him end to end (and other applicants go to a human)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_mod

from smarthall.cases import sharing
from smarthall.core.crypto import blind_index
from smarthall.identity.models import Citizen
from smarthall.licences import service as licence_service
from smarthall.licences.models import Licence

DEMO_ID_NUMBER = "690102199003071232"
_BASE = "92690102MA1LM0001"
DEMO_USCC = _BASE + uscc_mod.calc_check_digit(_BASE)
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


def seed(session: Session) -> None:
    for (department, field), value in DEMO_SHARE.items():
        sharing.put(session, department=department, field=field, subject=DEMO_ID_NUMBER, value=value)
    citizen = session.execute(
        select(Citizen).where(Citizen.id_number_index == blind_index(DEMO_ID_NUMBER, "id_number"))
    ).scalar_one_or_none()
    if citizen is None:
        return
    number = "YYZZ-690102-000001"
    if session.execute(select(Licence.id).where(Licence.number == number)).first() is None:
        licence_service.add_licence(
            session,
            citizen_id=citizen.id,
            type_="营业执照",
            number=number,
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
