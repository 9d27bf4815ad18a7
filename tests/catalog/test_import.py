"""Catalog import: idempotent, updates in place, refuses a malformed file naming the line, never half-imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from smarthall.catalog import importer
from smarthall.catalog.errors import CatalogInvalid
from smarthall.catalog.filemodel import ADDED_ITEM_FIELDS
from smarthall.catalog.models import Item, ItemVersion
from smarthall.demo import demo_catalog_text
from smarthall.org.models import Hall, Window
from tests.factories import assert_problem

SHARED_CATALOG = Path(__file__).resolve().parents[3] / "shared" / "data" / "catalog.json"


def _counts(session):
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in (Item, ItemVersion, Hall)}


def _broken(mutate) -> str:
    data = json.loads(demo_catalog_text())
    mutate(data)
    return json.dumps(data, ensure_ascii=False, indent=2)


def _cli_env(env) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "SMARTHALL_DATABASE_URL": env.settings.resolved_database_url,
        "SMARTHALL_DATA_DIR": str(env.settings.data_dir),
        "SMARTHALL_FIELD_KEY": env.settings.field_key or "",
        "SMARTHALL_LOG_JSON": "false",
    }


# Format 1.5 (issue 16): a fee note, note, option list, rule message, description, FAQ question and answer in English.
ENGLISH_TEXTS = ("fee_note_en", "note_en", "options_en", "message_en", "description_en", "question_en", "answer_en")


def _without_english(value: Any) -> Any:
    """``value`` without the optional English names (``name_en``) and form labels (``label_en``) of format 1.4 and
    the English texts of format 1.5 (``ENGLISH_TEXTS``)."""
    if isinstance(value, dict):
        return {k: _without_english(v) for k, v in value.items() if k not in ("name_en", "label_en", *ENGLISH_TEXTS)}
    if isinstance(value, list):
        return [_without_english(v) for v in value]
    return value


class TestReimport:
    """Importing again: the same file changes nothing; a changed one updates in place and versions the item;
    what a newer file leaves out is deactivated."""

    def test_packaged_demo_catalog_is_the_master_plus_the_later_format_fields(self):
        """The package's copy is the project's own: the master's entries, with the item fields later format
        revisions added (``filemodel.ADDED_ITEM_FIELDS``) and their description in ``meta``."""
        if not SHARED_CATALOG.exists():
            pytest.skip("../shared is not next to the project here")
        packaged, master = json.loads(demo_catalog_text()), json.loads(SHARED_CATALOG.read_text(encoding="utf-8"))
        for item in packaged["items"]:
            for key in ADDED_ITEM_FIELDS:
                item.pop(key, None)
        for faq in packaged["faq"]:
            faq.pop("situations", None)  # format 1.2: how citizens say a logistics question
        packaged = _without_english(packaged)  # format 1.4: English names and labels beside the Chinese ones
        packaged["meta"] = {k: v for k, v in packaged["meta"].items() if k in master["meta"] and k != "schema_version"}
        master["meta"].pop("schema_version", None)
        assert packaged == master

    def test_second_import_changes_nothing(self, env):
        with env.db.unit_of_work() as session:
            before = _counts(session)
            report = importer.import_catalog(session, demo_catalog_text())
        assert not report.changed
        assert report.unchanged["items"] == 45
        with env.db.unit_of_work() as session:
            assert _counts(session) == before

    def test_changed_file_updates_in_place_and_versions_the_item(self, env):
        data = json.loads(demo_catalog_text())
        item = next(i for i in data["items"] if i["code"] == "GA-001")
        item["promised_limit_workdays"] = 0
        item["materials"].pop()
        data["windows"][3]["item_codes"] = data["windows"][3]["item_codes"][:2]
        with env.db.unit_of_work() as session:
            report = importer.import_catalog(session, json.dumps(data, ensure_ascii=False))
        assert report.updated["items"] == 1 and report.updated["windows"] == 1
        with env.db.unit_of_work() as session:
            stored = session.execute(select(Item).where(Item.code == "GA-001")).scalar_one()
            assert stored.version == 2 and stored.promised_limit_workdays == 0
            assert len(stored.materials) == len(item["materials"])
            versions = session.execute(select(ItemVersion.version).where(ItemVersion.item_code == "GA-001")).scalars()
            assert sorted(versions) == [1, 2]
            window = session.execute(select(Window).where(Window.code == data["windows"][3]["code"])).scalar_one()
            assert len(window.items) == 2

    def test_removed_item_is_deactivated_not_deleted(self, env, client):
        data = json.loads(demo_catalog_text())
        data["items"] = [i for i in data["items"] if i["code"] != "GY-001"]
        for window in data["windows"]:
            window["item_codes"] = [c for c in window["item_codes"] if c != "GY-001"]
        data["faq"] = [f for f in data["faq"] if f.get("item_code") != "GY-001"]
        for bundle in data["bundles"]:
            bundle["item_codes"] = [c for c in bundle["item_codes"] if c != "GY-001"]
        with env.db.unit_of_work() as session:
            report = importer.import_catalog(session, json.dumps(data, ensure_ascii=False))
        assert report.deactivated["items"] == 1
        assert_problem(client.get("/api/v1/items/GY-001"), 404, "item_not_found")


class TestRefusedFile:
    """A malformed file is refused whole, every fault named with its line; nothing is written."""

    @pytest.mark.parametrize(
        ("mutate", "path", "fragment"),
        [
            (
                lambda d: d["items"][3]["materials"][1].update(kind="scroll"),
                "items[3].materials[1].kind",
                "Input should be",
            ),
            (lambda d: d["items"][0].update(department_code="XX"), "items[0].department_code", "unknown department"),
            (lambda d: d["windows"][0]["item_codes"].append("ZZ-999"), "windows[0].item_codes[45]", "unknown item"),
            (lambda d: d["items"][2].update(promised_limit_workdays=99), "items[2].promised_limit_workdays", "exceeds"),
            (lambda d: d["halls"][1].update(region_code="000000"), "halls[1].region_code", "unknown region"),
            (lambda d: d["items"][5].pop("name"), "items[5].name", "Field required"),
        ],
    )
    def test_malformed_file_is_refused_with_the_line_and_nothing_written(self, env, mutate, path, fragment):
        text = _broken(mutate)
        with env.db.unit_of_work() as session:
            before = _counts(session)
        with pytest.raises(CatalogInvalid) as caught:
            with env.db.unit_of_work() as session:
                importer.import_catalog(session, text)
        fault = next(f for f in caught.value.detail if f["path"] == path)
        assert fragment in fault["message"]
        assert fault["line"] and path.split(".")[-1].split("[")[0] in text.splitlines()[fault["line"] - 1] + path
        with env.db.unit_of_work() as session:
            assert _counts(session) == before

    def test_json_syntax_error_names_line_and_column(self):
        with pytest.raises(CatalogInvalid) as caught:
            importer.parse_catalog('{\n  "meta": {},\n  "regions": [,]\n}')
        assert caught.value.detail[0]["line"] == 3

    def test_every_fault_is_listed_at_once(self):
        def two_faults(d):
            d["items"][0].update(department_code="XX")
            d["items"][1].update(online_depth=9)

        with pytest.raises(CatalogInvalid) as caught:
            importer.parse_catalog(_broken(two_faults))
        assert {f["path"] for f in caught.value.detail} >= {"items[1].online_depth"}

    def test_cli_import_refuses_a_broken_file_with_exit_code_and_line(self, env, tmp_path):
        broken = tmp_path / "catalog.json"
        broken.write_text(_broken(lambda d: d["items"][3]["materials"][1].update(kind="scroll")), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "smarthall.cli", "catalog", "import", str(broken)],
            env=_cli_env(env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        assert "items[3].materials[1].kind" in result.stderr and "line" in result.stderr

        good = tmp_path / "good.json"
        good.write_text(demo_catalog_text(), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "smarthall.cli", "catalog", "import", str(good)],
            env=_cli_env(env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "nothing changed" in result.stdout


class TestImportApi:
    """The import endpoint: administrators only, all or nothing."""

    def test_import_api_is_for_administrators_only(self, client):
        from tests.conftest import auth

        body = demo_catalog_text().encode()
        assert_problem(client.post("/api/v1/catalog/import", content=body), 401, "unauthorized")
        clerk = client.post("/api/v1/catalog/import", content=body, headers=auth(client, "clerk1"))
        assert_problem(clerk, 403, "forbidden_role")
        response = client.post("/api/v1/catalog/import", content=body, headers=auth(client, "admin1"))
        assert response.status_code == 200 and response.json()["changed"] is False
        broken = client.post("/api/v1/catalog/import", content=b"{not json", headers=auth(client, "admin1"))
        assert broken.status_code == 422 and broken.json()["code"] == "catalog_invalid"
