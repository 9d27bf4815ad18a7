"""The concept lexicon of the consultation assistant (pure): life events and needs said the citizen's way.

Synonyms map one word to another; a concept maps many ways of saying one situation ("看不见", "脑瘫", "坐轮椅") to
the catalog words that name it (残疾, 残疾人证). The table is package data (``smarthall/data/consult_concepts.json``)
so a hall's knowledge editor can read and extend it without touching code. A question "says" a concept when one of
its phrases is a substring of the normalised question (or of the raw one, lower-cased, for English) or one of its
patterns matches; the concept's words then join the question's words as expansions. Only words the knowledge base
contains are kept when an index is built, so the lexicon follows the catalog: a concept whose words no entry has
adds nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Concept:
    name: str
    says: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    means: tuple[str, ...]

    def said_in(self, *texts: str) -> tuple[str, ...]:
        """The phrases of this concept found in any of ``texts`` (the matched span for a pattern), or ()."""
        found: list[str] = []
        for text in texts:
            found.extend(p for p in self.says if p in text)
            found.extend(m.group(0) for rx in self.patterns for m in rx.finditer(text))
        return tuple(dict.fromkeys(found))


def parse(raw: dict[str, object]) -> tuple[Concept, ...]:
    """Concepts from the JSON form ``{"concepts": [{"name", "says", "means", "patterns"?}]}``; phrases lower-cased."""
    out: list[Concept] = []
    for entry in raw.get("concepts") or ():  # type: ignore[attr-defined]
        says = tuple(dict.fromkeys(s.strip().lower() for s in entry.get("says", ()) if s.strip()))
        means = tuple(dict.fromkeys(m.strip() for m in entry.get("means", ()) if m.strip()))
        patterns = tuple(re.compile(p) for p in entry.get("patterns", ()))
        if (says or patterns) and means:
            out.append(Concept(str(entry.get("name", "")), says, patterns, means))
    return tuple(out)


@lru_cache(maxsize=1)
def packaged() -> tuple[Concept, ...]:
    """The concept lexicon shipped with the package."""
    text = resources.files("smarthall").joinpath("data/consult_concepts.json").read_text(encoding="utf-8")
    return parse(json.loads(text))


@lru_cache(maxsize=1)
def packaged_outside() -> tuple[str, ...]:
    """The phrases of matters near the hall's topics that its catalog does not serve (the lexicon's "outside")."""
    text = resources.files("smarthall").joinpath("data/consult_concepts.json").read_text(encoding="utf-8")
    return parse_outside(json.loads(text))


def parse_outside(raw: dict[str, object]) -> tuple[str, ...]:
    """The phrases of ``{"outside": [{"name", "says"}]}``, lower-cased, longest first."""
    said = {s.strip().lower() for entry in raw.get("outside") or () for s in entry.get("says", ())}  # type: ignore[attr-defined]
    return tuple(sorted((s for s in said if s), key=lambda s: (-len(s), s)))


def outside_said(phrases: Sequence[str], texts: Sequence[str], entry_text: str) -> str | None:
    """The first outside phrase one of ``texts`` says that ``entry_text`` (the best entry, lower-cased) does not, or
    None: the question's need is a matter the hall does not serve, though it shares words with that entry."""
    for phrase in phrases:
        if phrase not in entry_text and any(phrase in t for t in texts):
            return phrase
    return None


def said_words(
    concepts: Sequence[tuple[Concept, tuple[str, ...]]], texts: Sequence[str], base: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """The concepts ``texts`` say, as {a question word or phrase: the concept's catalog words (``means``, as kept
    for one knowledge base)}.

    A question word inside a said phrase (脑 of 脑瘫, or 脑瘫 itself) maps to the concept's words, so the confidence
    counts it as covered when the best entry has them; a phrase no question word falls inside is kept under its own
    text. The longest phrase wins: "没有直接结算" (paid oneself) is not also "直接结算" (settled elsewhere)."""
    said = [(phrase, means) for concept, means in concepts for phrase in concept.said_in(*texts)]
    phrases = {p for p, _ in said}
    said = [(p, m) for p, m in said if not any(p != other and p in other for other in phrases)]
    out: dict[str, tuple[str, ...]] = {}
    for phrase, means in said:
        inside = [w for w in base if w in phrase or phrase in w]
        for word in inside or [phrase]:
            out[word] = tuple(dict.fromkeys((*out.get(word, ()), *means)))
    return out
