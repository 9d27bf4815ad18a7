"""Question text normalisation and tokenisation for the consultation assistant (智能咨询引导).

Pure module: no database, no network. Turns what a citizen types -- full-width characters, Traditional script,
pinyin abbreviations (``sfz``), English words, homophone typos (``身份正``) -- into the Simplified Chinese words the
knowledge base is written in, then into jieba tokens. The vocabulary that drives the pinyin and typo repair is
built from the knowledge base itself (item names, catalog keywords, material names), plus the small curated
tables below, so that it follows the catalog rather than any evaluation set.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_QUESTION_CHARS = 500
# jieba HMM new-word discovery on questions; HMM=False was tried and was not better on the tuning split.
QUERY_HMM = True

# Function words and politeness that carry no meaning for retrieval (kept short on purpose: words such as
# 多少钱 or 多久 distinguish FAQs of one item and are NOT stop words).
STOPWORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 哦 哈 么 是 在 有 和 与 及 或 就 都 也 还 又 才 把 被 给 让 对 从 到 向 跟 我
    我们 你 您 你们 他 她 它 他们 咱 自己 这 那 这个 那个 这边 那边 这里 那里 哪 哪个 哪里 什么 怎么 怎样
    怎么样 如何 请问 请 问 问下 问一下 一下 下 想 想要 要 需要 能 能不能 可以 可不可以 可否 会 应该 得 该
    去 来 办 办理 弄 搞 做 帮 帮我 一个 个 些 一些 现在 刚 刚刚 已经 然后 但是 可是 因为 所以 如果 的话 那么
    hi hello 你好 您好 谢谢 麻烦 老师 同志 师傅 啥 咋 咋办 怎么办 办法 手续 情况 问题 事 事情 东西
    知道 告诉 了解 一 上 里 中 个人 本人 the a an to of for and i my me how what
    do is can where please want need get 不 没 没有 有没有 不能 能不能 不要
    要不要 是不是 怎么弄 怎么搞 哪办 在哪 哪儿 带 时候 之后 以后 来 用 有人 能用 还能 多 很 挺 太 那种 咋弄
    咋整 整 干嘛 行不行 行 可能 吧 么样 之类 一样 一般
    """.split()
)

# Pinyin abbreviations and spellings people type that the automatic table cannot derive (or derives ambiguously).
CURATED_LATIN: dict[str, str] = {
    "sfz": "身份证",
    "shenfenzheng": "身份证",
    "hkb": "户口本",
    "hukou": "户口",
    "hkou": "户口",
    "sbk": "社保卡",
    "shebaoka": "社保卡",
    "shebao": "社保",
    "yb": "医保",
    "yibao": "医保",
    "ybk": "医保卡",
    "gjj": "公积金",
    "gongjijin": "公积金",
    "yyzz": "营业执照",
    "jsz": "驾驶证",
    "jz": "驾照",
    "hz": "护照",
    "huzhao": "护照",
    "gatxz": "港澳通行证",
    "gatx": "港澳通行证",
    "txz": "通行证",
    "jhz": "结婚证",
    "cjz": "残疾证",
    "cjrz": "残疾人证",
    "bdc": "不动产",
    "fcz": "房产证",
    "cszm": "出生证明",
    "csz": "出生证",
    "ylj": "养老金",
    "txj": "退休金",
    "sybx": "失业保险",
    "syj": "失业金",
    "db": "低保",
    "gzf": "公租房",
    "ydjy": "异地就医",
    "mtb": "慢特病",
    "mbk": "慢病卡",
    "fp": "发票",
    "yjs": "一件事",
    # English words and phrases a citizen may mix in
    "id": "身份证",
    "idcard": "身份证",
    "passport": "护照",
    "visa": "签注",
    "permit": "通行证",
    "hongkong": "香港",
    "hk": "香港",
    "macau": "澳门",
    "macao": "澳门",
    "driver": "驾驶证",
    "driving": "驾驶证",
    "licence": "执照",
    "license": "执照",
    "business": "营业执照",
    "company": "公司",
    "shop": "开店",
    "restaurant": "餐饮",
    "food": "食品",
    "tax": "税",
    "invoice": "发票",
    "pension": "养老金",
    "retire": "退休",
    "retired": "退休",
    "retirement": "退休",
    "unemployment": "失业金",
    "unemployed": "失业",
    "jobless": "失业",
    "insurance": "保险",
    "medical": "医保",
    "hospital": "住院",
    "marriage": "结婚登记",
    "married": "结婚",
    "marry": "结婚",
    "wedding": "结婚",
    "baby": "新生儿",
    "newborn": "新生儿",
    "birth": "出生",
    "born": "出生",
    "certificate": "证明",
    "house": "房子",
    "housing": "住房",
    "apartment": "房子",
    "property": "不动产",
    "transfer": "过户",
    "mortgage": "抵押",
    "loan": "贷款",
    "rent": "租房",
    "renting": "租房",
    "fund": "公积金",
    "provident": "公积金",
    "disability": "残疾",
    "disabled": "残疾",
    "wheelchair": "轮椅",
    "elderly": "老人",
    "old": "老人",
    "died": "去世",
    "death": "死亡",
    "funeral": "丧葬",
    "lost": "丢了",
    "expired": "到期",
    "expire": "到期",
    "renew": "换证",
    "replace": "补办",
    "hours": "上班时间",
    "open": "开门",
    "weekend": "周末",
    "parking": "停车",
    "wifi": "wifi",
    "appointment": "预约",
    "book": "预约",
    "booking": "预约",
    "queue": "取号",
    "ticket": "取号",
    "complain": "投诉",
    "complaint": "投诉",
    "online": "网上办",
    "app": "app",
    "fee": "收费",
    "cost": "多少钱",
    "price": "多少钱",
    "social": "社保",
    "security": "社保",
    "water": "水表",
    "electricity": "电表",
    "gas": "燃气",
    "truck": "货车",
    "hotel": "宾馆",
    "construction": "施工",
}

