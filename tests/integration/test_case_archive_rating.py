"""One citizen errand across domains, with nothing stood in: an instantly approved case is archived as a BagIt
package that passes the four-property checks and ``smarthall archive verify``, and the applicant — only the
applicant, only once — rates it; a bad rating opens a rectification work order for the hall."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

import bagit

from tests.cases.helpers import li_ming, sc003
from tests.conftest import auth
from tests.factories import assert_problem, register_citizen


def _archive_verify(env, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "SMARTHALL_DATABASE_URL": env.settings.resolved_database_url,
        "SMARTHALL_DATA_DIR": str(env.settings.data_dir),
        "SMARTHALL_FIELD_KEY": env.settings.field_key or "",
        "SMARTHALL_LOG_JSON": "false",
    }
    return subprocess.run(
        [sys.executable, "-m", "smarthall.cli", "archive", "verify", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_instant_case_is_archived_verified_and_rated(env, client, tmp_path):
    citizen = li_ming(client)
    case = sc003(client, citizen)
    assert case["status"] == "delivered"
    case_no = case["case_no"]

    manager = auth(client, "hallmanager1")
    package = client.get(f"/api/v1/archives/{case_no}", headers=manager)
    assert package.status_code == 200, package.text
    body = package.json()
    assert body["status"] == "complete"
    assert body["last_check"]["ok"] is True and all(body["last_check"]["properties"].values())
    assert body["metadata"]["applicant"] == "李*"
    assert any(f["signed"] for f in body["files"])  # the licence PDF with its signature

    exported = client.get(f"/api/v1/archives/{case_no}/export", headers=manager)
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        archive.extractall(tmp_path / "bag")
    roots = list((tmp_path / "bag").rglob("bagit.txt"))
    assert roots, "the export holds a bag"
    bagit.Bag(str(roots[0].parent)).validate()

    verified = _archive_verify(env, case_no)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # Only the applicant may rate, once; the case's online indicators apply.
    other = register_citizen(client)[1]
    denied = client.post("/api/v1/evaluations", headers=other, json={"case_no": case_no, "level": 5, "channel": "web"})
    assert_problem(denied, 403, "evaluation_not_served")
    rated = client.post(
        "/api/v1/evaluations",
        headers=citizen,
        json={"case_no": case_no, "level": 5, "channel": "web", "indicators": {"overall": 5, "convenience": 5}},
    )
    assert rated.status_code == 201, rated.text
    again = client.post("/api/v1/evaluations", headers=citizen, json={"case_no": case_no, "level": 4, "channel": "web"})
    assert_problem(again, 409, "evaluation_already_rated")


def test_bad_rating_of_a_real_case_opens_a_rectification(env, client):
    citizen = li_ming(client)
    case_no = sc003(client, citizen)["case_no"]
    rated = client.post(
        "/api/v1/evaluations",
        headers=citizen,
        json={"case_no": case_no, "level": 1, "channel": "web", "comment": "等了很久"},
    )
    assert rated.status_code == 201, rated.text
    orders = client.get("/api/v1/rectifications", headers=auth(client, "hallmanager1")).json()
    order = next(o for o in orders if o["subject_ref"] == case_no)
    assert order["status"] == "open" and order["level"] == 1 and order["subject_kind"] == "case"
    assert "李明" not in str(orders)  # the rater stays confidential


def test_tampered_archive_file_is_named_by_verify(env, client):
    citizen = li_ming(client)
    case_no = sc003(client, citizen)["case_no"]
    store = env.settings.data_dir / "archive" / case_no
    target = next(p for p in (store / "data").rglob("*.pdf"))
    os.chmod(target, 0o640)
    target.write_bytes(target.read_bytes() + b"% tampered\n")
    result = _archive_verify(env, case_no)
    assert result.returncode == 1
    assert target.name in (result.stdout + result.stderr) and "authenticity" in (result.stdout + result.stderr)
