"""The hall tree API (public reads) and the pure rule that decides which items a window serves in its hall."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from smarthall.org.service import serving_items


class TestTrees:
    def test_region_tree(self, client):
        tree = client.get("/api/v1/regions").json()
        assert len(tree) == 1 and tree[0]["level"] == "province"
        cities = tree[0]["children"]
        assert {c["level"] for c in cities} == {"city"}
        townships = [t for c in cities for county in c["children"] for t in county["children"]]
        assert townships and {t["level"] for t in townships} == {"township"}

    def test_hall_tree_nests_stations_under_county_centres(self, client):
        tree = client.get("/api/v1/halls").json()
        assert {h["level"] for h in tree} == {"city"}
        county = next(c for city in tree for c in city["children"] if c["code"] == "H-690102")
        assert {t["code"] for t in county["children"]} == {"H-690102001", "H-690102002"}


class TestHallDetail:
    def test_hall_detail(self, client):
        hall = client.get("/api/v1/halls/H-690102").json()
        assert hall["level"] == "county" and hall["parent_hall_code"] == "H-690100"
        assert len(hall["windows"]) == 12 and hall["windows"][0]["number"] == 1
        assert any(z["type"] == "consult_guide" for z in hall["zones"])
        assert hall["opening_hours"]["timezone"] == "Asia/Shanghai"
        assert hall["item_count"] > 0


ITEMS = st.sampled_from(["A", "B", "C", "D", "E"])
WINDOWS = st.sampled_from(["W1", "W2", "W3"])


class TestServingItems:
    @given(
        own=st.one_of(st.none(), st.frozensets(ITEMS)),
        window=WINDOWS,
        assignments=st.dictionaries(ITEMS, st.frozensets(WINDOWS, min_size=1)),
        hall_items=st.frozensets(ITEMS),
    )
    def test_a_window_serves_an_item_by_the_halls_assignment_else_by_its_own_list(
        self, own, window, assignments, hall_items
    ):
        served = serving_items(own, window, assignments, lambda: hall_items)
        for item in hall_items:
            expected = window in assignments[item] if item in assignments else (own is None or item in own)
            assert (served is None or item in served) == expected, (item, own, assignments, served)

    def test_no_assignment_keeps_a_comprehensive_window_comprehensive(self):
        assert serving_items(None, "W1", {}, lambda: frozenset({"A"})) is None
        assert serving_items(None, "W1", {"Z": frozenset({"W2"})}, lambda: frozenset({"A"})) is None
        assert serving_items(None, "W1", {"A": frozenset({"W2"})}, lambda: frozenset({"A", "B"})) == {"B"}
