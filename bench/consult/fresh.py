"""Evaluate once on bench/consult/fresh.tsv, a set written after tuning ended (never tuned on)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import HERE, Question, build, correct  # noqa: E402


def main() -> None:
    qs = []
    for line in (HERE / "fresh.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expect, style, text = line.split("\t", 2)
        codes = frozenset() if expect == "-" else frozenset(c.strip() for c in expect.split(","))
        qs.append(Question(len(qs), codes, style, text))
    index = build()
    ans = [(q, index.ask(q.text)) for q in qs]
    answerable = [(q, a) for q, a in ans if q.answerable]
    unanswerable = [(q, a) for q, a in ans if not q.answerable]
    top1 = sum(1 for q, a in answerable if a.hits and correct(q, a.hits[0].doc))
    top3 = sum(1 for q, a in answerable if any(correct(q, h.doc) for h in a.hits[:3]))
    right = sum(1 for q, a in answerable if a.confident and a.hits and correct(q, a.hits[0].doc))
    declined = sum(1 for _, a in unanswerable if not a.confident)
    n = len(answerable)
    print(
        f"fresh answerable={n} top1={top1 / n:.1%} top3={top3 / n:.1%} confident&right={right / n:.1%}"
        f" unanswerable={len(unanswerable)} declined={declined / len(unanswerable):.1%}"
    )


if __name__ == "__main__":
    main()
