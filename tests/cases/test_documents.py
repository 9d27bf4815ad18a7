"""Result documents: embedded CJK font, QR to the public verification page, tamper detection, revocation."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from smarthall.licences.models import Document
from tests.cases.helpers import li_ming, refused, sc003
from tests.conftest import auth


def _result(client: Any, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    case_no = sc003(client, headers)["case_no"]
    case = client.get(f"/api/v1/cases/{case_no}", headers=headers).json()
    return case_no, next(d for d in case["documents"] if d["kind"] == "licence")


def test_pdf_embeds_the_cjk_font_and_downloads_only_for_holder_and_staff(client: Any, env: Any, tmp_path: Path) -> None:
    headers = li_ming(client)
    _, doc = _result(client, headers)
    r = client.get(doc["download_path"], headers=headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "result.pdf"
    pdf.write_bytes(r.content)
    assert shutil.which("pdffonts"), "poppler-utils is required"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    line = next(row for row in fonts.splitlines() if "NotoSansCJK" in row)
    assert " yes " in line  # embedded (subset)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    assert "个体工商户注销登记" in text
    refused(client.get(doc["download_path"]), 401, "unauthorized")
    assert client.get(doc["download_path"], headers=auth(client, "clerk1")).status_code == 200
    from tests.factories import register_citizen

    _, other = register_citizen(client)
    refused(client.get(doc["download_path"], headers=other), 404, "document_not_found")


def test_public_verification_valid_tampered_token_tampered_pdf_revoked(client: Any, env: Any) -> None:
    headers = li_ming(client)
    _, doc = _result(client, headers)
    token = doc["verify_path"].rsplit("/", 1)[1]
    page = client.get(doc["verify_path"])
    assert page.status_code == 200 and 'data-valid="true"' in page.text
    bad = client.get(f"/verify/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}")
    assert bad.status_code == 200 and 'data-valid="false"' in bad.text
    original = client.get(doc["download_path"], headers=headers).content
    assert client.post(f"/api/v1/verify/{token}", content=original).json() == {"valid": True, "reason": "ok"}
    tampered = original.replace(b"/Title", b"/Titl3", 1)
    assert client.post(f"/api/v1/verify/{token}", content=tampered).json()["reason"] == "tampered"
    # a key field changed in the database breaks the signature
    with env.db.unit_of_work() as session:
        row = session.execute(select(Document).where(Document.token == token)).scalar_one()
        row.signed_fields = {**row.signed_fields, "decision": "approved-forged"}
    assert 'data-reason="signature"' in client.get(doc["verify_path"]).text
    with env.db.unit_of_work() as session:
        row = session.execute(select(Document).where(Document.token == token)).scalar_one()
        row.status = "revoked"
    assert 'data-reason="revoked"' in client.get(doc["verify_path"]).text


def test_pdf_qr_points_to_the_verify_page(client: Any, tmp_path: Path) -> None:
    headers = li_ming(client)
    _, doc = _result(client, headers)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(client.get(doc["download_path"], headers=headers).content)
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    assert len([row for row in images.splitlines()[2:] if row.strip()]) >= 1


def test_sealed_licence_numbers_wallet_lists_them_masked_and_verification_still_shows_them(
    client: Any, env: Any
) -> None:
    """Licence and document numbers are sealed at rest (issue 12): through HTTP the wallet still lists each licence
    (number masked, the full one only on the holder's own wallet page), the issued licence verifies by its QR token
    and shows its number, and no two licences can share a number (the blind index is unique)."""
    from sqlalchemy.exc import IntegrityError

    from smarthall.core.masking import mask_licence_number
    from smarthall.licences import service as licence_service
    from smarthall.licences.models import Licence

    headers = li_ming(client)
    case_no, doc = _result(client, headers)
    wallet = client.get("/api/v1/me/licences", headers=headers).json()
    [issued] = [w for w in wallet if w["case_no"] == case_no]
    assert issued["number_masked"] == mask_licence_number(doc["doc_no"]) != doc["doc_no"]
    assert "number" not in issued and not any(doc["doc_no"] in str(w) for w in wallet)
    assert "CJR*************0415" in {w["number_masked"] for w in wallet}  # the demo disability certificate
    page = client.get("/me/licences", headers=headers)
    assert page.status_code == 200 and issued["number_masked"] in page.text
    assert 'data-testid="licence-number-full"' in page.text and doc["doc_no"] in page.text  # the holder's own page
    home = client.get("/", headers=headers)  # the citizen's errands list
    assert home.status_code == 200 and "errand-licence" in home.text and doc["doc_no"] not in home.text
    verified = client.get(doc["verify_path"])
    assert 'data-valid="true"' in verified.text and doc["doc_no"] in verified.text
    with env.db.unit_of_work(write=False) as session:
        row = session.execute(select(Licence).where(Licence.case_no == case_no)).scalar_one()
        assert row.number == doc["doc_no"] and row.number_index == licence_service.number_index(doc["doc_no"])
        assert licence_service.number_taken(session, doc["doc_no"]) and licence_service.number_taken(
            session, f" {doc['doc_no']} "
        )
        citizen_id = row.citizen_id
    try:
        with env.db.unit_of_work() as session:
            licence_service.add_licence(
                session, citizen_id=citizen_id, type_="残疾人证", number="CJR-690102-2024-0415", fields={},
                issued_on=row.issued_on, valid_until=None,
            )  # fmt: skip
        raise AssertionError("a second licence with the same number was stored")
    except IntegrityError:
        pass
