"""OCR through the real HTTP API: an ID card or licence photo becomes prefill suggestions named by the item's form
fields. The degrade path (no engine, or switched off) is tested always: 503 ``ocr_unavailable`` and /healthz says
so; the real engine only when ``rapidocr_onnxruntime`` (the ``ocr`` extra) is importable. Not-an-image and the
wrong role are refused before any engine runs."""

from __future__ import annotations

import importlib.util
import io
from typing import Any

import pytest

from smarthall.ocr.fields import credit_code_valid, id_number_valid, read_fields
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_problem

HAVE_ENGINE = importlib.util.find_spec("rapidocr_onnxruntime") is not None


def _with_check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


ID_NUMBER = _with_check_digit("69010219900307123")


def card_image(env: Any, lines: list[str], *, fmt: str = "PNG") -> bytes:
    """A generated ID-card-like image: black text on a light card, in the platform's CJK font."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = env.settings.font_path()
    if font_path is None:
        pytest.skip("no CJK font on this machine")
    font = ImageFont.truetype(str(font_path), 34)
    img = Image.new("RGB", (900, 80 + 64 * len(lines)), (236, 240, 244))
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((40, 40 + 64 * i), text, font=font, fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def post(client: Any, headers: dict[str, str], data: bytes, *, name: str = "card.png", item: str | None = "GA-001"):
    params = {"item_code": item} if item else {}
    return client.post("/api/v1/ocr/read", headers=headers, params=params, files={"file": (name, data, "image/png")})


def test_fields_are_read_from_lines_and_misread_codes_left_out():
    assert id_number_valid(ID_NUMBER) and not id_number_valid(ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1"))
    lines = [("姓名 李明", 0.98), ("性别 男 民族 汉", 0.95), ("住址", 0.9), ("江安省云澜市澜湖区锦江大道2号", 0.91),
             (f"公民身份号码 {ID_NUMBER}", 0.97), ("有效期限 2016.03.07-2036.03.07", 0.93)]  # fmt: skip
    got = {s.field: s.value for s in read_fields(lines)}
    assert got["name"] == "李明" and got["id_number"] == ID_NUMBER
    assert got["address"] == "江安省云澜市澜湖区锦江大道2号" and got["validity"] == "2016-03-07/2036-03-07"
    misread = ID_NUMBER[:5] + str((int(ID_NUMBER[5]) + 1) % 10) + ID_NUMBER[6:]
    assert "id_number" not in {s.field for s in read_fields([(f"公民身份号码 {misread}", 0.6)])}
    assert credit_code_valid("91350100M000100Y43") and not credit_code_valid("91350100M000100Y44")
    licence = [("营业执照", 0.99), ("统一社会信用代码 91350100M000100Y43", 0.95), ("名称 云澜示例科技有限公司", 0.9),
               ("法定代表人 李明", 0.9)]  # fmt: skip
    got = {s.field: s.value for s in read_fields(licence)}
    assert got == {"credit_code": "91350100M000100Y43", "company_name": "云澜示例科技有限公司", "legal_person": "李明"}


def test_without_the_engine_the_answer_is_a_clear_unavailable_and_healthz_says_so(client, env):
    env.settings.ocr_enabled = False
    citizen = auth(client, DEMO_CITIZEN_ID)
    image = card_image(env, ["姓名 李明"])
    body = assert_problem(post(client, citizen, image), 503, "ocr_unavailable")
    assert "手工填写" in body["message_zh"]
    report = client.get("/healthz").json()["features"]["ocr"]
    assert report["available"] is False and report["enabled"] is False and report["extra"] == "ocr"
    env.settings.ocr_enabled = True
    report = client.get("/healthz").json()["features"]["ocr"]
    assert report["available"] is HAVE_ENGINE and report["installed"] is HAVE_ENGINE
    if not HAVE_ENGINE:
        assert_problem(post(client, citizen, image), 503, "ocr_unavailable")
    payment = client.get("/healthz").json()["features"]["payment"]
    assert payment["available"] is True and payment["provider"] == "demo"


def test_not_an_image_and_the_wrong_role_are_refused_before_any_engine(client, env):
    citizen = auth(client, DEMO_CITIZEN_ID)
    assert_problem(post(client, citizen, b"%PDF-1.4 not an image"), 422, "ocr_not_an_image")
    truncated = card_image(env, ["姓名 李明"])[:120]
    assert_problem(post(client, citizen, truncated), 422, "ocr_not_an_image")
    assert_problem(post(client, auth(client, "auditor1"), card_image(env, ["x"])), 403, "forbidden_role")
    assert_problem(post(client, auth(client, "approver1"), card_image(env, ["x"])), 403, "forbidden_role")
    assert_problem(post(client, {}, card_image(env, ["x"])), 401, "unauthorized")


@pytest.mark.skipif(not HAVE_ENGINE, reason="the ocr extra (rapidocr-onnxruntime) is not installed")
def test_the_engine_reads_a_generated_id_card_into_the_items_form_fields(client, env):
    image = card_image(
        env, ["居民身份证", "姓名 李明", "住址 江安省云澜市澜湖区锦江大道2号", f"公民身份号码 {ID_NUMBER}"]
    )
    response = post(client, auth(client, "clerk1"), image)
    assert response.status_code == 200, response.text
    body = response.json()
    by_field = {s["field"]: s for s in body["suggestions"]}
    assert by_field["id_number"]["value"] == ID_NUMBER and by_field["id_number"]["form_field"] == "id_number"
    assert by_field["name"]["value"] == "李明" and by_field["name"]["form_field"] == "name"
    assert body["engine"] == "rapidocr-onnxruntime" and body["lines_read"] >= 3
    jpeg = card_image(env, ["姓名 李明", f"公民身份号码 {ID_NUMBER}"], fmt="JPEG")
    got = post(client, auth(client, DEMO_CITIZEN_ID), jpeg, name="card.jpg", item=None)
    assert got.status_code == 200, got.text
    read = {s["field"]: s for s in got.json()["suggestions"]}
    assert read["id_number"]["value"] == ID_NUMBER and read["id_number"]["form_field"] is None  # no item: no field


@pytest.mark.skipif(not HAVE_ENGINE, reason="the ocr extra (rapidocr-onnxruntime) is not installed")
def test_the_engine_reads_a_card_photographed_askew_with_labels_apart_and_the_address_over_two_lines(client, env):
    """The layout of bench/ocr's cards: small labels and larger values in separate boxes, the address wrapped,
    the photo turned by 7 degrees. Before the rows were built from the boxes' geometry the name came out as
    "性别" and the address as its first line."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = env.settings.font_path()
    if font_path is None:
        pytest.skip("no CJK font on this machine")
    label, value = ImageFont.truetype(str(font_path), 24), ImageFont.truetype(str(font_path), 30)
    img = Image.new("RGB", (856, 540), (232, 238, 236))
    draw = ImageDraw.Draw(img)
    for y, (lab, val) in zip((50, 110, 230), (("姓 名", "王芳"), ("性 别", "女"), ("住 址", "江安省云澜市澜湖区锦江")),
                             strict=True):  # fmt: skip
        draw.text((60, y), lab, font=label, fill=(40, 90, 150))
        draw.text((160, y - 4), val, font=value, fill=(20, 20, 20))
    draw.text((160, 270), "大道2号11栋203室", font=value, fill=(20, 20, 20))
    draw.text((60, 440), "公民身份号码", font=label, fill=(40, 90, 150))
    draw.text((250, 434), ID_NUMBER, font=ImageFont.truetype(str(font_path), 34), fill=(20, 20, 20))
    out = io.BytesIO()
    img.rotate(7, expand=True, fillcolor=(120, 120, 120)).save(out, format="JPEG", quality=90)
    response = post(client, auth(client, "clerk1"), out.getvalue(), name="card.jpg")
    assert response.status_code == 200, response.text
    got = {s["field"]: s["value"] for s in response.json()["suggestions"]}
    assert got == {"name": "王芳", "address": "江安省云澜市澜湖区锦江大道2号11栋203室", "id_number": ID_NUMBER}
