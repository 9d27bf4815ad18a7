"""Issue 16 item 3 and 8: staff decide seeing — the materials viewer beside the form with the pre-check findings
pinned to their material, the approval opinion kept and printed, a 补正 list naming any material or a free item,
uploads kept after a failed check, and no raw "(draft)" source."""

from __future__ import annotations

import io
import re
import subprocess
from typing import Any

from PIL import Image

from tests.cases.helpers import HALL, PNG_BYTES, act, add_staff, li_ming, prefilled, upload
from tests.cases.helpers import generic_form as sc001_form
from tests.conftest import auth
from tests.factories import assert_problem, assert_refused_page, register_citizen


def real_pdf(pages: int = 2) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=28)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"CHARTER PAGE {n}")
    return bytes(pdf.output())


def real_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 220, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def submit_with_pdf(client: Any, citizen: dict[str, str]) -> str:
    """SC-001 with a two-page PDF for the charter (M02) and nothing for the other required materials."""
    form, _ = prefilled(client, citizen, "SC-001")
    form.update(sc001_form())
    file_id = upload(client, citizen, real_pdf(), "charter.pdf")
    body = {
        "item_code": "SC-001",
        "hall_code": HALL,
        "form": form,
        "materials": [{"material_code": "SC-001-M02", "file_id": file_id}],
    }
    response = client.post("/api/v1/cases", headers=citizen, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["case_no"])


def test_the_clerk_sees_each_material_beside_the_form_with_its_findings(client: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_with_pdf(client, citizen)
    page = client.get(f"/cases/{case_no}", headers=auth(client, "clerk1"))
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="case-desk"' in html and 'data-testid="viewer"' in html
    pages = re.findall(rf'src="(/cases/{case_no}/materials/[0-9a-f]+/pages/\d\.png)"', html)
    assert len(pages) == 2
    # A required material not handed in is listed in the viewer with its finding pinned to it.
    missing = re.search(r'data-testid="material-SC-001-M04".*?</div>\s*</div>', html, re.S)
    assert missing and 'data-testid="pinned-SC-001-M04"' in missing.group(0) and "未提交" in missing.group(0)
    image = client.get(pages[1], headers=auth(client, "clerk1"))
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(image.content)) as png:
        assert png.size[0] > 800 and png.size[1] > png.size[0]  # an A4 page, upright
    # The applicant does not get the staff viewer on their page.
    assert 'data-testid="viewer"' not in client.get(f"/cases/{case_no}", headers=citizen).text


