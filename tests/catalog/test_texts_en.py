"""Issue 16: the catalog's texts in English (format revision 1.5). Beside a fee note, note, material note, a form
field's options, a rule's message, a bundle's description and an FAQ entry, a file may give the English; the import
stores it, the API carries it, and a page read in English says it — an option's value stays the Chinese one the form
submits. A file without them (every file before 1.5) imports as before (``test_names_en`` strips them too)."""

from __future__ import annotations

import json
from typing import Any

from smarthall.cases import precheck, rules
from smarthall.catalog import importer
from smarthall.catalog.filemodel import FormFieldIn, _field_faults
from smarthall.demo import demo_catalog_text
from tests.cases.helpers import li_ming
from tests.web.test_every_page import REF
from tests.web.test_portal import visible_text

HALL = "H-690102"


def test_the_api_carries_the_english_texts(client: Any) -> None:
    item = client.get("/api/v1/items/GA-006").json()
    assert item["fee_note"] == "普通护照每本120元。" and item["fee_note_en"] == "120 yuan per ordinary passport."
    assert item["note_en"].startswith("You can apply at any exit-entry window")
    notes = {m["note"]: m["note_en"] for m in item["materials"] if m["note"]}
    assert notes["未满16周岁申请人提交"] == "For applicants under 16"
    sc001 = client.get("/api/v1/items/SC-001").json()
    kind = next(f for f in sc001["form_fields"] if f["name"] == "enterprise_type")
    assert kind["options"][0] == "有限责任公司" and kind["options_en"][0] == "Limited liability company"
    assert len(kind["options_en"]) == len(kind["options"])


def test_english_pages_say_the_texts_in_english_and_chinese_pages_in_chinese(client: Any) -> None:
    guidance = visible_text(client.get(f"/ask/item/GA-006?hall_code={HALL}&lang=en").text)
    assert "120 yuan per ordinary passport." in guidance and "普通护照每本120元" not in guidance, guidance[:1500]
    citizen = li_ming(client)
    form = client.get(f"/cases/new?item_code=SC-001&hall_code={HALL}&lang=en", headers=citizen).text
    assert '<option value="有限责任公司" >Limited liability company</option>' in form  # the value stays the same
    assert "有限责任公司" not in visible_text(form)
    chinese = client.get(f"/cases/new?item_code=SC-001&hall_code={HALL}&lang=zh", headers=citizen).text
    assert ">有限责任公司</option>" in chinese and "Limited liability company" not in chinese

    client.post("/login", data={"username": "hallmanager1", "password": "smarthall-demo"})
    item = client.get(f"/admin/catalog/items/SC-003?hall_code={HALL}&lang=en").text
    text = visible_text(REF.sub("", item))  # a field's name and prefill source stay only as references
    assert "Taxes must be cleared, or there must be no tax matters" in text, text[:2000]  # a rule's message
    assert "Tax clearance status is one of Taxes cleared, No tax matters" in text  # by its label, in words
    assert "须已完成清税" not in text and "clearance_status" not in text
    assert "I am closing my individual business. How long does deregistration take?" in text  # the item's FAQ
    assert "Individual businesses use the simplified procedure" in text and "个体户不做了" not in text
    client.cookies.clear()


def test_options_en_need_one_english_option_for_each_option() -> None:
    field = FormFieldIn(
        name="sex", label="性别", type="select", required=True, options=["男", "女"], options_en=["Male"]
    )
    assert [fault[0] for fault in _field_faults([field], ("items", 0, "form_fields"))] == [
        ("items", 0, "form_fields", 0, "options_en")
    ]


def test_a_file_with_english_texts_reimports_unchanged(env: Any) -> None:
    """Giving the English texts is content: the demo file (which gives them) imports, and a second import of it
    changes nothing."""
    with env.db.unit_of_work() as session:
        report = importer.import_catalog(session, demo_catalog_text())
    assert not report.changed
    data = json.loads(demo_catalog_text())
    assert all(f["question_en"] and f["answer_en"] for f in data["faq"])  # the demo FAQ in English


class _Item:
    rules = [{"field": "tax_clearance", "op": "in", "value": ["已清税"], "message": "须已完成清税或无涉税事项",
              "message_en": "Taxes must be cleared, or there must be no tax matters"}]  # fmt: skip
    form_fields: list[Any] = []


def test_a_rule_finding_reads_in_english_in_words() -> None:
    """A pre-check finding of a rule says the rule's English message and the outcome in words (not ``fail``);
    without an English message it names the field and the outcome in words."""
    outcome = rules.RuleOutcome(
        "tax_clearance", "in", ["已清税"], "须已完成清税或无涉税事项", "未清税", "verified", "fail"
    )
    decision = rules.Decision(False, [outcome], [])
    [finding] = precheck.rule_findings(decision, _Item())  # type: ignore[arg-type]
    assert finding.message_en == "Taxes must be cleared, or there must be no tax matters (not met)"
    assert finding.message_zh == "须已完成清税或无涉税事项(不符合)"
    [bare] = precheck.rule_findings(decision)
    assert bare.message_en == "Rule on tax_clearance: not met"
