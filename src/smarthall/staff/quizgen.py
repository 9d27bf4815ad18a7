"""Quiz questions made from the catalog and the knowledge base (8.3). Pure: no I/O.

From an item: "which of these materials does 个体工商户设立登记 need?" (one of its required materials against
materials of other items) and "within how many working days is it promised?"; from a knowledge entry: "which of
these answers 「title」?" (the entry's own first sentence against those of other entries). Options are shuffled
with a generator seeded by the course code, so the same course is made the same way twice.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

OPTIONS = 4


@dataclass(frozen=True)
class ItemFacts:
    code: str
    name: str
    promised_workdays: int
    legal_workdays: int
    required_materials: tuple[str, ...]
    all_materials: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class EntryFacts:
    code: str
    title: str
    body: str


def first_sentence(text: str, limit: int = 80) -> str:
    """The first sentence of ``text`` (up to 。!?! or a line end), at most ``limit`` characters."""
    head = re.split(r"(?<=[。!?!?])|\n", text.strip(), maxsplit=1)[0].strip()
    return head if len(head) <= limit else head[: limit - 1] + "…"


def _question(rng: random.Random, text: str, right: str, wrong: Sequence[str]) -> dict[str, object] | None:
    pool = sorted({w for w in wrong if w and w != right})
    if len(pool) < 1:
        return None
    options = [right, *rng.sample(pool, min(OPTIONS - 1, len(pool)))]
    rng.shuffle(options)
    return {"text": text, "options": options, "answer": options.index(right)}


def item_questions(rng: random.Random, item: ItemFacts, others: Sequence[ItemFacts]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    own = set(item.all_materials) | set(item.required_materials)
    if item.required_materials:
        right = rng.choice(sorted(item.required_materials))
        wrong = [m for o in others if o.code != item.code for m in o.all_materials if m not in own]
        q = _question(rng, f"办理「{item.name}」需要提交以下哪一项材料?", right, wrong)
        if q is not None:
            out.append(q)
    days = item.promised_workdays
    wrong_days = [str(d) for d in {item.legal_workdays, days + 5, days * 2, max(days - 2, 0), days + 10} if d != days]
    q = _question(rng, f"「{item.name}」的承诺办结时限是多少个工作日?", str(days), wrong_days)
    if q is not None:
        out.append(q)
    return out


def entry_question(rng: random.Random, entry: EntryFacts, others: Sequence[EntryFacts]) -> dict[str, object] | None:
    right = first_sentence(entry.body)
    wrong = [first_sentence(o.body) for o in others if o.code != entry.code]
    return _question(rng, f"以下哪一项是知识库中「{entry.title}」的答复?", right, wrong) if right else None


def build(
    seed: str,
    items: Sequence[ItemFacts],
    entries: Sequence[EntryFacts],
    *,
    item_pool: Sequence[ItemFacts],
    entry_pool: Sequence[EntryFacts],
) -> list[dict[str, object]]:
    """The questions for ``items`` and ``entries``, distractors taken from the pools (the catalog, the KB)."""
    rng = random.Random(seed)
    questions: list[dict[str, object]] = []
    for item in items:
        questions.extend(item_questions(rng, item, item_pool))
    for entry in entries:
        q = entry_question(rng, entry, entry_pool)
        if q is not None:
            questions.append(q)
    return questions
