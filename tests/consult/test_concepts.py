"""The concept lexicon (smarthall/data/consult_concepts.json): life events said without the item's words map to
the catalog words that name them; a concept follows the catalog; the longest phrase wins; numerals are never a
homophone repair."""

from __future__ import annotations

from typing import Any

import pytest

from smarthall.consult import concepts, qa
from tests.consult.helpers import demo_docs


@pytest.fixture(scope="module")
def index() -> qa.Index:
    return qa.Index(demo_docs())


def test_the_packaged_lexicon_loads_and_every_concept_names_catalog_words(index: qa.Index) -> None:
    shipped = concepts.packaged()
    assert len(shipped) >= 20
    kept = {c.name for c, _ in index.concepts}
    # Written for this catalog: every concept keeps at least one word the demo knowledge base has.
    assert kept == {c.name for c in shipped}


def test_a_concept_whose_words_the_catalog_lacks_adds_nothing() -> None:
    made_up = concepts.parse({"concepts": [{"name": "x", "says": ["看不见"], "means": ["不存在的词汇甲乙"]}]})
    plain = qa.Index(demo_docs(), concepts=made_up)
    assert plain.concepts == []
    assert plain.ask("我眼睛看不见了").tokens == qa.Index(demo_docs(), concepts=()).ask("我眼睛看不见了").tokens


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("我妈眼睛失明好几年了,能办个什么证", "CL-001"),
        ("家里老爷子今年九十一了,政府是不是每月给点钱", "MZ-002"),
        ("老爷子 93岁了,有没有钱领", "MZ-002"),
        ("丈夫得了尿毒症,每周都要去医院", "YB-003"),
        ("想在菜市场门口卖卤菜熟食", "SC-004"),
        ("公司要在开发区建厂房,开工前", "ZJ-001"),
    ],
)
def test_a_life_event_without_the_items_words_finds_the_item(index: qa.Index, question: str, item: str) -> None:
    answer = index.ask(question)
    assert answer.hits and answer.hits[0].doc.item_code == item, [h.doc.key for h in answer.hits[:3]]


def test_the_longest_phrase_wins(index: qa.Index) -> None:
    # "没有直接结算" (paid oneself, claim afterwards) is not also "直接结算" (settle elsewhere, register first).
    said = index._concepts_said("出院时没有直接结算", "出院时没有直接结算", ["出院", "直接", "结算"])
    words = {w for means in said.values() for w in means}
    assert "零星" in words and "异地就医" not in words


def test_a_numeral_is_never_a_homophone_repair(index: qa.Index) -> None:
    # 我爸是 sounds like 我八十; the old-age concept must not hear an age in it.
    assert "八十" not in index.normaliser.normalise("我爸是退休工人")


def test_the_ask_api_answers_a_life_event(client: Any) -> None:
    r = client.post(
        "/api/v1/consult/ask", json={"question": "孩子查出来有智力障碍,能领什么补贴", "hall_code": "H-690102"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answers"][0]["item_code"] in {"CL-001", "MZ-005"}, body["answers"][:2]
    # Answered, or (when the lexical and dense sides put different items first) asked back between the two.
    if not body["confident"]:
        choices = {c["item_code"] for c in body["clarify"]["choices"]}
        assert choices & {"CL-001", "MZ-005"} and len(choices) >= 2, body["clarify"]


def test_numbers_are_ages_or_holidays_only_in_their_own_phrasing() -> None:
    by_name = {c.name: c for c in concepts.packaged()}
    assert by_name["old_age"].said_in("我奶奶八十五了") and by_name["old_age"].said_in("老爷子 93岁了")
    assert not by_name["old_age"].said_in("办证花了一百八十元") and not by_name["old_age"].said_in("180岁")
    assert not by_name["holiday"].said_in("上午十一点到") and by_name["holiday"].said_in("十一放假开门吗")


def test_an_answer_found_by_inference_is_shown_with_doubt(index: qa.Index) -> None:
    answer = index.ask("身份证快到期了,提前多久可以换")
    assert answer.confident and answer.features["inferred"] == 0.0 and not qa.unsure(answer, qa.THRESHOLD)
    # The same answer, had most of the question been covered only through a concept, says it is not sure.
    inferred = qa.Answer(**{**answer.__dict__, "features": {**answer.features, "inferred": qa.INFERRED_DOUBT}})
    assert qa.unsure(inferred, qa.THRESHOLD)
    # A hand-over is never "unsure": it is not an answer.
    assert not qa.unsure(qa.Answer(**{**answer.__dict__, "confident": False}), qa.THRESHOLD)
