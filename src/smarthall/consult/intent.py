"""Intent and polarity of a question (pure): open vs close, first issue vs replace vs lost, buy vs sell, self vs
family — and the "not this" hints of the knowledge base — used to choose among sibling items.

Siblings share most words (个体工商户设立登记 / 个体工商户注销登记, 社会保障卡申领 / 补领换领), so lexical scores
barely tell them apart; the verb does. Each axis maps a polarity to the plain phrasings that signal it. A question's
polarities come from its text with negated spans removed ("不是注销" does not ask to close); an entry's from its
title and situations. On an axis where both have polarities, a shared one favours the entry and none at all
disfavours it. A "not this" hint whose words all appear in the question demotes its entry and lifts the sibling it
names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

AXES: dict[str, dict[str, tuple[str, ...]]] = {
    "status": {
        "open": (
            "新开",
            "开店",
            "开公司",
            "开个",
            "开家",
            "开一家",
            "想开",
            "成立",
            "设立",
            "创业",
            "注册",
            "新办",
            "开办",
            "摆摊",
            "摆个摊",
            "open",
            "register",
        ),
        "close": (
            "注销",
            "关掉",
            "关门",
            "关店",
            "关了",
            "关张",
            "倒闭",
            "停业",
            "结业",
            "黄了",
            "开不下去",
            "干不下去",
            "不营业",
            "不开了",
            "不干了",
            "不做了",
            "歇业",
            "销户",
            "转出去",
            "收尾",
            "解除",
            "解押",
            "close",
            "不要了",
        ),
    },
    "card": {
        "first": ("第一次", "首次", "没办过", "从来没", "初次", "新生儿", "刚出生", "刚参加工作"),
        "lost": ("丢", "掉了", "被偷", "偷走", "找不到", "遗失", "补办", "补一张", "补卡", "lost", "挂失"),
        "replace": (
            "到期",
            "过期",
            "快满",
            "满六年",
            "满十年",
            "换新",
            "换一张",
            "换证",
            "坏了",
            "损坏",
            "刷不",
            "写错",
            "expir",
            "有效期满",
        ),
    },
    "trade": {
        "buy": ("买了", "买房", "买二手", "购房", "买的", "想买", "buy"),
        "sell": ("卖给", "卖房", "卖了", "出售", "卖掉", "sell"),
    },
    # What the asker wants from the hall: money (a benefit, an allowance) or someone to come to them.
    "need": {
        "money": ("补贴", "补助", "津贴", "救助金", "抚恤金", "领钱", "有钱拿", "给钱", "发钱", "一笔钱", "subsidy"),
        "visit": ("上门", "到家里", "来家里", "派人", "到家办", "家里办"),
    },
    # Medical costs abroad in the province: register before going (备案) or claim back what one paid (报销).
    "claim": {
        "claim": (
            "报销",
            "报掉",
            "回来报",
            "回来怎么报",
            "垫付",
            "垫了",
            "自己付",
            "自己掏",
            "自费",
            "没有直接结算",
            "reimburse",
        ),
        "register": ("备案", "要去外地", "准备去外地", "去之前"),
    },
    "who": {
        "family": (
            "我爸",
            "我妈",
            "父亲",
            "母亲",
            "老人",
            "奶奶",
            "爷爷",
            "外婆",
            "外公",
            "老伴",
            "丈夫",
            "老公",
            "妻子",
            "家属",
            "家人",
            "孩子",
            "儿子",
            "女儿",
            "宝宝",
        ),
    },
}
# The axes that choose among siblings; "who" is recognised (and reported) but no entry declares it.
SIBLING_AXES = ("status", "card", "trade", "need", "claim")
NEGATION = re.compile(r"(不是|而不是|并非|不用|不想)[^,。,.;;!!??]*")
FAVOUR = 1.25
DISFAVOUR = 0.5
NOT_THIS = 0.35
SPLIT = re.compile(r"[、,,;;/]|或者|或")


def strip_negated(text: str) -> str:
    """The text without its negated spans ("我要新开公司,不是注销" → "我要新开公司,")."""
    return NEGATION.sub("", text)


# "Not wanting to open / run it any more" says to close: read before the negated spans are dropped ("我的店不想开了"
# would otherwise lose its only polarity, and "不想" is a negation everywhere else).
CLOSE_BY_NEGATION = re.compile(r"(不想|不打算|不准备|不再|不)再?(开|干|做|营业|经营)(了|下去)")


# Opening a place of business said with its object ("开餐馆", "开个早餐店", "开一家公司"): the verb 开 alone is too
# common (开证明, 开车, 开发票) to say "open", followed by a kind of business it does.
OPEN_BY_OBJECT = re.compile(
    r"开(一|个|家|间|了)*(小)?[\u4e00-\u9fff]{0,4}?(店|馆|铺|餐|饭庄|超市|公司|厂|作坊|工作室|诊所|旅社|宾馆|酒店|网吧)"
)
# The status axis is what OPEN_BY_OBJECT adds to; it is not read in these (开证明, 开户 are not businesses).
_NOT_A_BUSINESS = ("证明", "发票", "户", "车", "会", "药", "门")


def polarities(text: str) -> dict[str, frozenset[str]]:
    low = text.lower()
    out: dict[str, frozenset[str]] = {}
    for axis, poles in AXES.items():
        found = frozenset(pole for pole, words in poles.items() if any(w in low for w in words))
        if found:
            out[axis] = found
    if any(not any(w in m.group(0) for w in _NOT_A_BUSINESS) for m in OPEN_BY_OBJECT.finditer(low)):
        out["status"] = out.get("status", frozenset()) | {"open"}
    return out


def question_polarities(question: str) -> dict[str, frozenset[str]]:
    out = polarities(strip_negated(question))
    if CLOSE_BY_NEGATION.search(question):
        out["status"] = out.get("status", frozenset()) | {"close"}
    return out


def entry_polarities(title: str, situations: Iterable[str]) -> dict[str, frozenset[str]]:
    """An entry's polarities: from its title when the title names one (注销, 补领), else from its situations."""
    own = polarities(title)
    for axis, poles in polarities(" ".join(situations)).items():
        own.setdefault(axis, poles)
    return {axis: poles for axis, poles in own.items() if axis in SIBLING_AXES}


def polarity_factor(asked: Mapping[str, frozenset[str]], entry: Mapping[str, frozenset[str]]) -> float:
    factor = 1.0
    for axis, poles in entry.items():
        want = asked.get(axis)
        if not want:
            continue
        factor *= FAVOUR if want & poles else DISFAVOUR
    return factor


def hint_phrases(when: str) -> list[str]:
    """The alternatives of one "not this" hint ("公司不开了、关门" → ["公司不开了", "关门"])."""
    return [p.strip() for p in SPLIT.split(when) if p.strip()]