def test_material_images_only_to_those_who_may_read_the_case(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_with_pdf(client, citizen)
    html = client.get(f"/cases/{case_no}", headers=auth(client, "clerk1")).text
    url = re.findall(rf'src="(/cases/{case_no}/materials/[0-9a-f]+/pages/1\.png)"', html)[0]
    assert client.get(url, headers=citizen).status_code == 200  # the applicant sees their own upload
    add_staff(env, username="clerk_far", role="clerk", hall_code="H-690200")
    assert_refused_page(client.get(url, headers=auth(client, "clerk_far")), 403, "out_of_scope")  # another hall's clerk
    assert_refused_page(
        client.get(url, headers=auth(client, "guide1")), 403, "forbidden_role"
    )  # a role that reads no cases
    _, stranger = register_citizen(client)
    assert_refused_page(client.get(url, headers=stranger), 404, "case_not_found")
    assert_refused_page(
        client.get(url.replace("/pages/1.png", "/pages/9.png"), headers=citizen), 404, "material_not_found"
    )
    other_file = upload(client, citizen, real_pdf(1), "other.pdf")  # the citizen's, but not the case's
    assert_refused_page(
        client.get(f"/cases/{case_no}/materials/{other_file}/pages/1.png", headers=citizen), 404, "material_not_found"
    )
    assert client.get(url, follow_redirects=False).status_code in (302, 303, 307)  # anonymous: to the login page


def test_an_image_material_is_shown_as_uploaded(client: Any) -> None:
    citizen = li_ming(client)
    form, _ = prefilled(client, citizen, "GA-002")
    form.update({"loss_reason": "遗失", "need_temp_id": "否", "delivery": "窗口领取"})
    photo = upload(client, citizen, real_png(), "photo.png", "image/png")
    body = {
        "item_code": "GA-002",
        "hall_code": HALL,
        "form": form,
        "materials": [{"material_code": "GA-002-M02", "file_id": photo}],
    }
    response = client.post("/api/v1/cases", headers=citizen, json=body)
    assert response.status_code == 201, response.text
    case_no = response.json()["case_no"]
    html = client.get(f"/cases/{case_no}", headers=auth(client, "clerk1")).text
    src = f"/cases/{case_no}/materials/{photo}/image"
    assert f'src="{src}"' in html
    image = client.get(src, headers=auth(client, "clerk1"))
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content == real_png()
    assert PNG_BYTES  # the helpers' fake PNG stays for upload tests that never open it


def test_the_approval_opinion_is_kept_and_printed_on_the_decision(client: Any, env: Any, tmp_path: Any) -> None:
    citizen = li_ming(client)
    form, _ = prefilled(client, citizen, "YB-005")
    form.setdefault("retirement_date", "2026-01-01")
    form.setdefault("local_years", "20")
    id_card = {"material_code": "YB-005-M01", "file_id": upload(client, citizen, real_pdf(1))}
    body = {"item_code": "YB-005", "hall_code": HALL, "form": form, "materials": [id_card]}
    response = client.post("/api/v1/cases", headers=citizen, json=body)
    assert response.status_code == 201, response.text
    case_no = response.json()["case_no"]
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    add_staff(env, username="approver_yb", role="approver", hall_code=HALL, department_code="YB")
    approver = auth(client, "approver_yb")
    page = client.get(f"/cases/{case_no}", headers=approver)
    assert 'data-testid="approve-form"' in page.text and 'data-testid="note-approve"' in page.text
    done = client.post(
        f"/cases/{case_no}/act", headers=approver, data={"action": "approve", "note": "材料齐全,同意核定"}
    )
    assert done.status_code in (200, 303), done.text
    case = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()
    assert case["status"] in ("approved", "delivered")
    assert any(e["action"] == "approve" and e["note"] == "材料齐全,同意核定" for e in case["timeline"])
    doc = next(d for d in case["documents"] if d["kind"] == "licence")
    text = _pdf_text(client.get(doc["download_path"], headers=citizen).content, tmp_path)
    assert "审批意见:材料齐全,同意核定" in text and "法律依据" in text and "行政复议" in text
    assert "李明" in text and "李*" not in text  # the applicant's own document names them in full


def test_refusal_needs_an_opinion_and_prints_it(client: Any, tmp_path: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_with_pdf(client, citizen)
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    approver = auth(client, "approver1")
    page = client.post(f"/cases/{case_no}/act", headers=approver, data={"action": "reject", "note": ""})
    assert page.status_code == 422 and "请填写理由" in page.text
    client.post(f"/cases/{case_no}/act", headers=approver, data={"action": "reject", "note": "经营范围涉及前置审批"})
    case = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()
    doc = next(d for d in case["documents"] if d["kind"] == "decision")
    text = _pdf_text(client.get(doc["download_path"], headers=citizen).content, tmp_path)
    for words in (
        "不予行政许可决定书",
        "李明",
        "审批意见:经营范围涉及前置审批",
        "法律依据",
        "行政许可法",
        "救济途径",
        "行政复议",
    ):
        assert words in text, words


def test_the_supplement_list_names_any_material_and_free_items(client: Any, tmp_path: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_with_pdf(client, citizen)
    clerk = auth(client, "clerk1")
    html = client.get(f"/cases/{case_no}", headers=clerk).text
    assert 'name="extra_label_1"' in html and 'name="miss_SC-001-M02"' in html
    data = {
        "action": "supplement",
        "miss_SC-001-M02": "on",
        "reason_SC-001-M02": "章程未签字",
        "extra_label_1": "股东会决议",
        "extra_reason_1": "请补交全体股东签字的决议",
    }
    assert client.post(f"/cases/{case_no}/act", headers=clerk, data=data).status_code in (200, 303)
    case = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()
    labels = {m["label"]: m["reason"] for m in case["missing"]}
    assert labels["股东会决议"] == "请补交全体股东签字的决议" and labels["公司章程"] == "章程未签字"
    doc = next(d for d in case["documents"] if d["kind"] == "supplement")
    text = _pdf_text(client.get(doc["download_path"], headers=citizen).content, tmp_path)
    assert "股东会决议:请补交全体股东签字的决议" in text
    # Through the API too: a free item carries its own label.
    r = act(client, clerk, case_no, "supplement", missing=[{"label": "x" * 101, "reason": "r"}])
    assert_problem(r, 422, "validation_error")


def test_attached_files_survive_a_failed_check(client: Any) -> None:
    citizen = li_ming(client)
    pdf = real_pdf(1)
    fields = {"item_code": "SC-001", "hall_code": HALL, "f_company_name": "", "f_enterprise_type": "有限责任公司"}
    page = client.post(
        "/cases/new", headers=citizen, data=fields, files={"m_SC-001-M02": ("charter.pdf", pdf, "application/pdf")}
    )
    assert page.status_code == 422 and 'data-testid="faults"' in page.text
    kept = re.search(r'name="kept_SC-001-M02" value="([0-9a-f]+)" checked', page.text)
    assert kept and "charter.pdf" in page.text
    form, _ = prefilled(client, citizen, "SC-001")
    form.update(sc001_form())
    again = {f"f_{k}": str(v) for k, v in form.items()} | {
        "item_code": "SC-001",
        "hall_code": HALL,
        "kept_SC-001-M02": kept.group(1),
    }
    done = client.post("/cases/new", headers=citizen, data=again, follow_redirects=False)
    assert done.status_code == 303, done.text
    case = client.get(f"/api/v1{done.headers['location']}", headers=citizen).json()
    assert [m["material_code"] for m in case["materials"]] == ["SC-001-M02"]
    # Someone else's file id is not taken as kept.
    _, stranger = register_citizen(client)
    theirs = client.post("/cases/new", headers=stranger, data=again, follow_redirects=False)
    assert theirs.status_code == 303
    other = client.get(f"/api/v1{theirs.headers['location']}", headers=stranger).json()
    assert other["materials"] == []


def test_a_draft_value_says_so_in_words(client: Any) -> None:
    citizen = li_ming(client)
    data = {"item_code": "SC-001", "hall_code": HALL, "f_company_name": "云澜草稿公司", "save_draft": "1"}
    assert client.post("/cases/new", headers=citizen, data=data).status_code == 200
    page = client.get("/cases/new", params={"item_code": "SC-001", "hall_code": HALL}, headers=citizen)
    assert 'data-testid="source-company_name"' in page.text and "(草稿)" in page.text
    assert "(draft)" not in page.text


def _pdf_text(data: bytes, tmp_path: Any) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
