"""A hall's own settings of an item: set, cleared, refused, versioned and audited through the API, and the effective
values wherever the item is shown or used for that hall (``catalog.service.effective_item``, the item API, the
windows that call its tickets)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smarthall.audit.models import AuditEvent
from smarthall.catalog import service as catalog_service
from smarthall.org import service as org_service
from tests.conftest import auth
from tests.factories import assert_problem, make_item_override, make_staff

HALL = "H-690102"
STATION = "H-690102001"
ITEM = "GA-006"  # 普通护照签发: legal 15, promised 7 working days; counters city and county
URL = f"/api/v1/halls/{HALL}/items/{ITEM}/override"


def _put(client: Any, headers: dict[str, str], url: str = URL, **body: Any) -> Any:
    return client.put(url, json=body, headers=headers)


def _effective(env: Any, hall_code: str = HALL, item_code: str = ITEM) -> catalog_service.EffectiveItem:
    with env.db.session(write=False) as session:
        return catalog_service.effective_item(session, org_service.hall_facts(session, hall_code), item_code)


class TestEffectiveItem:
    def test_without_settings_the_catalogs_values_apply(self, env):
        item = _effective(env)
        assert (item.handled, item.inherited, item.promised_limit_workdays, item.legal_limit_workdays) == (
            True,
            True,
            7,
            15,
        )
        assert item.fee_note == "普通护照每本120元。" and item.overridden == frozenset()
        assert item.override_version is None
        # Comprehensive windows, the passport window, and the priority window that lists every item.
        assert item.window_codes == tuple(f"{HALL}-W{n:02d}" for n in (1, 2, 3, 6, 12))

    def test_the_halls_values_replace_the_catalogs(self, env):
        with env.db.unit_of_work() as session:
            make_item_override(
                session, hall_code=HALL, item_code=ITEM, promised_limit_workdays=5, fee_note="每本120元,可刷卡"
            )
        item = _effective(env)
        assert (item.promised_limit_workdays, item.fee_note, item.override_version) == (5, "每本120元,可刷卡", 1)
        assert item.overridden == {"promised_limit_workdays", "fee_note"}
        assert _effective(env, "H-690100").promised_limit_workdays == 7  # another hall keeps the catalog's

    def test_a_later_lower_legal_limit_wins_over_the_halls_promise(self, env):
        import json

        from smarthall.catalog import importer
        from smarthall.demo import demo_catalog_text

        with env.db.unit_of_work() as session:
            make_item_override(session, hall_code=HALL, item_code=ITEM, promised_limit_workdays=12)
        data = json.loads(demo_catalog_text())
        entry = next(i for i in data["items"] if i["code"] == ITEM)
        entry["legal_limit_workdays"], entry["promised_limit_workdays"] = 10, 7
        with env.db.unit_of_work() as session:
            importer.import_catalog(session, json.dumps(data, ensure_ascii=False))
        assert _effective(env).promised_limit_workdays == 10

    def test_a_switched_off_item_is_not_handled_and_leaves_the_halls_list(self, env, client):
        with env.db.unit_of_work() as session:
            make_item_override(session, hall_code=HALL, item_code=ITEM, enabled=False)
        assert _effective(env).handled is False
        listed = client.get("/api/v1/items", params={"hall_code": HALL, "limit": 500}).json()
        assert ITEM not in {i["code"] for i in listed["items"]} and listed["total"] == 44
        detail = client.get(f"/api/v1/items/{ITEM}", params={"hall_code": HALL}).json()
        assert detail["handled_here"] is False and detail["hall_overridden"] == ["enabled"]

    def test_a_township_station_may_switch_on_an_item_of_the_county(self, env, client):
        assert _effective(env, STATION).handled is False  # counters city and county only
        with env.db.unit_of_work() as session:
            make_item_override(session, hall_code=STATION, item_code=ITEM, enabled=True)
        assert _effective(env, STATION).handled is True
        listed = client.get("/api/v1/items", params={"hall_code": STATION, "q": "护照"}).json()
        assert [i["code"] for i in listed["items"]] == [ITEM]

    def test_named_windows_are_the_ones_that_call_the_items_tickets(self, env):
        passport, priority = f"{HALL}-W06", f"{HALL}-W12"
        with env.db.unit_of_work() as session:
            make_item_override(session, hall_code=HALL, item_code=ITEM, window_codes=[priority, passport])
        assert _effective(env).window_codes == (passport, priority)
        with env.db.session(write=False) as session:
            windows = {w.code: w for w in org_service.hall_windows(session, org_service.hall_facts(session, HALL).id)}
        comprehensive = windows[f"{HALL}-W01"]
        assert not comprehensive.serves(ITEM) and comprehensive.serves("GA-007") and comprehensive.serves("SC-001")
        assert windows[passport].serves(ITEM) and windows[priority].serves(ITEM)
        assert not windows[f"{HALL}-W05"].serves(ITEM)  # the ID-card window never did


class TestSetOverride:
    def test_a_hall_manager_sets_the_halls_values_versioned_and_audited(self, env, client):
        manager = auth(client, "hallmanager1")
        r = _put(client, manager, promised_limit_workdays=5, fee_note="护照每本120元", note="本地承诺提速")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["version"] == 1 and body["override"]["promised_limit_workdays"] == 5
        assert body["inherited"]["promised_limit_workdays"] == 7 and body["effective"]["promised_limit_workdays"] == 5
        assert body["effective"]["fee_note"] == "护照每本120元" and body["changed_by"] == "staff:hallmanager1"
        again = _put(client, manager, promised_limit_workdays=4, version=1)
        assert again.json()["version"] == 2 and again.json()["override"]["fee_note"] is None  # a null field inherits
        assert again.json()["effective"]["fee_note"] == "普通护照每本120元。"
        history = client.get(URL + "/history", headers=manager).json()
        assert [(h["version"], h["action"]) for h in history] == [(2, "set"), (1, "set")]
        assert history[1]["values"]["promised_limit_workdays"] == 5 and history[1]["note"] == "本地承诺提速"
        with env.db.session(write=False) as session:
            audited = session.execute(
                select(AuditEvent.hall_code).where(AuditEvent.action == "catalog.override.set")
            ).scalars()
            assert list(audited) == [HALL, HALL]

    def test_the_read_shows_what_is_inherited_and_what_takes_effect(self, client):
        body = client.get(URL, headers=auth(client, "clerk1")).json()
        assert body["override"] is None and body["version"] == 0
        assert body["inherited"] == body["effective"]
        assert body["effective"]["window_codes"][0] == f"{HALL}-W01"

    def test_a_promise_above_the_legal_limit_is_refused_and_nothing_written(self, client):
        admin = auth(client, "admin1")
        body = assert_problem(_put(client, admin, promised_limit_workdays=16), 422, "override_invalid")
        assert body["detail"][0]["code"] == "above_legal_limit" and body["detail"][0]["legal_limit_workdays"] == 15
        assert client.get(URL, headers=admin).json()["version"] == 0

    def test_every_fault_is_named(self, client):
        admin = auth(client, "admin1")
        body = assert_problem(
            _put(client, admin, enabled=False, window_codes=["H-690123-W01", f"{HALL}-W06"]), 422, "override_invalid"
        )
        faults = {d["code"]: d for d in body["detail"]}
        assert set(faults) == {"window_not_in_hall", "switched_off_with_windows"}
        assert faults["window_not_in_hall"]["windows"] == ["H-690123-W01"]
        assert_problem(_put(client, admin), 422, "override_invalid")  # nothing set at all
        assert_problem(_put(client, admin, window_codes=[]), 422, "validation_error")
        assert_problem(_put(client, admin, promised_limit_workdays=-1), 422, "validation_error")
        assert_problem(_put(client, admin, enabled=True, colour="red"), 422, "validation_error")

    def test_an_edit_of_an_older_version_is_refused(self, client):
        manager = auth(client, "hallmanager1")
        assert _put(client, manager, promised_limit_workdays=5, version=0).status_code == 200
        body = assert_problem(
            _put(client, manager, promised_limit_workdays=6, version=0), 409, "override_version_conflict"
        )
        assert body["detail"]["current_version"] == 1
        assert client.get(URL, headers=manager).json()["override"]["promised_limit_workdays"] == 5

    def test_only_who_manages_the_hall_may_set_it(self, env, client):
        make_staff(env, username="othermanager", role="hall_manager", hall_code="H-690123")
        assert_problem(_put(client, auth(client, "othermanager"), enabled=False), 403, "out_of_scope")
        assert_problem(client.get(URL, headers=auth(client, "othermanager")), 403, "out_of_scope")
        for user in ("clerk1", "auditor1", "guide1"):
            assert_problem(_put(client, auth(client, user), enabled=False), 403, "forbidden_role")
        assert_problem(client.put(URL, json={"enabled": False}), 401, "unauthorized")
        # A county manager supervises its township stations.
        station = f"/api/v1/halls/{STATION}/items/SC-002/override"
        assert _put(client, auth(client, "hallmanager1"), station, fee_note="免费").status_code == 200

    def test_unknown_halls_and_items_are_not_found(self, client):
        admin = auth(client, "admin1")
        assert_problem(
            _put(client, admin, f"/api/v1/halls/H-NOPE/items/{ITEM}/override", enabled=False), 404, "hall_not_found"
        )
        assert_problem(
            _put(client, admin, f"/api/v1/halls/{HALL}/items/NO-999/override", enabled=False), 404, "item_not_found"
        )


class TestClearOverride:
    def test_clearing_inherits_again_and_continues_the_versions(self, client):
        manager = auth(client, "hallmanager1")
        _put(client, manager, promised_limit_workdays=3)
        assert client.delete(URL, params={"version": 1}, headers=manager).status_code == 204
        body = client.get(URL, headers=manager).json()
        assert body["override"] is None and body["effective"]["promised_limit_workdays"] == 7
        assert _put(client, manager, fee_note="x", version=0).json()["version"] == 3
        history = client.get(URL + "/history", headers=manager).json()
        assert [h["action"] for h in history] == ["set", "clear", "set"]

    def test_clearing_what_is_not_there_or_an_older_version_is_refused(self, client):
        manager = auth(client, "hallmanager1")
        assert_problem(client.delete(URL, headers=manager), 404, "override_not_found")
        _put(client, manager, fee_note="x")
        assert_problem(client.delete(URL, params={"version": 7}, headers=manager), 409, "override_version_conflict")
        assert_problem(client.delete(URL, headers=auth(client, "clerk1")), 403, "forbidden_role")


class TestShownForTheHall:
    def test_the_item_list_and_detail_carry_the_halls_values(self, env, client):
        with env.db.unit_of_work() as session:
            make_item_override(
                session, hall_code=HALL, item_code=ITEM, promised_limit_workdays=2, window_codes=[f"{HALL}-W06"]
            )
        listed = client.get("/api/v1/items", params={"hall_code": HALL, "q": "护照"}).json()["items"][0]
        assert listed["promised_limit_workdays"] == 2 and listed["hall_overridden"] == [
            "promised_limit_workdays",
            "window_codes",
        ]
        plain = client.get("/api/v1/items", params={"q": "护照"}).json()["items"][0]
        assert plain["promised_limit_workdays"] == 7 and plain["hall_overridden"] == []
        detail = client.get(f"/api/v1/items/{ITEM}", params={"hall_code": HALL}).json()
        assert detail["windows"] == [f"{HALL}-W06"] and detail["promised_limit_workdays"] == 2
        assert detail["handled_here"] is True and detail["hall_code"] == HALL

    def test_the_cached_values_follow_a_change_at_once(self, env, client):
        assert _effective(env).promised_limit_workdays == 7  # now cached
        assert client.get(f"/api/v1/items/{ITEM}", params={"hall_code": HALL}).json()["promised_limit_workdays"] == 7
        _put(client, auth(client, "admin1"), promised_limit_workdays=1)
        assert _effective(env).promised_limit_workdays == 1
        assert client.get(f"/api/v1/items/{ITEM}", params={"hall_code": HALL}).json()["promised_limit_workdays"] == 1
