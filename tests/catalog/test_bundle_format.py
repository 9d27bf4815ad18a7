"""The catalog format of bundles and workflow steps (docs/catalog-format.md): a bundle whose items declare the same
field with clashing types is refused at import, through the API, with the fault named and nothing written; a file
of an older format revision (no ``on_refusal``/``field_map`` on bundles, no ``workflow`` on items) still imports,
with the defaults the format states."""

from __future__ import annotations

import json
from typing import Any

from smarthall.catalog import importer
from smarthall.demo import demo_catalog_text
from tests.bundles.helpers import merged_form
from tests.cases.helpers import li_ming
from tests.conftest import auth
from tests.factories import assert_problem


def _catalog() -> dict[str, Any]:
    return json.loads(demo_catalog_text())


def _item(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["code"] == code)


def _import_api(client: Any, data: dict[str, Any]) -> Any:
    body = json.dumps(data, ensure_ascii=False).encode()
    return client.post("/api/v1/catalog/import", content=body, headers=auth(client, "admin1"))


def test_two_items_of_a_bundle_declaring_one_field_with_clashing_types_are_refused(client: Any) -> None:
    data = _catalog()
    # RS-001 asks ``bank`` as a select (开户银行); YB-001, in the same newborn bundle, now as free text.
    _item(data, "YB-001")["form_fields"].append(
        {"name": "bank", "label": "开户银行", "type": "text", "required": False}
    )
    r = _import_api(client, data)
    body = assert_problem(r, 422, "catalog_invalid")
    newborn = next(n for n, b in enumerate(data["bundles"]) if b["code"] == "YJS-01")
    faults = [f for f in body["detail"] if f["path"].startswith(f"bundles[{newborn}]")]
    assert faults and "bank" in faults[0]["message"] and "YB-001" in faults[0]["message"], body["detail"]
    assert faults[0]["line"]
    fields = client.get("/api/v1/items/YB-001").json()["form_fields"]
    assert "bank" not in {f["name"] for f in fields}  # nothing written
    assert merged_form(client, li_ming(client))["bundle_code"] == "YJS-01"  # the bundle still works


def test_a_shared_field_whose_type_an_item_contradicts_is_refused(client: Any) -> None:
    data = _catalog()
    phone = next(f for f in _item(data, "YB-001")["form_fields"] if f["name"] == "phone")
    phone["type"] = "text"  # the newborn bundle asks ``phone`` once, as a phone number
    body = assert_problem(_import_api(client, data), 422, "catalog_invalid")
    assert any("phone" in f["message"] and "shared_form_fields" in f["path"] for f in body["detail"]), body["detail"]


def test_a_file_of_the_older_format_still_imports_with_the_stated_defaults(env: Any, client: Any) -> None:
    data = _catalog()
    for bundle in data["bundles"]:
        bundle.pop("on_refusal", None)
        bundle.pop("field_map", None)
    for item in data["items"]:
        item.pop("workflow", None)
    data["meta"]["schema_version"] = "1.0"
    with env.db.unit_of_work() as session:
        report = importer.import_catalog(session, json.dumps(data, ensure_ascii=False))
    assert report.as_dict()
    bundles = client.get("/api/v1/bundles").json()
    assert {b["code"] for b in bundles} == {b["code"] for b in data["bundles"]}
    assert {b["on_refusal"] for b in bundles} == {"continue"}
    form = merged_form(client, li_ming(client))
    assert [p["department_code"] for p in form["parts"]] == ["WJ", "GA", "YB", "RS"]
