"""The catalog API: items as the province defines them and as a hall offers them, bundles and FAQ."""

from __future__ import annotations

import pytest


class TestItemList:
    """Listing items: inherited by hall level, searched, paged."""

    def test_items_are_inherited_by_hall_level(self, client):
        everything = client.get("/api/v1/items").json()
        assert everything["total"] == 45
        township = client.get("/api/v1/items", params={"hall_code": "H-690102001"}).json()
        county = client.get("/api/v1/items", params={"hall_code": "H-690102"}).json()
        assert 0 < township["total"] < county["total"] <= 45
        assert all("township" in item["counters"] for item in township["items"])
        assert all("county" in item["counters"] for item in county["items"])

    def test_search_by_keyword_name_and_department(self, client):
        by_keyword = client.get("/api/v1/items", params={"q": "个体户注销"}).json()
        assert [i["code"] for i in by_keyword["items"]] == ["SC-003"]
        by_dept = client.get("/api/v1/items", params={"department_code": "GA"}).json()
        assert by_dept["total"] > 0 and {i["department_code"] for i in by_dept["items"]} == {"GA"}
        assert by_dept["items"][0]["department_name"] == "公安局"
        assert client.get("/api/v1/items", params={"q": "不存在的事项xyz"}).json()["total"] == 0

    def test_pagination(self, client):
        first = client.get("/api/v1/items", params={"limit": 10}).json()
        second = client.get("/api/v1/items", params={"limit": 10, "offset": 10}).json()
        assert first["total"] == second["total"] == 45
        assert {i["code"] for i in first["items"]}.isdisjoint({i["code"] for i in second["items"]})


class TestItemDetail:
    """One item with its materials, fields, rules and windows."""

    def test_item_detail_with_materials_fields_rules_and_windows(self, client):
        item = client.get("/api/v1/items/SC-003", params={"hall_code": "H-690102"}).json()
        assert item["instant_approval_eligible"] is True
        assert [m["code"] for m in item["materials"]] == ["SC-003-M01", "SC-003-M02", "SC-003-M03"]
        assert any(f["prefill_from"] == "share.税务.clearance_status" for f in item["form_fields"])
        assert len(item["rules"]) == 3
        assert "H-690102-W01" in item["windows"]  # comprehensive windows serve every item
        assert item["version"] == 1


class TestBadInput:
    """Bad input is answered with problem+json naming the fault."""

    @pytest.mark.parametrize(
        ("url", "status", "code"),
        [
            ("/api/v1/items/NOPE-1", 404, "item_not_found"),
            ("/api/v1/items?hall_code=H-000", 404, "hall_not_found"),
            ("/api/v1/items?limit=0", 422, "validation_error"),
            ("/api/v1/items?limit=abc", 422, "validation_error"),
            ("/api/v1/items?q=" + "长" * 101, 422, "validation_error"),
            ("/api/v1/halls/H-NOPE", 404, "hall_not_found"),
        ],
    )
    def test_bad_input_is_problem_json(self, client, url, status, code):
        response = client.get(url)
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == code and body["message_zh"] and body["message_en"]


class TestBundlesAndFaq:
    """One-thing bundles and FAQ."""

    def test_bundles_and_faq(self, client):
        bundles = client.get("/api/v1/bundles").json()
        assert len(bundles) == 6 and bundles[0]["code"] == "YJS-01"
        faq = client.get("/api/v1/faq", params={"item_code": "SC-003"}).json()
        assert all(f["item_code"] == "SC-003" for f in faq)
        assert len(client.get("/api/v1/faq").json()) == 82
