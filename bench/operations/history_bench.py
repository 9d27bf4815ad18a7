"""History benchmark (issue 13 item 1): ``smarthall demo history --days DAYS`` for the demo province, wall and CPU.

A fresh database (SQLite under a temporary data dir, or the PostgreSQL URL given: its ``public`` schema is dropped
first, never point it at a database you need), migrated and seeded with the demo province (14 halls); then
``flows.load_history`` for DAYS days (generation, facts, roster), timed: wall clock and this process's CPU
(``time.process_time``; on PostgreSQL the server's CPU is not in it). ``--src DIR`` runs the same steps with another
checkout's ``src`` (e.g. ``git worktree add /tmp/base <commit>``) in a child process, so a before/after pair is
measured in one run under the same load: ``history_bench.py 60 --src /tmp/base/src --src src``.

Run: ``.venv/bin/python bench/operations/history_bench.py [DAYS] [postgresql+psycopg://…] [--src DIR …]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def run(days: int, url: str | None) -> dict[str, object]:
    from smarthall import migrate
    from smarthall.core.config import Settings
    from smarthall.core.crypto import setup_security
    from smarthall.core.db import Database
    from smarthall.demo import seed_demo
    from smarthall.operations import flows

    data_dir = Path(tempfile.mkdtemp(prefix="history-bench-"))
    settings = Settings(data_dir=data_dir, **({"database_url": url} if url else {}))
    settings.ensure_dirs()
    if url:
        _reset_postgres(url)
    migrate.upgrade(settings.resolved_database_url)
    setup_security(settings)
    db = Database(settings.resolved_database_url, pool_size=2)
    with db.unit_of_work() as session:
        seed_demo(session, password="bench")  # noqa: S106
    wall, cpu = time.perf_counter(), time.process_time()
    with db.unit_of_work() as session:
        summary = flows.load_history(session, days=days, hall_codes=None, seed=20261202, now=datetime.now(UTC))
    out = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1), **summary}
    db.dispose()
    return out


def main() -> None:
    args = sys.argv[1:]
    srcs = [args[i + 1] for i, a in enumerate(args) if a == "--src"]
    plain = [a for i, a in enumerate(args) if a != "--src" and (i == 0 or args[i - 1] != "--src")]
    days = int(plain[0]) if plain else 60
    url = plain[1] if len(plain) > 1 else None
    if not srcs:
        print(json.dumps(run(days, url), ensure_ascii=False))
        return
    for src in srcs:
        env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
        cmd = [sys.executable, __file__, str(days), *([url] if url else [])]
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:]
        print(f"{src}: {line} (process {time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
