"""The rules the OCR bench (bench/ocr) showed were wrong, on engine-shaped input (no engine needed): a label and
its value in separate boxes, a value font larger than the label's, a photo a few degrees askew, spaced licence
labels ("名", "称"), an address over several lines, and a two-column licence row."""

from __future__ import annotations

import math

from smarthall.ocr.fields import read_fields
from smarthall.ocr.layout import Box, rows, skew

ID_NUMBER = "690102199003071232"


def box(text: str, x: float, y: float, w: float, h: float, angle_deg: float = 0.0) -> Box:
    """A box of ``w`` x ``h`` at (x, y), the whole page turned by ``angle_deg`` about the origin."""
    a = math.radians(angle_deg)

    def turn(px: float, py: float) -> tuple[float, float]:
        return (px * math.cos(a) - py * math.sin(a), px * math.sin(a) + py * math.cos(a))

    return Box([turn(x, y), turn(x + w, y), turn(x + w, y + h), turn(x, y + h)], text, 0.99)


def card(angle: float) -> list[Box]:
    return [
        box("姓名", 60, 52, 60, 28, angle), box("李明", 160, 44, 70, 38, angle),  # the value's font is larger
        box("性别", 60, 112, 60, 28, angle), box("男", 160, 104, 36, 38, angle),
        box("住址", 60, 232, 60, 28, angle), box("江安省云澜市澜湖区锦江", 160, 224, 330, 38, angle),
        box("大道2号11栋203室", 160, 268, 250, 38, angle),
        box("公民身份号码", 60, 442, 150, 28, angle), box(ID_NUMBER, 250, 434, 420, 40, angle),
    ]  # fmt: skip


def test_rows_join_label_and_value_and_undo_the_skew():
    for angle in (0.0, 4.0, -9.0):
        got = [r.text for r in rows(card(angle)[::-1])]  # the engine's box order does not matter
        assert got == ["姓名 李明", "性别 男", "住址 江安省云澜市澜湖区锦江", "大道2号11栋203室",
                       f"公民身份号码 {ID_NUMBER}"], angle  # fmt: skip
        assert abs(math.degrees(skew(card(angle))) - angle) < 0.5


def test_fields_of_a_card_read_in_rows_with_the_address_over_two_lines():
    lines = [(r.text, r.score) for r in rows(card(6.0))]
    got = {s.field: s.value for s in read_fields(lines)}
    assert got == {"name": "李明", "address": "江安省云澜市澜湖区锦江大道2号11栋203室", "id_number": ID_NUMBER}


def test_a_label_alone_does_not_take_the_next_label_as_its_value():
    got = {s.field: s.value for s in read_fields([("姓名", 0.9), ("性别 女", 0.9), ("民族 汉", 0.9)])}
    assert "name" not in got


def test_spaced_licence_labels_and_a_two_column_row():
    lines = [("名 称 云澜示例科技有限公司 注册资本 100万元整", 0.95), ("类 型 有限责任公司", 0.95),
             ("法定代表人 王芳 成立日期 2015年03月07日", 0.95), ("营业期限 2015年03月07日至长期", 0.95),
             ("住 所 江安省云澜市澜湖区锦江大道2号", 0.95), ("登记机关", 0.9)]  # fmt: skip
    got = {s.field: s.value for s in read_fields(lines)}
    assert got == {"company_name": "云澜示例科技有限公司", "legal_person": "王芳", "validity": "2015-03-07/长期"}
