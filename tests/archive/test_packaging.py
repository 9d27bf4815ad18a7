"""Building packages from finished cases: BagIt validity, fixity in the database, read-only store, crash resume."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import bagit
from sqlalchemy import select

from smarthall.archive import service as archive_service
from smarthall.archive.models import CheckReport, Package, PackageFile
from smarthall.core.crypto import is_sealed, read_plain
from smarthall.core.subjects import ArchivalFile
from tests.archive.conftest import plain_copy
from tests.factories import assert_problem


def _package(env, case_no):
    with env.db.unit_of_work(write=False) as session:
        pkg = session.execute(select(Package).where(Package.case_no == case_no)).scalar_one_or_none()
        files = (
            list(session.execute(select(PackageFile).where(PackageFile.package_id == pkg.id)).scalars()) if pkg else []
        )
        checks = (
            list(session.execute(select(CheckReport).where(CheckReport.package_id == pkg.id)).scalars()) if pkg else []
        )
        return pkg, files, checks


def test_case_finished_builds_a_valid_bag_with_sm3_fixity(env, cases, tmp_path):
    cases.add("C20261130001")
    cases.finish("C20261130001")
    pkg, files, checks = _package(env, "C20261130001")
    assert pkg.status == "complete"
    assert pkg.retention == "permanent"  # 行政许可
    root = env.settings.data_dir / "archive" / "C20261130001"
    # the payload is sealed on disk, the tag files are not; the manifests describe the plaintext
    assert all(is_sealed(p) for p in (root / "data").rglob("*") if p.is_file())
    assert not any(is_sealed(root / name) for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"))
    bag = bagit.Bag(str(plain_copy(root, tmp_path / "plain")))
    assert bag.is_valid()
    bag.validate()  # the library's own full validation (raises on any fault)
    assert set(bag.algorithms) >= {"sha256", "sha512"}
    names = {f.name for f in files}
    assert {
        "data/form/form.json",
        "data/material/application.pdf",
        "data/material/身份证.jpg",
        "data/notice/acceptance.pdf",
        "data/result/licence.pdf",
        "data/metadata/core-metadata.json",
        "data/metadata/core-metadata.xml",
        "data/metadata/signatures.json",
    } == names
    for f in files:
        raw = read_plain(root / f.name)
        assert f.sm3 == hashlib.new("sm3", raw).hexdigest()
        assert f.sha256 == hashlib.sha256(raw).hexdigest()
        assert stat.S_IMODE(os.stat(root / f.name).st_mode) == 0o440
    meta = json.loads(read_plain(root / "data/metadata/core-metadata.json"))
    assert meta["applicant"] == "王*明"
    assert "王小明" not in read_plain(root / "data/metadata/core-metadata.json").decode("utf-8")
    assert "王小明" not in read_plain(root / "data/metadata/core-metadata.xml").decode("utf-8")
    assert meta["case_no"] == "C20261130001" and meta["item_code"] == "SC-001"
    assert meta["responsible_department"] == "SC" and meta["retention"] == "permanent"
    assert [e["action"] for e in meta["events"]] == ["submitted", "approved"]
    assert {e["role"] for e in meta["files"]} == {"form", "material", "notice", "result", "metadata"} - {"metadata"}
    assert len(checks) == 1 and checks[0].trigger == "ingest" and checks[0].ok, checks[0].results
    assert pkg.last_check_ok is True


def test_a_second_finish_event_does_not_rebuild(env, cases):
    cases.add("C20261130002")
    cases.finish("C20261130002")
    pkg1, _, _ = _package(env, "C20261130002")
    cases.finish("C20261130002")
    pkg2, _, checks = _package(env, "C20261130002")
    assert pkg2.attempts == pkg1.attempts == 1 and len(checks) == 1


def test_retention_classes_by_item_type_and_override(env, cases, client):
    from tests.conftest import auth

    cases.add("C20261130003", item_code="RS-001", item_type="公共服务")
    cases.finish("C20261130003")
    pkg, _, _ = _package(env, "C20261130003")
    assert pkg.retention == "10y" and pkg.retain_until.isoformat() == "2036-12-31"

    admin = auth(client, "admin1")
    assert (
        client.put(
            "/api/v1/archives/retention-rules", json={"scope": "item:RS-003", "retention": "permanent"}, headers=admin
        ).status_code
        == 204
    )
    assert_problem(
        client.put("/api/v1/archives/retention-rules", json={"scope": "item:RS-003", "retention": "5y"}, headers=admin),
        422,
        "validation_error",
    )
    manager = auth(client, "hallmanager1")
    assert_problem(
        client.put(
            "/api/v1/archives/retention-rules", json={"scope": "type:其他", "retention": "30y"}, headers=manager
        ),
        403,
        "forbidden_role",
    )
    cases.add("C20261130004", item_code="RS-003", item_type="行政给付")
    cases.finish("C20261130004")
    pkg, _, _ = _package(env, "C20261130004")
    assert pkg.retention == "permanent" and pkg.retain_until is None


def test_a_crash_mid_packaging_leaves_nothing_complete_and_the_job_resumes(env, cases, tmp_path):
    source = cases.add("C20261130005")
    material = source.files[0].path
    saved = material.read_bytes()
    material.unlink()  # the document store fails while the bag is being written
    cases.finish("C20261130005")
    pkg, files, _ = _package(env, "C20261130005")
    assert pkg.status == "failed" and "FileNotFoundError" in pkg.last_error
    assert files == []
    store = env.settings.data_dir / "archive"
    assert not (store / "C20261130005").exists()
    assert list((store / ".building").iterdir()) == []

    material.write_bytes(saved)
    stale = store / ".building" / "C20261130005.dead"  # left by a process killed while staging
    (stale / "data").mkdir(parents=True)
    os.utime(stale, (0, 0))
    done = archive_service.resume_pending(env.db, env.settings, now=env.clock.now())
    assert done == ["C20261130005:complete"]
    pkg, files, _ = _package(env, "C20261130005")
    assert pkg.status == "complete" and pkg.attempts == 2 and len(files) == 8
    assert not stale.exists()
    bagit.Bag(str(plain_copy(store / "C20261130005", tmp_path / "plain"))).validate()


def test_a_half_package_left_at_the_final_path_is_replaced(env, cases, tmp_path):
    """A process killed after the rename but before the database said complete: the row says building."""
    cases.add("C20261130006")
    with env.db.unit_of_work() as session:
        hall_id = session.execute(select(Package.id)).first()
        from smarthall.org.models import Hall

        hall = session.execute(select(Hall).where(Hall.code == "H-690102")).scalar_one()
        session.add(
            Package(
                case_no="C20261130006",
                hall_id=hall.id,
                hall_code=hall.code,
                region_path=hall.region_path,
                item_code="SC-001",
                status="building",
                attempts=1,
            )
        )
    assert hall_id is None
    leftover = env.settings.data_dir / "archive" / "C20261130006"
    (leftover / "data").mkdir(parents=True)
    (leftover / "data" / "partial.bin").write_bytes(b"half")
    assert archive_service.resume_pending(env.db, env.settings, now=env.clock.now()) == ["C20261130006:complete"]
    assert not (leftover / "data" / "partial.bin").exists()
    bagit.Bag(str(plain_copy(leftover, tmp_path / "plain"))).validate()


def test_a_changed_source_document_is_refused(env, cases):
    source = cases.add("C20261130007")
    source.files[2].path.write_bytes(source.files[2].path.read_bytes() + b"\n%changed")
    cases.finish("C20261130007")
    pkg, _, _ = _package(env, "C20261130007")
    assert pkg.status == "failed" and "acceptance.pdf" in pkg.last_error


def test_disallowed_format_is_reported_as_usability(env, cases, tmp_path):
    odd = tmp_path / "notes.docx"
    odd.write_bytes(b"not a permitted archival format")
    cases.add(
        "C20261130008",
        extra_files=[
            ArchivalFile(
                "material", "notes.docx", odd, "application/msword", hashlib.sha256(odd.read_bytes()).hexdigest()
            )
        ],
    )
    cases.finish("C20261130008")
    _, _, checks = _package(env, "C20261130008")
    findings = checks[0].results["findings"]
    assert not checks[0].ok
    assert {(f["property"], f["file"]) for f in findings} == {("usability", "data/material/notes.docx")}


def test_a_case_of_an_unknown_hall_is_not_archived(env, cases):
    cases.add("C20261130009", hall_code="H-NOPE")
    cases.finish("C20261130009")
    pkg, _, _ = _package(env, "C20261130009")
    assert pkg is None
    assert not (env.settings.data_dir / "archive" / "C20261130009").exists()
    assert archive_service.build_package(env.db, env.settings, "C-UNKNOWN", now=env.clock.now()) == "missing"
