"""The archive closes the errand (issue 15 item 7): a case's package is built when its last act is done — the
pickup at the window, not the approval — and holds the errand's whole thread (booking/ticket/case steps)."""

from __future__ import annotations

import io
import json
import zipfile

import bagit
import pytest

from smarthall.archive.building import open_original_name
from smarthall.core.crypto import read_plain
from tests.archive.conftest import make_pdf
from tests.cases.helpers import HALL, act, generic_form, li_ming, prefilled, refused, submit_sc001, upload
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID


def test_the_package_waits_for_the_pickup_and_holds_the_thread(env, client):
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    clerk, approver, manager = auth(client, "clerk1"), auth(client, "approver1"), auth(client, "hallmanager1")
    assert act(client, clerk, case_no, "accept").status_code == 200
    assert act(client, approver, case_no, "approve").status_code == 200
    assert client.get(f"/api/v1/archives/{case_no}", headers=manager).status_code == 404  # decided, not yet closed
    code = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    assert client.get(f"/api/v1/errands/{code}", headers=citizen).json()["status"] == "open"

    picked = act(client, clerk, case_no, "deliver", delivery={"mode": "window", "pickup_id_number": DEMO_CITIZEN_ID})
    assert picked.status_code == 200, picked.text
    package = client.get(f"/api/v1/archives/{case_no}", headers=manager)
    assert package.status_code == 200, package.text
    assert package.json()["status"] == "complete"
    # (the test's uploads are minimal PDFs the usability check rejects; the thread record itself passes)
    assert not [f for f in package.json()["last_check"]["findings"] if "errand" in f["file"]]
    assert "data/record/errand.json" in [f["name"] for f in package.json()["files"]]
    thread = json.loads(read_plain(env.settings.data_dir / "archive" / case_no / "data/record/errand.json"))  # sealed
    assert thread["errand_code"] == code
    assert [s["step"] for s in thread["steps"]][:1] == ["case"] and "delivery" in [s["step"] for s in thread["steps"]]
    assert DEMO_CITIZEN_ID not in json.dumps(thread, ensure_ascii=False) and "李明" not in json.dumps(thread)
    assert client.get(f"/api/v1/errands/{code}", headers=citizen).json()["status"] == "archived"


def test_the_package_names_materials_by_code_and_keeps_the_upload_name_only_sealed(env, client, tmp_path):
    """Issue 12 leftover: a citizen's upload name ("李明身份证…") may hold personal data: the package stores the
    material under its code and sequence, the original name only sealed in the core metadata; it still verifies."""
    citizen = li_ming(client)
    form, _ = prefilled(client, citizen, "SC-001")
    form.update(generic_form())
    pdf = make_pdf(tmp_path / "m.pdf", ["business licence application"]).read_bytes()
    names = {"SC-001-M02": "李明身份证690102199003071232.pdf", "SC-001-M04": "李明-住所证明.pdf"}
    materials = [
        {"material_code": code, "file_id": upload(client, citizen, data=pdf, name=name)} for code, name in names.items()
    ]
    body = {"item_code": "SC-001", "hall_code": HALL, "form": form, "materials": materials}
    submitted = client.post("/api/v1/cases", headers=citizen, json=body)
    assert submitted.status_code == 201, submitted.text
    case_no = submitted.json()["case_no"]
    clerk, approver, manager = auth(client, "clerk1"), auth(client, "approver1"), auth(client, "hallmanager1")
    assert act(client, clerk, case_no, "accept").status_code == 200
    assert act(client, approver, case_no, "approve").status_code == 200
    picked = act(client, clerk, case_no, "deliver", delivery={"mode": "window", "pickup_id_number": DEMO_CITIZEN_ID})
    assert picked.status_code == 200, picked.text

    package = client.get(f"/api/v1/archives/{case_no}", headers=manager).json()
    material_files = sorted(f["name"] for f in package["files"] if f["name"].startswith("data/material/"))
    assert material_files == ["data/material/SC-001-M02-1.pdf", "data/material/SC-001-M04-1.pdf"]
    check = client.post(f"/api/v1/archives/{case_no}/checks", headers=auth(client, "auditor1")).json()
    assert check["properties"]["integrity"] and check["properties"]["authenticity"], check

    # the export is a valid bag; no file name and no file of it holds the upload names in clear
    export = client.get(f"/api/v1/archives/{case_no}/export", headers=manager)
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        zf.extractall(tmp_path / "bag")
        listed = zf.namelist()
        blob = b"".join(zf.read(n) for n in listed)
    bag_root = next(p.parent for p in (tmp_path / "bag").rglob("bagit.txt"))
    bagit.Bag(str(bag_root)).validate()
    for name in names.values():
        assert not [n for n in listed if name in n or "李明" in n]
        assert name.encode() not in blob and name.removesuffix(".pdf").encode() not in blob
    assert not [n for n in listed if "690102199003071232" in n]  # (the form itself holds the applicant's data)

    # the original names, sealed in the metadata and bound to their payload path, open with the key
    meta = json.loads((bag_root / "data/metadata/core-metadata.json").read_text(encoding="utf-8"))
    sealed = {f["name"]: f["original_name_sealed"] for f in meta["files"] if "original_name_sealed" in f}
    assert {rel: open_original_name(case_no, rel, s) for rel, s in sealed.items()} == {
        "material/SC-001-M02-1.pdf": names["SC-001-M02"],
        "material/SC-001-M04-1.pdf": names["SC-001-M04"],
    }
    with pytest.raises(Exception):  # noqa: B017 - bound to the path: moved to another file, it does not open
        open_original_name(case_no, "material/SC-001-M04-1.pdf", sealed["material/SC-001-M02-1.pdf"])


def test_the_rating_window_closing_archives_a_case_nothing_else_closed(env, client):
    """Issue 15 item 7: a decided case whose result is never collected is archived, with its package, when its
    rating window (the hall's ``evaluation.rating_window_days`` after the decision) closes — by the job that closes
    the windows, on the demo clock."""
    from smarthall.evaluation import tasks as evaluation_tasks

    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    clerk, approver = auth(client, "clerk1"), auth(client, "approver1")
    assert act(client, clerk, case_no, "accept").status_code == 200
    assert act(client, approver, case_no, "approve").status_code == 200
    code = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    env.clock.advance(days=4)
    assert evaluation_tasks.run_invitations() == 1  # invited, never rated, never picked up
    env.clock.advance(days=25)
    assert evaluation_tasks.run_close_rating_windows() == 0  # 29 days: the window (30 days) is still open
    citizen, manager = li_ming(client), auth(client, "hallmanager1")  # (signed in again: weeks have passed)
    refused(client.get(f"/api/v1/archives/{case_no}", headers=manager), 404, "archive_not_found")
    assert client.get(f"/api/v1/errands/{code}", headers=citizen).json()["status"] == "open"
    env.clock.advance(days=1, minutes=1)
    assert evaluation_tasks.run_close_rating_windows() == 1
    citizen, manager = li_ming(client), auth(client, "hallmanager1")
    package = client.get(f"/api/v1/archives/{case_no}", headers=manager)
    assert package.status_code == 200, package.text
    assert package.json()["status"] == "complete" and package.json()["final_status"] == "approved"
    errand = client.get(f"/api/v1/errands/{code}", headers=citizen).json()
    assert errand["status"] == "archived" and [s["step"] for s in errand["steps"]][-1] == "archive"
    assert evaluation_tasks.run_close_rating_windows() == 0  # once
