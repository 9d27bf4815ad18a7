"""Issue 16: the catalog's English names. A catalog file may give ``name_en`` beside the Chinese name of a hall, zone,
department, window, item, material and bundle; the import stores it, the API carries it, and every page read in
English shows it in place of the Chinese name (a name without one stays Chinese). A file without English names —
every file before format revision 1.4 — still imports, and bumps no item version for lack of them."""

from __future__ import annotations

import json
from typing import Any

from smarthall.catalog import importer
from smarthall.catalog.filemodel import ItemIn
from smarthall.demo import demo_catalog_text as catalog_text
from tests.cases.helpers import li_ming
from tests.catalog.test_import import ENGLISH_TEXTS
from tests.queueing.helpers import DISPLAY, KIOSK

HALL = "H-690102"


def _without_english(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the English names of revision 1.4 (a workflow step's ``name_en`` is of 1.3, required)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            dropped = ("name_en", "label_en", *ENGLISH_TEXTS)  # and the English texts of 1.5
            return {k: v if k == "workflow" else strip(v) for k, v in node.items() if k not in dropped}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(data)  # type: ignore[no-any-return]


def test_the_api_carries_the_english_names(client: Any) -> None:
    item = client.get("/api/v1/items/GA-001").json()
    assert item["name"] == "居民身份证换领" and item["name_en"] == "Renewal of Resident Identity Card"
    assert {m["name"]: m["name_en"] for m in item["materials"]}["原居民身份证"] == "Current Resident Identity Card"
    assert {f["name"]: f["label_en"] for f in item["form_fields"]}["reason"] == "Reason for renewal"
    hall = client.get(f"/api/v1/halls/{HALL}").json()
    assert hall["name_en"] == "Lanhu District Government Service Center"
    assert all(z["name_en"] for z in hall["zones"]) and all(w["name_en"] for w in hall["windows"])
    bundles = {b["code"]: b["name_en"] for b in client.get("/api/v1/bundles").json()}
    assert bundles["YJS-01"] == "Birth of a Child: One-Stop Service"
    found = client.get("/api/v1/items", params={"q": "passport"}).json()  # an English search finds the item
    assert [i["code"] for i in found["items"]] == ["GA-006"]


def test_pages_read_in_english_show_the_english_names_and_in_chinese_the_chinese(client: Any) -> None:
    citizen = li_ming(client)
    form_en = client.get(f"/cases/new?item_code=GA-001&hall_code={HALL}&lang=en", headers=citizen).text
    assert "Renewal of Resident Identity Card" in form_en and "Current Resident Identity Card" in form_en
    assert "Reason for renewal" in form_en and "换领原因" not in form_en  # a form field's label
    assert "居民身份证换领" not in form_en and "原居民身份证" not in form_en
    form_zh = client.get(f"/cases/new?item_code=GA-001&hall_code={HALL}&lang=zh", headers=citizen).text
    assert "居民身份证换领" in form_zh and "Renewal of Resident Identity Card" not in form_zh

    portal = client.get(f"/?hall_code={HALL}&lang=en", headers=citizen).text
    assert "Public Security Bureau" in portal and "公安局" not in portal

    guidance = client.get(f"/ask/item/SC-002?hall_code={HALL}&lang=en").text
    assert "Individual Business Establishment Registration" in guidance and "个体工商户设立登记" not in guidance

    kiosk = client.get(f"/kiosk/{HALL}?lang=en", headers=KIOSK).text
    assert "Replacement of a Lost Resident Identity Card" in kiosk and "居民身份证补领" not in kiosk

    # a name inside a sentence of the i18n catalog (override.title: the hall's settings of an item)
    client.post("/login", data={"username": "hallmanager1", "password": "smarthall-demo"})
    override = client.get(f"/admin/catalog/halls/{HALL}/items/GA-001/override?lang=en").text
    assert "Renewal of Resident Identity Card" in override and "Lanhu District Government Service Center" in override
    assert "居民身份证换领" not in override
    client.cookies.clear()

    board = client.get(f"/board/{HALL}?lang=en", headers=DISPLAY)
    assert board.status_code == 200 and "Lanhu District Government Service Center" in board.text
    ticket = client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}, headers=KIOSK)
    assert ticket.status_code == 201, ticket.text
    queues = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()["queues"]
    assert {(q["department_name"], q["department_name_en"]) for q in queues} == {("公安局", "Public Security Bureau")}


def test_an_older_file_without_english_names_still_imports_and_shows_chinese(env: Any, client: Any) -> None:
    data = _without_english(json.loads(catalog_text()))
    assert not any("name_en" in i or any("name_en" in m for m in i["materials"]) for i in data["items"])
    text = json.dumps(data, ensure_ascii=False)
    with env.db.unit_of_work() as session:
        importer.import_catalog(session, text)
    with env.db.unit_of_work() as session:
        again = importer.import_catalog(session, text)
    assert not again.changed, again.as_dict()  # idempotent
    item = client.get("/api/v1/items/GA-001").json()
    assert item["name_en"] is None and all(m["name_en"] is None for m in item["materials"])
    assert all(f["label_en"] is None for f in item["form_fields"])
    page = client.get(f"/cases/new?item_code=GA-001&hall_code={HALL}&lang=en", headers=li_ming(client)).text
    assert "居民身份证换领" in page and "原居民身份证" in page  # no English name: the Chinese one


def test_an_item_without_english_names_keeps_the_hash_it_had_before_the_format_had_them() -> None:
    """A database filled from an older file keeps its item versions: the hash of an item without English names is
    the hash the importer computed before ``name_en`` existed (no key at all)."""
    raw = _without_english(next(i for i in json.loads(catalog_text())["items"] if i["code"] == "SC-004"))
    dumped = ItemIn.model_validate(raw).model_dump()
    dumped.pop("code")
    assert dumped["name_en"] is None and all(m["name_en"] is None for m in dumped["materials"])
    assert all(f["label_en"] is None for f in dumped["form_fields"])
    before = _without_english(dumped)  # what model_dump gave when the format had no English names
    assert importer.item_hash(dumped) == importer.item_hash(before)
    named = {**dumped, "name_en": "Food Business Licence"}
    assert importer.item_hash(named) != importer.item_hash(dumped)  # an English name is content
