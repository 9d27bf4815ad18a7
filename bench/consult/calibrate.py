"""Fit the confidence model (logistic regression over retrieval features) on the TUNING split only.

A question counts as positive when the top answer is right; unanswerable questions and wrong top answers are
negatives. Prints the coefficients to paste into smarthall/consult/qa.py (CALIBRATION).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import build, correct, questions  # noqa: E402
from voices import voices  # noqa: E402

from smarthall.consult.qa import FEATURES  # noqa: E402


def main() -> None:
    index = build()
    xs, ys = [], []
    for q in [*questions(), *voices()]:  # the tuning splits of both sets; the held-out thirds never
        if q.split != "tune":
            continue
        ans = index.ask(q.text)
        if not ans.hits:
            continue
        xs.append([ans.features[f] for f in FEATURES])
        ys.append(1.0 if q.answerable and correct(q, ans.hits[0].doc) else 0.0)
    x = np.asarray(xs)
    y = np.asarray(ys)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mu) / sd
    w = np.zeros(z.shape[1])
    b = 0.0
    lam = 0.05  # L2: a few features, ~130 examples; keep the weights modest so it generalises
    for _ in range(20000):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.1 * (z.T @ (p - y) / len(y) + lam * w)
        b -= 0.1 * float(np.mean(p - y))
    coef = w / sd
    bias = b - float(np.sum(w * mu / sd))
    out = {"bias": round(bias, 3), **{f: round(float(c), 3) for f, c in zip(FEATURES, coef, strict=True)}}
    print(f"n={len(y)} positives={int(y.sum())}")
    print("CALIBRATION =", out)


if __name__ == "__main__":
    main()
