"""Issue 16 item 6: every result document kind is fit to issue — rendered with pdftoppm, its text extracted with
pdftotext and its QR code decoded from the rendered page (zxing-cpp): the full data of its kind, the applicant's
full name, an absolute verification URL, and the seal's text inside its circle clear of the star."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from smarthall.licences import pdf as pdf_mod
from smarthall.licences.service import DocumentDesk
from tests.cases.helpers import act, li_ming, sc003
from tests.cases.test_decide_seeing import submit_with_pdf
from tests.conftest import auth

SHOTS = Path("/tmp/journeys2-shots")


def _read(client: Any, headers: dict[str, str], doc: dict[str, Any], tmp_path: Path) -> tuple[str, str, Path]:
    """(text, decoded QR, PNG of page 1) of a case document."""
    import zxingcpp

    response = client.get(doc["download_path"], headers=headers)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = tmp_path / f"{doc['kind']}.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    stem = tmp_path / doc["kind"]
    subprocess.run(["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", str(pdf), str(stem)], check=True)  # noqa: S603,S607
    png = next(tmp_path.glob(f"{doc['kind']}*.png"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"doc-{doc['doc_no'][-8:]}.png").write_bytes(png.read_bytes())
    with Image.open(png) as image:
        codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1, f"one QR on the {doc['kind']}"
    return text, codes[0].text, png


def _docs(client: Any, headers: dict[str, str], case_no: str) -> dict[str, dict[str, Any]]:
    case = client.get(f"/api/v1/cases/{case_no}", headers=headers).json()
    return {d["kind"]: d for d in case["documents"]}


def _absolute(url: str, doc: dict[str, Any]) -> None:
    assert url.startswith("http://testserver/verify/") and url.endswith(doc["verify_path"]), url


def test_every_kind_carries_its_data_and_an_absolute_qr(client: Any, tmp_path: Path) -> None:
    citizen, clerk, approver = li_ming(client), auth(client, "clerk1"), auth(client, "approver1")
    # 补正 → resubmit → 受理 → 准予: supplement notice, acceptance notice, business licence
    case_no = submit_with_pdf(client, citizen)
    assert (
        act(client, clerk, case_no, "supplement", missing=[{"label": "股东会决议", "reason": "请补交"}]).status_code
        == 200
    )
    assert act(client, citizen, case_no, "resubmit").status_code == 200
    assert act(client, clerk, case_no, "accept").status_code == 200
    assert act(client, approver, case_no, "approve", note="同意设立").status_code == 200
    docs = _docs(client, citizen, case_no)
    seen: dict[str, str] = {}
    for kind in ("supplement", "acceptance", "licence"):
        text, url, _ = _read(client, citizen, docs[kind], tmp_path)
        _absolute(url, docs[kind])
        seen[kind] = text
    assert "股东会决议:请补交" in seen["supplement"] and "李明" in seen["supplement"]
    assert "受理通知书" in seen["acceptance"] and "李明" in seen["acceptance"] and "李*" not in seen["acceptance"]
    licence = seen["licence"]
    expected = [
        "营业执照",
        "名称:云澜示例科技有限公司",
        "统一社会信用代码:91",
        "类型:有限责任公司",
        "法定代表人:",
        "住所:江安省云澜市澜湖区锦江大道2号",
        "经营范围:软件开发",
        "成立日期:2026-11-30",
        "登记机关:澜湖区市场监督管理局",
    ]
    for words in expected:
        assert words in licence, words
    # 不予受理 and 不予许可: the decision, the opinion, the legal basis and the appeal route
    refused_no = submit_with_pdf(client, citizen)
    assert act(client, clerk, refused_no, "refuse", note="不属于本机关职权范围").status_code == 200
    rejected_no = submit_with_pdf(client, citizen)
    assert act(client, clerk, rejected_no, "accept").status_code == 200
    assert act(client, approver, rejected_no, "reject", note="名称与在先登记重复").status_code == 200
    letters = [
        (refused_no, "refusal", "不予受理决定书", "不属于本机关职权范围"),
        (rejected_no, "decision", "不予行政许可决定书", "名称与在先登记重复"),
    ]
    for number, kind, title, opinion in letters:
        doc = _docs(client, citizen, number)[kind]
        text, url, _ = _read(client, citizen, doc, tmp_path)
        _absolute(url, doc)
        for words in (title, "决定:" + title[:-3], "李明", f"审批意见:{opinion}", "法律依据", "救济途径", "行政复议"):
            assert words in text, (kind, words)


def test_an_individual_business_licence_names_its_operator(client: Any, tmp_path: Path) -> None:
    """SC-003 (instant 注销) issues a result record; its letter names the applicant in full with basis and appeal."""
    citizen = li_ming(client)
    case_no = sc003(client, citizen)["case_no"]
    doc = _docs(client, citizen, case_no)["licence"]
    text, url, _ = _read(client, citizen, doc, tmp_path)
    _absolute(url, doc)
    for words in ("李明", "准予(秒批自动审批)", "法律依据", "救济途径"):
        assert words in text, words


def test_the_public_base_url_wins_over_the_request_host() -> None:
    desk = DocumentDesk(signer=None, documents_dir=Path("/tmp"), public_base_url="https://hall.example.cn/")  # type: ignore[arg-type]
    assert desk.verify_url("abc") == "https://hall.example.cn/verify/abc"


@pytest.mark.parametrize(
    "issuer", ["云澜市澜湖区政务服务中心", "江安省云澜市澜湖区人民政府政务服务中心", "市民中心", "中心"]
)
def test_the_seal_text_stays_inside_its_circle_and_clear_of_the_star(issuer: str) -> None:
    cx, cy, r = 150.0, 200.0, 21.0
    glyphs = pdf_mod.seal_layout(issuer, cx, cy, r)
    assert "".join(g.char for g in glyphs) == issuer
    for g in glyphs:
        distance = math.hypot(g.x - cx, g.y - cy)  # the box is tangent: its outer corners are the farthest
        assert math.hypot(distance + g.size / 2, g.size / 2) <= r - 2.0, "inside the inner ring"
        assert distance - g.size / 2 > pdf_mod.STAR_RADIUS + 1, "clear of the star"
    for a, b in zip(glyphs, glyphs[1:], strict=False):
        assert math.hypot(a.x - b.x, a.y - b.y) >= a.size, "characters do not overlap"
