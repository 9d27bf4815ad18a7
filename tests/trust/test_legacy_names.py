"""Issue 12 leftover: documents rendered, and archive packages built, before files were named by kind and id kept
``<doc_no>.pdf`` (a result's number is the holder's licence number) on disk and in the bag. ``smarthall files
rename-legacy`` renames both; verification by QR token, the citizen's download and the archive checks still work."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from smarthall.archive import renaming
from smarthall.archive.models import Package, PackageFile
from smarthall.core import crypto
from smarthall.licences.models import Document
from tests.trust.test_files_at_rest import _cli
from tests.trust.test_personal_data_at_rest import _journey


def _documents(env) -> list[Document]:
    with env.db.unit_of_work(write=False) as session:
        found = list(session.execute(select(Document).where(Document.status == "valid")).scalars())
        session.expunge_all()
    return found


def _make_legacy(env) -> tuple[list[Document], list[str]]:
    """Put every document and archive entry back under its number, as releases before 0030_licseal wrote them."""
    documents = _documents(env)
    for d in documents:
        old = Path(d.path).with_name(f"{d.doc_no}.pdf")
        crypto.write_sealed(old, crypto.read_plain(Path(d.path)))
        Path(d.path).unlink()
        with env.db.unit_of_work() as session:
            session.get(Document, d.id).path = str(old)
    by_name = {f"{d.kind}-{d.id}.pdf": d.doc_no for d in documents}
    with env.db.unit_of_work(write=False) as session:
        packages = list(session.execute(select(Package.case_no).where(Package.status == "complete")).scalars())
        entries = list(session.execute(select(PackageFile.package_id, PackageFile.name)).all())
    assert packages and entries
    for case_no in packages:
        with env.db.unit_of_work(write=False) as session:
            pkg_id = session.execute(select(Package.id).where(Package.case_no == case_no)).scalar_one()
        mapping = {}
        for package_id, name in entries:
            folder, _, base = name.rpartition("/")
            if package_id == pkg_id and base in by_name:
                mapping[name] = f"{folder}/{by_name[base]}.pdf"
        if mapping:
            renaming.rename_in_package(env.db, env.settings, case_no, mapping, now=env.clock.now())
    return documents, packages


def _names_on_disk(env) -> list[str]:
    return [p.relative_to(env.settings.data_dir).as_posix() for p in Path(env.settings.data_dir).rglob("*")]


def test_legacy_number_named_files_are_renamed_and_still_verify(env, client):
    _journey(client)
    documents, packages = _make_legacy(env)
    numbers = [d.doc_no for d in documents]
    assert any(n in name for n in numbers for name in _names_on_disk(env)), "the legacy state names numbers"
    assert _cli(env, "archive", "verify", "--all").exit_code == 0  # the legacy bags themselves are sound

    renamed = _cli(env, "files", "rename-legacy")
    assert renamed.exit_code == 0, renamed.output
    assert f"documents: renamed {len(documents)}," in renamed.output
    assert "archive packages: renamed 0," not in renamed.output

    # no file and no bag entry is named by a number any more, on disk or in the database
    assert not [name for name in _names_on_disk(env) if any(n in name for n in numbers)]
    with env.db.unit_of_work(write=False) as session:
        entry_names = list(session.execute(select(PackageFile.name)).scalars())
        paths = {d.id: d.path for d in session.execute(select(Document)).scalars()}
    assert not [name for name in entry_names if any(n in name for n in numbers)]
    for d in documents:
        assert Path(paths[d.id]).name == f"{d.kind}-{d.id}.pdf" and crypto.is_sealed(Path(paths[d.id]))
        plain = crypto.read_plain(Path(paths[d.id]))
        assert hashlib.sha256(plain).hexdigest() == d.sha256
        token = d.token
        assert client.post(f"/api/v1/verify/{token}", content=plain).json() == {"valid": True, "reason": "ok"}
        assert 'data-reason="ok"' in client.get(f"/verify/{token}").text or client.get(f"/verify/{token}").is_success

    # the packages pass the four-property checks (manifests, metadata and signatures name the new files)
    verified = _cli(env, "archive", "verify", "--all")
    assert verified.exit_code == 0, verified.output
    again = _cli(env, "files", "rename-legacy")
    assert again.exit_code == 0 and "documents: renamed 0," in again.output, again.output
    assert "archive packages: renamed 0," in again.output
