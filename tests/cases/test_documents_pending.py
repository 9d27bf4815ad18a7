"""Documents are rendered after the decision's commit (issue 19, "slow writes never slow the hall"): the decision, the
pending document and its outbox entry commit together; the PDF is rendered outside the write transaction and
attached in a short one of its own. A rendering that fails leaves the decision standing and the certificate
"being prepared" (page, download, verification, archive all say so) until the sweep renders it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from smarthall.archive import service as archive_service
from smarthall.core.masking import mask_licence_number
from smarthall.licences import service as licence_service
from smarthall.licences.models import Document, PendingDocument
from tests.cases.helpers import li_ming, refused, sc003


def _desk(env: Any) -> licence_service.DocumentDesk:
    return licence_service.DocumentDesk.from_settings(env.settings, env.app.state.signer)


def _outbox(env: Any) -> list[PendingDocument]:
    with env.db.unit_of_work(write=False) as session:
        rows = list(session.execute(select(PendingDocument)).scalars())
        session.expunge_all()
    return rows


def test_a_failed_rendering_leaves_the_decision_and_a_certificate_being_prepared(
    client: Any, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = li_ming(client)

    def broken(*_: Any, **__: Any) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(licence_service, "render", broken)
    case_no = sc003(client, headers)["case_no"]  # 201: the decision stands although its PDF could not be made
    case = client.get(f"/api/v1/cases/{case_no}", headers=headers).json()
    assert case["status"] in ("approved", "delivered"), case["status"]
    doc = next(d for d in case["documents"] if d["kind"] == "licence")
    assert doc["status"] == "pending"
    [entry] = [e for e in _outbox(env) if e.document_id == doc["document_id"]]
    assert entry.attempts == 1 and "disk full" in entry.last_error
    refused(client.get(doc["download_path"], headers=headers), 409, "document_pending")
    assert 'data-reason="pending"' in client.get(doc["verify_path"]).text
    page = client.get(f"/cases/{case_no}", headers=headers)
    assert page.status_code == 200 and 'data-testid="doc-licence-pending"' in page.text and "证书正在制作" in page.text
    wallet = client.get("/api/v1/me/licences", headers=headers).json()
    # the e-licence is in the wallet already (its number masked in the list)
    assert any(
        w["document_id"] == doc["document_id"] and w["number_masked"] == mask_licence_number(doc["doc_no"])
        for w in wallet
    )
    with pytest.raises(Exception, match="still being rendered"):
        archive_service.build_package(env.db, env.settings, case_no, now=env.clock.now())

    monkeypatch.undo()
    assert licence_service.complete_all_pending(env.db, _desk(env)) >= 1  # the sweep
    assert not [e for e in _outbox(env) if e.document_id == doc["document_id"]]
    r = client.get(doc["download_path"], headers=headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    token = doc["verify_path"].rsplit("/", 1)[1]
    assert client.post(f"/api/v1/verify/{token}", content=r.content).json() == {"valid": True, "reason": "ok"}
    assert archive_service.build_package(env.db, env.settings, case_no, now=env.clock.now()) == "complete"


def test_rendering_is_idempotent_and_never_attaches_twice(
    client: Any, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = li_ming(client)
    real = licence_service.render
    monkeypatch.setattr(licence_service, "render", lambda *_a, **_k: (_ for _ in ()).throw(OSError("busy")))
    case_no = sc003(client, headers)["case_no"]
    monkeypatch.setattr(licence_service, "render", real)
    with env.db.unit_of_work(write=False) as session:
        doc = session.execute(
            select(Document).where(Document.case_no == case_no, Document.kind == "licence")
        ).scalar_one()
        document_id = doc.id
    [entry] = [e for e in _outbox(env) if e.document_id == document_id]
    content = entry.content_json
    desk = _desk(env)
    assert licence_service.complete_pending(env.db, desk, document_id) is True
    assert licence_service.complete_pending(env.db, desk, document_id) is False  # attached already: left as it is
    with env.db.unit_of_work(write=False) as session:
        first = session.get(Document, document_id)
        assert first is not None and first.status == "valid"
        sha, signature, path = first.sha256, first.signature, first.path
    with env.db.unit_of_work() as session:  # a second attempt that renders again (a crash before its attach stood)
        row = session.get(Document, document_id)
        assert row is not None
        row.status = "pending"
        licence_service.DocumentRepository(session).add_pending(document_id, content)
    assert licence_service.complete_pending(env.db, desk, document_id) is True
    with env.db.unit_of_work(write=False) as session:
        again = session.get(Document, document_id)
        assert again is not None and again.status == "valid" and again.path == path
        assert (again.sha256, again.signature) == (sha, signature)  # the same bytes, the same signed record
    assert not [e for e in _outbox(env) if e.document_id == document_id]


def _valid_soon(client: Any, headers: dict[str, str], case_no: str, seconds: float = 90) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + seconds
    while True:
        case = client.get(f"/api/v1/cases/{case_no}", headers=headers).json()
        doc = next(d for d in case["documents"] if d["kind"] == "licence")
        if doc["status"] == "valid" or time.monotonic() > deadline:
            return doc
        time.sleep(0.2)


@pytest.mark.parametrize("mode", ["process", "task"])
def test_documents_are_rendered_away_from_the_request(client: Any, env: Any, mode: str) -> None:
    """``document_rendering`` "process": a child process renders while a background thread waits and attaches;
    "task": the huey task (inline in tests) does. Either way the decision answers first and the PDF verifies."""
    from smarthall.licences import rendering

    env.settings.document_rendering = mode
    headers = li_ming(client)
    try:
        case_no = sc003(client, headers)["case_no"]
        doc = _valid_soon(client, headers, case_no)
    finally:
        rendering.shutdown()
    assert doc["status"] == "valid", doc
    r = client.get(doc["download_path"], headers=headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    token = doc["verify_path"].rsplit("/", 1)[1]
    assert client.post(f"/api/v1/verify/{token}", content=r.content).json() == {"valid": True, "reason": "ok"}
    assert not [e for e in _outbox(env) if e.document_id == doc["document_id"]]
