"""Staff and device lists: the hall scope and the paging are both applied in SQL, so a page is never short and
never holds a row of a hall out of one's sight."""

from __future__ import annotations

from tests.conftest import auth
from tests.factories import assert_problem, make_device, make_staff

HALL = "H-690102"  # 澜湖区 county hall; its township stations H-690102001/002 lie beneath it
OTHER_CITY = "H-690200"


def _staff(client, headers, **params):
    response = client.get("/api/v1/staff", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def _codes(response) -> list[str]:
    return [row["code"] for row in response.json()]


class TestStaffList:
    def test_pages_are_full_and_scoped_when_out_of_scope_rows_sort_first(self, env, client):
        # Staff of another city's hall whose codes sort before every demo code ("A-…" < "H-…"/"S-…").
        for n in range(4):
            make_staff(env, username=f"aaother{n}", role="clerk", hall_code=OTHER_CITY)
        make_staff(env, username="stationclerk", role="clerk", hall_code="H-690102001")
        manager = auth(client, "hallmanager1")
        whole = _staff(client, manager, limit=500)
        total = int(whole.headers["X-Total-Count"])
        assert total == len(whole.json()) and "T-stationclerk" in _codes(whole)
        assert not any(code.startswith("T-aaother") for code in _codes(whole))
        pages = [_staff(client, manager, limit=3, offset=offset) for offset in range(0, total, 3)]
        assert all(len(p.json()) == 3 for p in pages[:-1]) and pages[-1].json()
        assert all(int(p.headers["X-Total-Count"]) == total for p in pages)
        assert [code for p in pages for code in _codes(p)] == _codes(whole)  # by code, no gaps, no repeats

    def test_a_front_line_role_may_not_list_staff(self, client):
        assert_problem(client.get("/api/v1/staff", headers=auth(client, "clerk1")), 403, "forbidden_role")

    def test_bad_paging_is_refused(self, client):
        manager = auth(client, "hallmanager1")
        for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
            assert_problem(client.get("/api/v1/staff", params=params, headers=manager), 422, "validation_error")


class TestDeviceList:
    def test_the_halls_devices_only(self, env, client):
        with env.db.unit_of_work() as session:
            make_device(session, code="A-OTHER-KIOSK", hall_code=OTHER_CITY)
            make_device(session, code="H-690102001-KIOSK", hall_code="H-690102001", kind="display")
        manager = auth(client, "hallmanager1")
        response = client.get("/api/v1/devices", headers=manager)
        assert response.status_code == 200
        rows = {d["code"]: d for d in response.json()}
        demo = {f"H-690102-{d}" for d in ("DISPLAY-01", "KIOSK-01", "PAD-W01", "LOCKER-01", "FORM-01")}
        assert set(rows) == demo | {"H-690102001-KIOSK"}
        assert response.headers["X-Total-Count"] == "6"
        assert rows["H-690102-PAD-W01"]["window_code"] == "H-690102-W01" and "key" not in str(rows)
        first = client.get("/api/v1/devices", params={"limit": 2, "offset": 2}, headers=manager)
        assert [d["code"] for d in first.json()] == sorted(rows)[2:4]

    def test_the_other_citys_manager_sees_only_its_own(self, env, client):
        make_staff(env, username="citymanager", role="hall_manager", hall_code=OTHER_CITY)
        response = client.get("/api/v1/devices", headers=auth(client, "citymanager"))
        assert response.status_code == 200 and response.json() == []
        assert response.headers["X-Total-Count"] == "0"

    def test_roles_without_device_read_are_refused(self, client):
        for user in ("clerk1", "auditor1", "guide1"):
            assert_problem(client.get("/api/v1/devices", headers=auth(client, user)), 403, "forbidden_role")
        kiosk = {"X-Device-Key": "demo-kiosk-key"}
        assert_problem(client.get("/api/v1/devices", headers=kiosk), 403, "forbidden_role")


class TestPages:
    def test_staff_and_device_pages_show_the_scoped_lists(self, client):
        client.post("/login", data={"username": "hallmanager1", "password": "smarthall-demo"}, follow_redirects=False)
        staff = client.get("/admin/staff")
        assert staff.status_code == 200 and "clerk1" in staff.text and "周敏华" not in staff.text
        devices = client.get("/admin/devices")
        assert devices.status_code == 200 and "取号机" in devices.text and "H-690102-PAD-W01" in devices.text
        home = client.get("/")
        assert "/admin/devices" in home.text and "/admin/rules" in home.text

    def test_the_device_page_is_refused_to_a_clerk(self, client):
        client.post("/login", data={"username": "clerk1", "password": "smarthall-demo"}, follow_redirects=False)
        page = client.get("/admin/devices")
        assert page.status_code == 403 and "您的角色无权访问此页面" in page.text
