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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from smarthall.consult.lexicon import (  # noqa: F401 - re-exported: the curated tables live in lexicon.py
    ASPECT_WORDS,
    CURATED_LATIN,
    CURATED_TYPOS,
    ENGLISH_PHRASES,
    STOPWORDS,
    SYNONYMS,
)

MAX_QUESTION_CHARS = 500
# jieba HMM new-word discovery on questions; HMM=False was tried and was not better on the tuning split.
QUERY_HMM = True

_LATIN_RUN = re.compile(r"[a-z][a-z0-9]*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NUMERALS = frozenset("零一二三四五六七八九十百千万两几")
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
            # Numerals (八十, 九十) are never repair targets: "我爸是" sounds like "我八十" but is no typo of it.
            if len(word) <= 5 and not all(c in _NUMERALS for c in word):
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

        if _LATIN_RUN.search(text):
            for phrase, chinese in ENGLISH_PHRASES.items():
                if phrase in text:
                    text = text.replace(phrase, chinese)
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

    def query_tokens(self, text: str, cut: Sequence[str] | None = None) -> list[str]:
        """Tokens with synonyms appended (each synonym once), for a question rather than a document; ``cut``: the
        question's tokens when the caller has them already (``tokens(text, hmm=QUERY_HMM)``: not cut twice)."""
        tokens = list(dict.fromkeys(self.tokens(text, hmm=QUERY_HMM) if cut is None else cut))
        extra: list[str] = []
        seen = set(tokens)
        for token in tokens:
            for syn in SYNONYMS.get(token, ()):
                if syn not in seen:
                    seen.add(syn)
                    extra.append(syn)
        return tokens + extra
