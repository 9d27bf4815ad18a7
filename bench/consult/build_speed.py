"""Lexical index build, before and after, in one run (issue 17: <= 2 s), with the same top-1 answer asserted.

.venv/bin/python bench/consult/build_speed.py [--before-rev 419a95b] [--after-rev REV] [--runs 3] [--cold]

The sources, bench scripts and catalog of ``--before-rev`` (and of ``--after-rev``; default: this checkout) are
exported (git archive) into a temporary directory; each run then builds the demo knowledge base's index in a fresh
process with the old tree and with the new, alternating, the way bench/consult/run.py does (libraries imported
first; jieba's dictionary load counted in the build). Every question of every evaluation set (*.tsv of this
checkout) is asked of both, and the script fails unless each gets the same first answer: compare revisions whose
answers should agree (a speed-up), e.g. ``--before-rev 419a95b --after-rev 5be7487``. ``--cold`` points TMPDIR
at an empty directory for every process, so neither jieba's own cache nor the shard file exists (a machine's very
first build).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[1]

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
import bm25s, jieba, opencc, pypinyin  # import cost is not index build cost
from common import build
t0 = time.perf_counter()
index = build()
seconds = time.perf_counter() - t0
top = []
for tsv in sorted(Path({questions!r}).glob("*.tsv")):
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            a = index.ask(line.split("\t", 2)[2])
            top.append(a.hits[0].doc.key if a.hits else "-")
print(json.dumps({{"seconds": seconds, "top": top}}))
"""


def child(root: Path, cold: bool) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    with tempfile.TemporaryDirectory() as tmp:
        if cold:
            env["TMPDIR"] = tmp
        code = CHILD.format(bench=str(root / "bench" / "consult"), questions=str(HERE))
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def export(rev: str, into: Path) -> None:
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", rev, "src", "bench"],  # noqa: S607
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)  # noqa: S603,S607


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before-rev", default="419a95b")
    ap.add_argument("--after-rev", default="")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cold", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as old, tempfile.TemporaryDirectory() as new:
        export(args.before_rev, Path(old))
        after_root = ROOT
        if args.after_rev:
            export(args.after_rev, Path(new))
            after_root = Path(new)
        before: list[float] = []
        after: list[float] = []
        for _ in range(args.runs):
            b = child(Path(old), args.cold)
            a = child(after_root, args.cold)
            if a["top"] != b["top"]:
                differ = sum(1 for x, y in zip(a["top"], b["top"], strict=True) if x != y)  # type: ignore[call-overload]
                raise SystemExit(f"FAIL: {differ} questions get another first answer")
            before.append(float(b["seconds"]))  # type: ignore[arg-type]
            after.append(float(a["seconds"]))  # type: ignore[arg-type]
            print(f"before {before[-1]:.2f} s   after {after[-1]:.2f} s   ({len(a['top'])} questions, same top-1)")  # type: ignore[arg-type]
    mb, ma = statistics.median(before), statistics.median(after)
    print(
        f"median before {mb:.2f} s, after {ma:.2f} s: {mb / ma:.1f}x faster"
        f" ({'cold: empty TMPDIR' if args.cold else 'warm: jieba cache and shard file present'})"
    )


if __name__ == "__main__":
    main()
