"""Tampering with a stored package is caught by the next check and by ``smarthall archive verify``, naming the file
and the property that failed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from smarthall.archive import bag as bagfile
from smarthall.archive import service as archive_service
from smarthall.cli import app as cli_app
from smarthall.core.crypto import read_plain, write_sealed
from smarthall.notify.models import Message
from tests.conftest import TEST_FIELD_KEY


def _root(env, case_no: str) -> Path:
    return env.settings.data_dir / "archive" / case_no


def _writable(path: Path) -> None:
    for p in [path, *path.parents]:
        if p.name == "archive":
            break
        if p.exists():
            os.chmod(p, stat.S_IMODE(os.stat(p).st_mode) | stat.S_IWUSR)


def _check(env, case_no: str):
    with env.db.unit_of_work() as session:
        session.info["db"] = env.db
        return archive_service.check_package(session, env.settings, case_no, trigger="manual", now=env.clock.now())


def _failures(report) -> set[tuple[str, str | None]]:
    return {(f.property, f.file) for f in report.findings}


def _cli(env, *args: str):
    runner = CliRunner()
    environ = {
        "SMARTHALL_DATABASE_URL": env.settings.resolved_database_url,
        "SMARTHALL_DATA_DIR": str(env.settings.data_dir),
        "SMARTHALL_FIELD_KEY": TEST_FIELD_KEY,
        "SMARTHALL_LOG_LEVEL": "WARNING",
    }
    return runner.invoke(cli_app, ["archive", "verify", *args], env=environ)


@pytest.fixture
def stored(env, cases):
    cases.add("C20261130101")
    cases.finish("C20261130101")
    assert _check(env, "C20261130101").ok
    return "C20261130101"


def test_intact_package_passes_cli(env, stored):
    result = _cli(env, stored)
    assert result.exit_code == 0, result.output
    assert "checked 1 package(s), 0 failed" in result.output


def test_altered_file_fails_authenticity(env, stored):
    target = _root(env, stored) / "data/material/application.pdf"
    _writable(target)
    with target.open("ab") as fh:
        fh.write(b"\n% tampered\n")
    bagfile.seal(_root(env, stored))  # the tamperer restores the modes
    report = _check(env, stored)
    assert ("authenticity", "data/material/application.pdf") in _failures(report)
    assert {f.property for f in report.findings} == {"authenticity"}
    result = _cli(env, stored)
    assert result.exit_code == 1
    assert "data/material/application.pdf: authenticity FAILED" in result.output


def test_deleted_file_fails_integrity(env, stored):
    target = _root(env, stored) / "data/material/身份证.jpg"
    _writable(target)
    target.unlink()
    bagfile.seal(_root(env, stored))
    report = _check(env, stored)
    assert _failures(report) == {("integrity", "data/material/身份证.jpg")}
    result = _cli(env, "--all")
    assert result.exit_code == 1
    assert "data/material/身份证.jpg: integrity FAILED" in result.output


def test_altered_metadata_fails_authenticity(env, stored):
    target = _root(env, stored) / "data/metadata/core-metadata.json"
    _writable(target)
    meta = json.loads(read_plain(target))  # an insider holding the key: decrypt, edit, seal again
    meta["applicant"] = "王小明"
    write_sealed(target, json.dumps(meta, ensure_ascii=False).encode())
    bagfile.seal(_root(env, stored))
    assert ("authenticity", "data/metadata/core-metadata.json") in _failures(_check(env, stored))


def test_metadata_element_removed_and_manifests_rewritten_still_fails(env, stored):
    """An attacker who also recomputes the bag manifests is caught by the database fixity and the element check."""
    root = _root(env, stored)
    target = root / "data/metadata/core-metadata.json"
    _writable(target)
    meta = json.loads(read_plain(target))
    del meta["retention"]
    write_sealed(target, json.dumps(meta, ensure_ascii=False).encode())
    os.chmod(root, 0o750)
    for name in (
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "manifest-sha512.txt",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt",
    ):
        (root / name).unlink()
    payload = [(p.relative_to(root).as_posix(), bagfile.digest_file(p)) for p in bagfile.payload_files(root)]
    bagfile.write_bag(root, payload, {"Source-Organization": "H-690102"})
    bagfile.seal(root)
    failures = _failures(_check(env, stored))
    assert ("authenticity", "data/metadata/core-metadata.json") in failures
    assert ("integrity", "data/metadata/core-metadata.json") in failures


def test_broken_signature_fails_authenticity(env, cases):
    cases.add("C20261130102", bad_signature=True)
    cases.finish("C20261130102")
    report = _check(env, "C20261130102")
    assert _failures(report) == {("authenticity", "data/result/licence.pdf")}
    assert any("signature" in f.message for f in report.findings)
    result = _cli(env, "C20261130102")
    assert result.exit_code == 1 and "data/result/licence.pdf: authenticity FAILED" in result.output


def test_tampered_signature_file_fails_authenticity(env, stored):
    target = _root(env, stored) / "data/metadata/signatures.json"
    _writable(target)
    doc = json.loads(read_plain(target))
    doc["signatures"][0]["signed_fields"]["licence_no"] = "FORGED"
    write_sealed(target, json.dumps(doc, ensure_ascii=False).encode())
    bagfile.seal(_root(env, stored))
    failures = _failures(_check(env, stored))
    assert ("authenticity", "data/result/licence.pdf") in failures
    assert ("authenticity", "data/metadata/signatures.json") in failures


def test_unreadable_pdf_fails_usability(env, cases):
    cases.add("C20261130103", corrupt_pdf=True)
    cases.finish("C20261130103")
    report = _check(env, "C20261130103")
    assert _failures(report) == {("usability", "data/notice/acceptance.pdf")}


def test_truncated_scan_fails_usability(env, cases, tmp_path):
    """A JPEG cut short before archiving (its checksums match, it was stored that way) does not decode: usability."""
    from PIL import Image

    from smarthall.core.subjects import ArchivalFile
    from tests.archive.conftest import sha256_of

    full = tmp_path / "full.jpg"
    Image.effect_noise((1600, 1200), 64).convert("RGB").save(full, format="JPEG", quality=90)
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    cases.add(
        "C20261130104",
        extra_files=[ArchivalFile("material", "户口簿.jpg", scan, "image/jpeg", sha256_of(scan))],
    )
    cases.finish("C20261130104")
    report = _check(env, "C20261130104")
    assert _failures(report) == {("usability", "data/material/户口簿.jpg")}
    assert "truncated" in report.findings[0].message


def test_executable_dropped_into_package_fails_security(env, stored):
    root = _root(env, stored)
    folder = root / "data/material"
    _writable(folder / "x")
    (folder / "setup.exe").write_bytes(b"MZ\x90\x00" + b"\x00" * 60)
    failures = _failures(_check(env, stored))
    assert ("security", "data/material/setup.exe") in failures
    assert ("integrity", "data/material/setup.exe") in failures
    assert ("security", "data/material") in failures  # the folder was made writable


def test_writable_file_fails_security(env, stored):
    target = _root(env, stored) / "data/result/licence.pdf"
    os.chmod(target, 0o664)
    assert _failures(_check(env, stored)) == {("security", "data/result/licence.pdf")}


def test_failed_check_alerts_hall_managers_and_is_reported(env, stored, client):
    from tests.conftest import auth

    target = _root(env, stored) / "data/notice/acceptance.pdf"
    _writable(target)
    target.unlink()
    bagfile.seal(_root(env, stored))
    headers = auth(client, "auditor1")
    response = client.post(f"/api/v1/archives/{stored}/checks", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["properties"]["integrity"] is False
    assert body["findings"][0]["file"] == "data/notice/acceptance.pdf"
    with env.db.unit_of_work(write=False) as session:
        messages = list(session.execute(select(Message).where(Message.template == "archive.check_failed")).scalars())
    assert messages and all(m.recipient_kind == "staff" for m in messages)
    assert "acceptance.pdf" in messages[0].body_zh
    detail = client.get(f"/api/v1/archives/{stored}", headers=auth(client, "hallmanager1")).json()
    assert detail["last_check"]["ok"] is False and detail["last_check"]["trigger"] == "manual"


def test_cli_needs_exactly_one_target(env, stored):
    assert _cli(env).exit_code == 2
    assert _cli(env, stored, "--all").exit_code == 2
    unknown = _cli(env, "C-NOPE")
    assert unknown.exit_code == 1 and "No archival package" in unknown.output


def test_scheduled_check_catches_tampering_and_alerts(env, cases):
    from smarthall.archive import tasks as archive_tasks
    from smarthall.archive.models import CheckReport

    cases.add("C20261130104")
    cases.finish("C20261130104")
    cases.add("C20261130105")
    cases.finish("C20261130105")
    target = _root(env, "C20261130105") / "data/result/licence.pdf"
    _writable(target)
    target.write_bytes(target.read_bytes() + b"\n%%EOF\n")
    bagfile.seal(_root(env, "C20261130105"))
    outcome = archive_tasks.run_scheduled_check()
    assert outcome == {"checked": 2, "failed": 1}
    with env.db.unit_of_work(write=False) as session:
        reports = list(session.execute(select(CheckReport).where(CheckReport.trigger == "scheduled")).scalars())
        alerts = list(session.execute(select(Message).where(Message.ref_id == "C20261130105")).scalars())
    assert sorted(r.ok for r in reports) == [False, True]
    assert alerts and "authenticity" in alerts[0].body_zh


def test_sealed_file_swapped_or_cut_fails_authenticity(env, stored):
    """The payload is sealed under its own place in the store: a ciphertext copied over another file, or cut short,
    does not open, and the check names the file (an attacker without the key cannot forge either)."""
    root = _root(env, stored)
    moved, cut = root / "data/notice/acceptance.pdf", root / "data/material/身份证.jpg"
    for target in (moved, cut):
        _writable(target)
    moved.unlink()
    moved.write_bytes((root / "data/material/application.pdf").read_bytes())
    cut.write_bytes(cut.read_bytes()[:-7])
    bagfile.seal(root)
    report = _check(env, stored)
    assert _failures(report) == {
        ("authenticity", "data/notice/acceptance.pdf"),
        ("authenticity", "data/material/身份证.jpg"),
    }
    assert all("does not open" in f.message for f in report.findings)
