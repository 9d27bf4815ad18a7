"""Archive API: read with scope, export validating with bagit, manual checks, the disposal list with approval."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import bagit
from sqlalchemy import select

from smarthall.audit.models import AuditEvent
from smarthall.core.clock import SHANGHAI
from tests.conftest import auth
from tests.factories import assert_problem


def test_read_package_with_last_check_and_scope(env, cases, client):
    cases.add("C20261130201")
    cases.finish("C20261130201")
    cases.add("C20261130202", hall_code="H-690123")
    cases.finish("C20261130202")

    manager = auth(client, "hallmanager1")
    body = client.get("/api/v1/archives/C20261130201", headers=manager).json()
    assert body["status"] == "complete" and body["retention"] == "permanent"
    assert body["metadata"]["applicant"] == "王*明"
    assert body["last_check"]["ok"] is True and body["last_check"]["trigger"] == "ingest"
    assert all(body["last_check"]["properties"].values())
    assert len(body["files"]) == 8 and all(len(f["sm3"]) == 64 for f in body["files"])
    assert [f for f in body["files"] if f["signed"]][0]["name"] == "data/result/licence.pdf"

    # another county's package is out of this manager's scope (not found, as if it did not exist: the one scope
    # filter loads in scope or not at all); clerks and anonymous callers cannot read archives
    other = client.get("/api/v1/archives/C20261130202", headers=manager)
    assert other.status_code == 404 and other.json()["code"] == "archive_not_found"
    assert_problem(client.get("/api/v1/archives/C20261130201", headers=auth(client, "clerk1")), 403, "forbidden_role")
    assert_problem(client.get("/api/v1/archives/C20261130201"), 401, "unauthorized")
    assert_problem(client.get("/api/v1/archives/NOPE-1", headers=manager), 404, "archive_not_found")
    listed = client.get("/api/v1/archives", headers=manager).json()
    assert [p["case_no"] for p in listed] == ["C20261130201"]


def test_exported_zip_validates_with_bagit(env, cases, client, tmp_path):
    cases.add("C20261130203")
    cases.finish("C20261130203")
    response = client.get("/api/v1/archives/C20261130203/export", headers=auth(client, "hallmanager1"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        zf.extractall(tmp_path / "out")
    bag = bagit.Bag(str(tmp_path / "out" / "C20261130203"))
    bag.validate()
    assert bag.info["External-Identifier"] == "C20261130203"
    # the auditor may read and check but not export; exports are logged
    assert_problem(
        client.get("/api/v1/archives/C20261130203/export", headers=auth(client, "auditor1")), 403, "forbidden_role"
    )
    with env.db.unit_of_work(write=False) as session:
        actions = set(
            session.execute(select(AuditEvent.action).where(AuditEvent.target_id == "C20261130203")).scalars()
        )
    assert {"archive.ingest", "archive.export"} <= actions


def test_manual_check_needs_permission(env, cases, client):
    cases.add("C20261130204")
    cases.finish("C20261130204")
    assert_problem(
        client.post("/api/v1/archives/C20261130204/checks", headers=auth(client, "clerk1")), 403, "forbidden_role"
    )
    ok = client.post("/api/v1/archives/C20261130204/checks", headers=auth(client, "auditor1"))
    assert ok.status_code == 200 and ok.json()["ok"] is True


def test_disposal_needs_end_of_retention_and_a_second_person(env, cases, client):
    cases.add("C20261130205", item_code="RS-001", item_type="公共服务")  # 10 years
    cases.finish("C20261130205")
    cases.add("C20261130206")  # permanent
    cases.finish("C20261130206")
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")

    early = client.post("/api/v1/archives/disposals", json={"case_nos": ["C20261130205"]}, headers=manager)
    assert early.status_code == 422 and early.json()["code"] == "archive_disposal_not_due"

    env.clock.set(datetime(2037, 1, 4, 10, 0, tzinfo=SHANGHAI))
    manager, admin = auth(client, "hallmanager1"), auth(client, "admin1")
    due = client.get("/api/v1/archives/disposals/due", headers=manager).json()
    assert [p["case_no"] for p in due] == ["C20261130205"]
    permanent = client.post("/api/v1/archives/disposals", json={"case_nos": ["C20261130206"]}, headers=manager)
    assert_problem(permanent, 422, "archive_disposal_not_due")
    assert_problem(
        client.post("/api/v1/archives/disposals", json={"case_nos": ["C20261130205"]}, headers=admin),
        403,
        "forbidden_role",
    )  # the approver cannot propose
    proposed = client.post(
        "/api/v1/archives/disposals", json={"case_nos": ["C20261130205"], "note": "期满"}, headers=manager
    )
    assert proposed.status_code == 201
    disposal_id = proposed.json()[0]["id"]
    again = client.post("/api/v1/archives/disposals", json={"case_nos": ["C20261130205"]}, headers=manager)
    assert_problem(again, 409, "archive_disposal_conflict")
    assert_problem(
        client.post(f"/api/v1/archives/disposals/{disposal_id}/decision", json={"action": "approve"}, headers=manager),
        403,
        "forbidden_role",
    )  # the proposer cannot approve

    approved = client.post(
        f"/api/v1/archives/disposals/{disposal_id}/decision",
        json={"action": "approve", "note": "同意销毁"},
        headers=admin,
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert_problem(
        client.post(f"/api/v1/archives/disposals/{disposal_id}/decision", json={"action": "reject"}, headers=admin),
        409,
        "archive_disposal_conflict",
    )
    assert not (env.settings.data_dir / "archive" / "C20261130205").exists()
    body = client.get("/api/v1/archives/C20261130205", headers=manager).json()
    assert body["status"] == "disposed" and body["metadata"] is None and len(body["files"]) == 8
    with env.db.unit_of_work(write=False) as session:
        actions = set(
            session.execute(select(AuditEvent.action).where(AuditEvent.target_id == "C20261130205")).scalars()
        )
    assert {"archive.disposal_proposed", "archive.disposal_approved"} <= actions
    assert client.get("/api/v1/archives/disposals", headers=manager).json()[0]["decided_by"] == "staff:admin1"
