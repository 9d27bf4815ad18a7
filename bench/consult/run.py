"""Evaluate the consultation assistant on bench/consult/questions.tsv: accuracy, declines, latency, build, memory.

.venv/bin/python bench/consult/run.py [--dense] [--verbose]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import build, correct, questions  # noqa: E402

from smarthall.consult.qa import load_reranker  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dense", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    import bm25s  # noqa: F401  (import cost is not index build cost)
    import jieba  # noqa: F401
    import opencc  # noqa: F401
    import pypinyin  # noqa: F401

    before = rss_mb()
    t0 = time.perf_counter()
    index = build()
    build_s = time.perf_counter() - t0
    after = rss_mb()
    t1 = time.perf_counter()
    build()  # a rebuild, as after an entry changes: jieba's main dictionary is already in memory
    rebuild_s = time.perf_counter() - t1
    reranker = load_reranker() if args.dense else None
    if args.dense and reranker is None:
        print("dense re-ranker unavailable (install the 'dense' extra)")
    qs = questions()
    index.ask("预热")  # first call warms pypinyin's dictionaries
    rows = []
    latencies = []
    for q in qs:
        t = time.perf_counter()
        ans = index.ask(q.text, reranker=reranker)
        latencies.append((time.perf_counter() - t) * 1000)
        rows.append((q, ans))
    for split in ("tune", "heldout", "all"):
        sel = [(q, a) for q, a in rows if split == "all" or q.split == split]
        answerable = [(q, a) for q, a in sel if q.answerable]
        unanswerable = [(q, a) for q, a in sel if not q.answerable]
        top1 = sum(1 for q, a in answerable if a.hits and correct(q, a.hits[0].doc))
        top3 = sum(1 for q, a in answerable if any(correct(q, h.doc) for h in a.hits[:3]))
        confident_right = sum(1 for q, a in answerable if a.confident and a.hits and correct(q, a.hits[0].doc))
        declined = sum(1 for q, a in unanswerable if not a.confident)
        print(
            f"{split:8s} answerable={len(answerable)} top1={top1 / len(answerable):.1%}"
            f" top3={top3 / len(answerable):.1%}"
            f" confident&right={confident_right / len(answerable):.1%}"
            f" unanswerable={len(unanswerable)} declined={declined / max(1, len(unanswerable)):.1%}"
        )
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"latency ms: median={statistics.median(latencies):.2f} p95={p95:.2f} max={latencies[-1]:.2f}"
        f" ({'dense' if reranker else 'lexical'})"
    )
    print(
        f"index build: first {build_s:.2f} s (incl. jieba dictionary load), rebuild {rebuild_s:.2f} s,"
        f" {len(index.docs)} entries;"
        f" max RSS +{after - before:.0f} MB (total {after:.0f} MB)"
    )
    if args.verbose:
        for q, a in rows:
            top = a.hits[0].doc.key if a.hits else "-"
            ok = (a.hits and correct(q, a.hits[0].doc)) if q.answerable else not a.confident
            if q.split == "tune" and (not ok or (q.answerable and not a.confident)):
                feats = " ".join(f"{k}={v:.2f}" for k, v in a.features.items())
                print(
                    f"{'FAIL' if not ok else 'LOWC'} [{q.split}] {q.text} -> {top} conf={a.confidence:.2f} {feats}"
                    f" expect={sorted(q.expect)} norm={a.normalised} toks={list(a.tokens)[:12]}"
                )


if __name__ == "__main__":
    main()
