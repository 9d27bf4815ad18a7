from __future__ import annotations


def test_region_tree(client):
    tree = client.get("/api/v1/regions").json()
    assert len(tree) == 1 and tree[0]["level"] == "province"
    cities = tree[0]["children"]
    assert {c["level"] for c in cities} == {"city"}
    townships = [t for c in cities for county in c["children"] for t in county["children"]]
    assert townships and {t["level"] for t in townships} == {"township"}


def test_hall_tree_nests_stations_under_county_centres(client):
    tree = client.get("/api/v1/halls").json()
    assert {h["level"] for h in tree} == {"city"}
    county = next(c for city in tree for c in city["children"] if c["code"] == "H-690102")
    assert {t["code"] for t in county["children"]} == {"H-690102001", "H-690102002"}


def test_hall_detail(client):
    hall = client.get("/api/v1/halls/H-690102").json()
    assert hall["level"] == "county" and hall["parent_hall_code"] == "H-690100"
    assert len(hall["windows"]) == 12 and hall["windows"][0]["number"] == 1
    assert any(z["type"] == "consult_guide" for z in hall["zones"])
    assert hall["opening_hours"]["timezone"] == "Asia/Shanghai"
    assert hall["item_count"] > 0
