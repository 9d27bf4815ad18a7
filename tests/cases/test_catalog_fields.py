"""The per-item catalog fields cases read (``result_licence``, ``joint_review``): checked on import, documented in
the file, and optional — a file of the first format revision still imports, and leaves its items' versions alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smarthall.catalog import importer
from smarthall.catalog.errors import CatalogInvalid
from smarthall.catalog.filemodel import ADDED_ITEM_FIELDS
from smarthall.demo import demo_catalog_text


def _catalog() -> dict[str, Any]:
    return json.loads(demo_catalog_text())


def _item(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["code"] == code)


def _faults(data: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogInvalid) as exc:
        importer.parse_catalog(json.dumps(data, ensure_ascii=False))
    return [f["message"] for f in exc.value.detail]


def test_the_demo_items_declare_their_result_licence_and_joint_reviews() -> None:
    parsed = {i.code: i for i in importer.parse_catalog(demo_catalog_text()).items}
    assert parsed["SC-001"].result_licence is not None and parsed["SC-001"].result_licence.new_uscc == "91"
    assert parsed["SC-002"].result_licence is not None and parsed["SC-002"].result_licence.type == "营业执照"
    assert parsed["SC-004"].joint_review == ["SC", "WJ"] and parsed["ZJ-001"].joint_review == ["ZJ", "SC"]
    meta = _catalog()["meta"]
    documented = {field for key, fields in meta.items() if key.startswith("item_fields_") for field in fields}
    assert documented == set(ADDED_ITEM_FIELDS)


def test_a_joint_review_names_known_departments_the_items_own_among_them() -> None:
    data = _catalog()
    _item(data, "SC-004")["joint_review"] = ["WJ", "XX"]
    messages = _faults(data)
    assert "unknown department 'XX'" in messages
    assert any("own department 'SC'" in m for m in messages)


def test_a_result_licence_copies_only_fields_of_the_form() -> None:
    data = _catalog()
    _item(data, "SC-001")["result_licence"]["fields"]["name"] = "no_such_field"
    assert any("unknown form field 'no_such_field'" in m for m in _faults(data))


def test_an_item_entry_of_the_first_revision_hashes_as_before() -> None:
    entry = {k: v for k, v in _item(_catalog(), "GA-001").items() if k != "code" and k not in ADDED_ITEM_FIELDS}
    with_defaults = {**entry, **ADDED_ITEM_FIELDS}
    assert importer.item_hash(with_defaults) == importer.content_hash(entry)


def test_a_file_of_the_first_revision_imports_and_bumps_only_the_items_that_lose_a_field(env: Any) -> None:
    old = _catalog()
    for item in old["items"]:
        for key in ADDED_ITEM_FIELDS:
            item.pop(key, None)
    with env.db.unit_of_work() as session:
        report = importer.import_catalog(session, json.dumps(old, ensure_ascii=False))
    current = _catalog()["items"]
    losing = sum(1 for i in current if any(i.get(k, v) != v for k, v in ADDED_ITEM_FIELDS.items()))
    assert 0 < losing and report.updated["items"] == losing and report.unchanged["items"] == len(current) - losing
    with env.db.unit_of_work() as session:
        again = importer.import_catalog(session, demo_catalog_text())
    assert again.updated["items"] == losing and again.unchanged["items"] == len(current) - losing
