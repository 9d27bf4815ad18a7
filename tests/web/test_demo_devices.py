"""The demo's devices stand where their kind belongs in the demo hall (fresh demo walk, journeys16): the devices
page listed the wall board 等候区大屏 in 档案室 (the archive room) and the locker in 取号等候区, because the demo
used fixed zone codes while H-690102 numbers its zones differently from H-690100."""

from __future__ import annotations

from tests.conftest import auth

HALL = "H-690102"


def test_the_demo_devices_stand_in_the_zones_their_kind_belongs_to(client):
    page = client.get("/venue/devices", headers=auth(client, "hallmanager1")).text
    rows = {
        code: page[page.index(code) : page.index("</tr>", page.index(code))]
        for code in (
            f"{HALL}-DISPLAY-01",
            f"{HALL}-KIOSK-01",
            f"{HALL}-LOCKER-01",
            f"{HALL}-FORM-01",
            f"{HALL}-PAD-W01",
        )
    }
    assert "取号等候区" in rows[f"{HALL}-DISPLAY-01"] and "档案室" not in rows[f"{HALL}-DISPLAY-01"]
    assert "咨询导办区" in rows[f"{HALL}-KIOSK-01"]
    assert "出件区" in rows[f"{HALL}-LOCKER-01"]
    assert "填表申报区" in rows[f"{HALL}-FORM-01"]
    assert "综合窗口服务区" in rows[f"{HALL}-PAD-W01"]