# Typos seen at counters that are not plain homophones of a vocabulary word (homophones are repaired automatically).
CURATED_TYPOS: dict[str, str] = {
    "身分证": "身份证",
    "户口薄": "户口簿",
    "社报卡": "社保卡",
    "驾证": "驾驶证",
    "驾使证": "驾驶证",
    "营业证": "营业执照",
    "执招": "执照",
    "公积今": "公积金",
    "养老今": "养老金",
    "护找": "护照",
    "低包": "低保",
    "二首房": "二手房",
    "医报": "医保",
}

# Colloquial or regional words mapped to the words the catalog uses; applied as query expansion (both kept).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "二代证": ("身份证",),
    "居民身份证": ("身份证",),
    "户口本": ("户口簿", "户口"),
    "户口簿": ("户口本", "户口"),
    "驾照": ("驾驶证",),
    "驾驶证": ("驾照",),
    "医保卡": ("社保卡", "社会保障卡"),
    "社保卡": ("社会保障卡",),
    "退休金": ("养老金", "养老保险"),
    "养老金": ("退休金", "养老保险"),
    "营业执照": ("执照",),
    "执照": ("营业执照",),
    "领证": ("结婚登记", "结婚证"),
    "扯证": ("结婚登记", "结婚证"),
    "结婚证": ("结婚登记",),
    "房产证": ("不动产权证书",),
    "房本": ("不动产权证书", "房产证"),
    "新农合": ("居民医保",),
    "合作医疗": ("居民医保",),
    "看病": ("就医",),
    "丢了": ("补办", "补领", "遗失"),
    "丢失": ("补办", "补领", "遗失"),
    "掉了": ("补办", "补领", "遗失"),
    "弄丢": ("补办", "补领", "遗失"),
    "遗失": ("补办", "补领"),
    "不见了": ("补办", "补领", "遗失"),
    "过期": ("到期", "换领"),
    "到期": ("过期", "换领"),
    "去世": ("死亡", "过世"),
    "过世": ("死亡", "去世"),
    "宝宝": ("新生儿", "孩子"),
    "小孩": ("孩子", "新生儿"),
    "娃": ("孩子", "新生儿"),
    "孩子": ("小孩",),
    "老爸": ("老人",),
    "老妈": ("老人",),
    "爸爸": ("老人",),
    "妈妈": ("老人",),
    "爷爷": ("老人",),
    "奶奶": ("老人",),
    "姥姥": ("老人",),
    "外婆": ("老人",),
    "老公": ("配偶",),
    "老婆": ("配偶",),
    "媳妇": ("配偶",),
    "饭店": ("餐饮", "餐馆"),
    "饭馆": ("餐饮", "餐馆"),
    "餐厅": ("餐饮", "餐馆"),
    "奶茶店": ("餐饮",),
    "小卖部": ("便利店", "超市"),
    "开店": ("个体户", "个体工商户"),
    "开公司": ("企业", "公司注册"),
    "炒鱿鱼": ("失业", "裁员"),
    "被辞退": ("失业", "裁员"),
    "辞退": ("失业", "裁员"),
    "裁员": ("失业",),
    "下岗": ("失业",),
    "丢工作": ("失业",),
    "上班时间": ("办公时间",),
    "开门": ("办公时间", "上班"),
    "几点": ("办公时间",),
    "营业时间": ("办公时间",),
    "周六": ("周末",),
    "周日": ("周末",),
    "星期天": ("周末",),
    "星期六": ("周末",),
    "礼拜天": ("周末",),
    "国庆": ("节假日",),
    "春节": ("节假日",),
    "过年": ("节假日",),
    "放假": ("节假日",),
    "排号": ("取号",),
    "拿号": ("取号",),
    "叫号": ("取号",),
    "差评": ("评价",),
    "举报": ("投诉",),
    "停车场": ("停车",),
    "车位": ("停车",),
    "网上": ("网上办",),
    "线上": ("网上办",),
    "手机上": ("网上办",),
    "快递": ("邮寄",),
    "寄回": ("邮寄",),
    "代办": ("委托",),
    "委托": ("代办",),
    "帮办": ("帮忙",),
    "上门": ("上门服务",),
    "租金": ("租房",),
    "房租": ("租房",),
    "按揭": ("抵押", "贷款"),
    "房贷": ("贷款",),
    "契税": ("税费",),
    "住院": ("就医",),
    "外地": ("异地",),
    "外省": ("异地", "跨省"),
    "轮椅": ("辅助器具",),
    "助听器": ("辅助器具",),
    "残疾证": ("残疾人证",),
    "微信": ("缴费",),
    "支付宝": ("缴费",),
    "刷卡": ("缴费",),
    "进度": ("进度查询",),
    "打印": ("复印",),
    "复印件": ("复印",),
    "货车": ("道路运输", "货运"),
    "跑运输": ("道路运输", "货运"),
    "物流": ("货运",),
    "宾馆": ("卫生许可",),
    "理发店": ("卫生许可",),
    "美容院": ("卫生许可",),
    "燃气": ("水电气",),
    "天然气": ("燃气", "水电气"),
    "电表": ("水电气",),
    "水表": ("水电气",),
    "垫": ("垫付",),
    "垫的": ("垫付",),
    "报": ("报销",),
    "报掉": ("报销",),
    "没空": ("委托", "代办"),
    "没时间": ("委托", "代办"),
    "电子身份证": ("电子证照",),
    "电子": ("电子证照",),
    "转": ("迁移", "转移"),
    "迁": ("迁移",),
    "摆摊": ("个体户",),
    "倒闭": ("失业",),
    "没工作": ("失业",),
    "失业": ("失业金",),
}

