"""Index build versus loading the cached index (issue 17: ≤ 2 s lexical), each in a fresh process.

.venv/bin/python bench/consult/index_cache.py [--runs 3]

A fresh process builds the demo knowledge base's index into an empty cache directory (``consult.qa.cached_index``,
the path the app takes), then fresh processes load it from there; jieba's main dictionary load is counted in both.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import hashlib, sys, time
sys.path.insert(0, {bench!r})
t0 = time.perf_counter()
from common import docs
from smarthall.consult.qa import cached_index
from pathlib import Path
kb = docs()
content = hashlib.sha256(repr(kb).encode()).hexdigest()
t1 = time.perf_counter()
index = cached_index(kb, content, Path({cache!r}))
t2 = time.perf_counter()
top = index.ask("孩子自闭症").hits[0].doc.key
print(f"{{t2 - t1:.2f}} {{int(index.loaded_from_cache)}} {{top}}")
"""


def run(cache: str) -> tuple[float, bool, str]:
    code = CHILD.format(bench=str(Path(__file__).parent), cache=cache)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    seconds, cached, top = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), cached == "1", top


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            built = run(cache)
            loaded = [run(cache) for _ in range(2)]
        print(
            f"build {built[0]:.2f} s (cached={built[1]})  then load "
            + ", ".join(f"{s:.2f} s (cached={c})" for s, c, _ in loaded)
            + f"  top answer {built[2]} / {loaded[-1][2]}"
        )


if __name__ == "__main__":
    main()
