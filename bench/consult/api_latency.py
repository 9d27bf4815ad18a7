"""End-to-end latency of POST /api/v1/consult/ask (HTTP in process, SQLite file, question stored), per question.

.venv/bin/python bench/consult/api_latency.py
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
    from fastapi.testclient import TestClient

    from smarthall import migrate
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
    qs = [q.text for q in questions()]
    with TestClient(app) as client:
        t = time.perf_counter()
        client.post("/api/v1/consult/ask", json={"question": "预热", "hall_code": "H-690102"})
        first = time.perf_counter() - t
        times = []
        for text in qs:
            t = time.perf_counter()
            r = client.post("/api/v1/consult/ask", json={"question": text, "hall_code": "H-690102"})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
    times.sort()
    print(f"first ask (catalog sync + index build): {first:.2f} s")
    print(
        f"API ask ms over {len(times)} questions: median={statistics.median(times):.1f}"
        f" p95={times[int(0.95 * (len(times) - 1))]:.1f} max={times[-1]:.1f}"
    )


if __name__ == "__main__":
    main()
