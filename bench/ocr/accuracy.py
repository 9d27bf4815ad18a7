"""OCR field accuracy and time per page, through ``smarthall.ocr`` (``service.read_scan``: the image check, the
engine, the field rules), on generated ID cards and licences (``bench/ocr/samples.py``) in four conditions.

Needs the ``ocr`` extra; outside the shared venv, e.g.::

    pip install --target /tmp/ocrlib 'rapidocr-onnxruntime~=1.4'
    PYTHONPATH=src:/tmp/ocrlib:. .venv/bin/python bench/ocr/accuracy.py [--per-cell 5] [--save /tmp/ocr-samples]

A field counts as right only when its value equals the known one exactly (a wrong value is worse than none: it
is a suggestion the person must catch); "wrong" counts values read but not equal, "missed" fields not read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samples import CONDITIONS, samples, write  # noqa: E402

from smarthall.ocr import engine as engine_mod  # noqa: E402
from smarthall.ocr import service  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-cell", type=int, default=5, help="images per document kind and condition")
    parser.add_argument("--save", type=Path, help="write the generated images here")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    if not engine_mod.installed():
        raise SystemExit("the ocr extra (rapidocr-onnxruntime) is not importable")
    items = samples(args.per_cell)
    if args.save:
        write(args.save, items)
    started = time.perf_counter()
    engine_mod.engine()
    load_s = time.perf_counter() - started
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"right": 0, "wrong": 0, "missed": 0})
    per_field: dict[str, dict[str, int]] = defaultdict(lambda: {"right": 0, "wrong": 0, "missed": 0})
    times: dict[str, list[float]] = defaultdict(list)
    for s in items:
        t0 = time.perf_counter()
        got = {x.field: x.value for x in service.read_scan(s.image) or []}
        times[s.kind].append(time.perf_counter() - t0)
        for field, want in s.expected.items():
            verdict = "right" if got.get(field) == want else ("wrong" if field in got else "missed")
            cells[(s.kind, s.condition)][verdict] += 1
            per_field[field][verdict] += 1
            if args.show_misses and verdict != "right":
                print(f"  {s.kind}/{s.condition} {field}: want {want!r} got {got.get(field)!r}", file=sys.stderr)
    kinds = sorted({k for k, _ in cells})
    print(f"engine load {load_s:.1f} s; {len(items)} pages ({args.per_cell} per kind and condition)")
    print("| document | " + " | ".join(CONDITIONS) + " | all | wrong values | time per page (median / max) |")
    print("|---|" + "---|" * (len(CONDITIONS) + 4))
    summary = {}
    for kind in kinds:
        row, total, right, wrong = [], 0, 0, 0
        for condition in CONDITIONS:
            c = cells[(kind, condition)]
            n = sum(c.values())
            row.append(f"{100 * c['right'] / n:.0f}%")
            total, right, wrong = total + n, right + c["right"], wrong + c["wrong"]
        t = times[kind]
        print(f"| {kind} | " + " | ".join(row) + f" | {100 * right / total:.1f}% | {wrong} of {total} | "
              f"{statistics.median(t):.2f} s / {max(t):.2f} s |")  # fmt: skip
        summary[kind] = {"right": right, "fields": total, "wrong": wrong, "median_s": statistics.median(t)}
    print("| field | right | wrong | missed |\n|---|---|---|---|")
    for field, c in sorted(per_field.items()):
        print(f"| {field} | {c['right']} | {c['wrong']} | {c['missed']} |")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