_LATIN_RUN = re.compile(r"[a-z][a-z0-9]*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAGS = re.compile(r"<[^>]{0,200}>")


@lru_cache(maxsize=1)
def _opencc() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_halfwidth(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=8192)
def to_simplified(text: str) -> str:
    # Cached: an index build converts the same tag or keyword many times, and OpenCC is its slowest step.
    converter = _opencc()
    return converter.convert(text)  # type: ignore[attr-defined,no-any-return]


def clean(text: str, *, simplify: bool = True) -> str:
    """Full to half width, Traditional to Simplified, lower case; strips markup and control characters.

    ``simplify=False`` skips the Traditional conversion (the knowledge base is written in Simplified; converting
    it is the slowest step of an index build)."""
    text = _CONTROL.sub(" ", text)
    text = _TAGS.sub(" ", text)
    text = to_halfwidth(text).lower()
    if simplify and _HAN.search(text):
        text = to_simplified(text)
    return re.sub(r"\s+", " ", text).strip()


def initials(word: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(word, style=Style.FIRST_LETTER) if p)


def spelled(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


@lru_cache(maxsize=16384)
def spelled_and_initials(word: str) -> tuple[str, str]:
    """``spelled(word)`` and ``initials(word)`` from one pinyin pass (a first letter is the plain syllable's first
    letter: the same reading is chosen for both styles)."""
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(word)
    return "".join(syllables), "".join(p[0] for p in syllables if p)


@dataclass
class Vocabulary:
    """Words of the knowledge base, with the pinyin tables derived from them."""

    words: set[str] = field(default_factory=set)
    latin: dict[str, str] = field(default_factory=dict)  # abbreviation or full pinyin -> word
    sounds: dict[str, str] = field(default_factory=dict)  # toneless pinyin of a word -> word (homophone repair)

    @classmethod
    def build(cls, words: Iterable[str]) -> Vocabulary:
        vocab = cls()
        ambiguous_latin: set[str] = set()
        ambiguous_sound: set[str] = set()
        for raw in words:
            word = clean(raw)
            if not (2 <= len(word) <= 8) or not all(_HAN.match(c) for c in word):
                continue
            vocab.words.add(word)
        for word in sorted(vocab.words):
            if len(word) <= 5:
                sound, first_letters = spelled_and_initials(word)
                if sound in vocab.sounds and vocab.sounds[sound] != word:
                    ambiguous_sound.add(sound)
                vocab.sounds.setdefault(sound, word)
                for key in (first_letters, sound):
                    if len(key) < 3:
                        continue
                    if key in vocab.latin and vocab.latin[key] != word:
                        ambiguous_latin.add(key)
                    vocab.latin.setdefault(key, word)
        for key in ambiguous_latin:
            vocab.latin.pop(key, None)
        for key in ambiguous_sound:
            vocab.sounds.pop(key, None)
        vocab.latin.update(CURATED_LATIN)
        return vocab


def _placeholders(chunk: str) -> Any:
    """One placeholder per non-Han character, so syllables stay aligned with characters."""
    return ["\0"] * len(chunk)


class Normaliser:
    """Repairs a cleaned question: Latin runs to Chinese words, curated typos, homophones of vocabulary words."""

    def __init__(self, vocab: Vocabulary, is_common_word: object = None, cut: object = None) -> None:
        self.vocab = vocab
        self._is_common = is_common_word
        self._cut = cut  # a word segmenter: a repair may only replace whole words, never half of one

    def _latin(self, text: str) -> str:
        def repl(match: re.Match[str]) -> str:
            run = match.group(0)
            hit = self.vocab.latin.get(run)
            return f" {hit} " if hit else run

        return _LATIN_RUN.sub(repl, text)

    def _homophones(self, text: str) -> str:
        if not self.vocab.sounds:
            return text
        from pypinyin import lazy_pinyin

        chars = list(text)
        sounds = lazy_pinyin(text, errors=_placeholders)
        if len(sounds) != len(chars):  # pragma: no cover - pypinyin keeps one syllable per Han character
            return text
        boundaries: set[int] | None = None
        if callable(self._cut):
            boundaries = {0}
            position = 0
            for word in self._cut(text):
                position += len(word)
                boundaries.add(position)
        out: list[str] = []
        i = 0
        n = len(chars)
        while i < n:
            replaced = False
            for length in (4, 3, 2):
                if i + length > n:
                    continue
                if boundaries is not None and (i not in boundaries or i + length not in boundaries):
                    continue
                window = "".join(chars[i : i + length])
                if not all(_HAN.match(c) for c in window) or window in self.vocab.words:
                    continue
                word = self.vocab.sounds.get("".join(sounds[i : i + length]))
                if word is None or word == window:
                    continue
                # A two-character window that is itself an ordinary word (试想 vs 事项) is left alone.
                if length == 2 and callable(self._is_common) and self._is_common(window):
                    continue
                out.append(word)
                i += length
                replaced = True
                break
            if not replaced:
                out.append(chars[i])
                i += 1
        return "".join(out)

    def normalise(self, question: str) -> str:
        text = clean(question)
        for wrong, right in CURATED_TYPOS.items():
            text = text.replace(wrong, right)
        text = self._latin(text)
        text = self._homophones(text)
        return re.sub(r"\s+", " ", text).strip()


class Tokeniser:
    """A private jieba tokenizer (not the global one) with the knowledge base's words added.

    Its main dictionary is merged in piecewise (``consult.dictionary``): before a text is cut, the shards of its
    two-character windows, so a build loads a few percent of jieba's words. ``full_dictionary`` loads them all at
    once, as jieba does (the reference the tests compare the piecewise cut with)."""

    def __init__(self, words: Iterable[str], *, full_dictionary: bool = False) -> None:
        import jieba

        from smarthall.consult import dictionary

        self._piecewise = not full_dictionary
        self._main: dictionary.MainDictionary | None = None
        self._jieba = jieba.Tokenizer()
        if full_dictionary:
            full = dictionary.full_jieba()
            self._jieba.FREQ, self._jieba.total = dict(full.FREQ), full.total
        else:
            self._main = dictionary.main_dictionary()
            self._jieba.FREQ, self._jieba.total = dict(self._main.singles), self._main.total
        self._jieba.initialized = True
        self._lock = threading.Lock()
        self._merged: set[str] = set()  # two-character windows whose shard is in FREQ
        self._added: dict[str, int] = {}
        for word in words:
            word = clean(word)
            if 2 <= len(word) <= 12 and " " not in word:
                self._add(word)
        for word in list(SYNONYMS) + [w for ws in SYNONYMS.values() for w in ws]:
            if len(word) >= 2:
                self._add(word)

    def _add(self, word: str) -> None:
        self._jieba.add_word(word, freq=2000)
        self._added[word] = 2000

    def _ensure(self, text: str) -> None:
        """Merge in the main dictionary's words that can occur in ``text`` (a word added here wins over them)."""
        if not self._piecewise:
            return
        missing = set(map(str.__add__, text, text[1:])) - self._merged  # the text's two-character windows
        if not missing:
            return
        main = self._main
        if main is None:  # after a cached index: the shard file is opened on the first new window only
            from smarthall.consult.dictionary import main_dictionary

            main = self._main = main_dictionary()
        with self._lock:
            missing -= self._merged
            freq = self._jieba.FREQ
            added = self._added
            for gram in missing:
                found = main.entries(gram)
                if found:
                    freq.update(found)
                    for word in added.keys() & found.keys():  # a word added here wins
                        freq[word] = added[word]
            # Marked merged only once its words are in: a thread that finds a window here without the lock (set
            # operations run whole under the GIL) never cuts with half of its shard.
            self._merged.update(missing)

    def __getstate__(self) -> dict[str, Any]:
        # jieba's tokenizer holds a lock: keep its dictionary as merged so far (the main one's shards already needed,
        # with this knowledge base's words), which shards are in it, and which words were added.
        return {
            "freq": self._jieba.FREQ,
            "total": self._jieba.total,
            "merged": self._merged,
            "added": self._added,
            "piecewise": self._piecewise,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        import jieba

        self._jieba = jieba.Tokenizer()
        self._jieba.FREQ, self._jieba.total = state["freq"], state["total"]
        self._jieba.initialized = True
        self._lock = threading.Lock()
        self._merged = set(state.get("merged", ()))
        self._added = dict(state.get("added", {}))
        # The shard file is opened only when a question brings a window the cached dictionary has not merged yet.
        self._piecewise = bool(state.get("piecewise"))
        self._main = None

    def cut(self, text: str) -> list[str]:
        self._ensure(text)
        return list(self._jieba.cut(text, HMM=False))

    def is_common_word(self, word: str) -> bool:
        self._ensure(word)
        return self._jieba.FREQ.get(word, 0) > 0

    def tokens(self, text: str, *, hmm: bool = True) -> list[str]:
        self._ensure(text)
        out = []
        for token in self._jieba.lcut_for_search(text, HMM=hmm):
            token = token.strip()
            if not token or token in STOPWORDS:
                continue
            if not (_HAN.search(token) or token.isalnum()):
                continue
            out.append(token)
        return out

    def query_tokens(self, text: str) -> list[str]:
        """Tokens with synonyms appended (each synonym once), for a question rather than a document."""
        tokens = list(dict.fromkeys(self.tokens(text, hmm=QUERY_HMM)))
        extra: list[str] = []
        seen = set(tokens)
        for token in tokens:
            for syn in SYNONYMS.get(token, ()):
                if syn not in seen:
                    seen.add(syn)
                    extra.append(syn)
        return tokens + extra
