"""What one request of each queue hot path costs the server, in counts that do not depend on the machine's load.

The production app (``bench.queueing.app.create`` settings, the benchmark's clock) is driven in this process through
a minimal ASGI caller (no sockets, no HTTP client), one request at a time, and for each hot path it counts per
request:

- ``sql``: statements SQLAlchemy sent (``before_cursor_execute``), and of them ``select`` and ``write`` (INSERT,
  UPDATE, DELETE) and ``other`` (SET, SHOW, SAVEPOINT, …);
- ``tx``: transactions begun on a connection (BEGIN: one round trip on PostgreSQL with psycopg) and ``ping``:
  pool pre-ping statements;
- ``rt``: PostgreSQL round trips, read from libpq's own protocol trace (``PQtrace``: each ``Query`` and each
  ``Sync`` the client sent is one wait for the server) — the ground truth the other counts explain;
- ``redis`` / ``redis_rt``: Redis commands and Redis round trips (a pipeline is one);
- ``cpu_ms``: this process's CPU time per request (``time.process_time`` over the batch; includes the ASGI caller,
  which a ``bare`` route — the same middleware, no database — prices).

Usage (PostgreSQL and Redis; the database's public schema is dropped and re-seeded)::

    PYTHONPATH=src python bench/queueing/statements.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench \
        --redis-url redis://127.0.0.1:6379/7 -n 200 [--json]

Without ``--database-url`` it runs on a fresh SQLite file. Figures: docs/benchmarks.md ("per-request cost").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import PASSWORD, HotPaths, bench_env, make_citizens  # noqa: E402

BACKGROUND = ("broadcast-", "coalesce-", "huey")  # threads that work after the answer has left


def _background() -> bool:
    return threading.current_thread().name.startswith(BACKGROUND)


PATHS = ("bare", "board", "status", "issue", "call-next", "finish", "finish-and-call-next", "book")


class Counts:
    """Counters fed by SQLAlchemy, libpq and redis-py hooks."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.traces: list[tuple[Any, Path]] = []
        self.trace_dir = Path(tempfile.mkdtemp(prefix="smarthall-pqtrace-"))
        self.offsets: dict[int, int] = {}
        self.show = False

    def install_sql(self, engine: Any) -> None:
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            word = statement.lstrip().split(None, 1)[0].upper()
            if _background():
                self.c["bg_sql"] += 1
                return
            self.c["sql"] += 1
            if self.show:
                self.c["q:" + " ".join(statement.split())[:110]] += 1
            if word == "SELECT" and statement.strip() == "SELECT 1":
                self.c["ping"] += 1
            elif word in ("SELECT", "WITH"):
                self.c["select"] += 1
            elif word in ("INSERT", "UPDATE", "DELETE"):
                self.c["write"] += 1
            else:
                self.c["other"] += 1
                self.c[f"other:{word}"] += 1

        @event.listens_for(engine, "begin")
        def _begin(_conn: Any) -> None:
            self.c["bg_tx" if _background() else "tx"] += 1

        if engine.dialect.name == "postgresql":

            @event.listens_for(engine, "connect")
            def _connect(dbapi_conn: Any, _record: Any) -> None:
                from psycopg import pq

                path = self.trace_dir / f"{len(self.traces)}.trace"
                f = open(path, "w")  # noqa: SIM115 - libpq writes to it until the bench reads it
                dbapi_conn.pgconn.trace(f.fileno())
                dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
                self.traces.append((dbapi_conn, path))
                setattr(dbapi_conn, "_bench_trace_file", f)  # noqa: B010

    def install_redis(self) -> None:
        """Commands are counted as redis-py packs them, round trips as it sends them (a pipeline is one send)."""
        from redis.connection import Connection

        counts = self.c
        one, many, send = Connection.send_command, Connection.pack_commands, Connection.send_packed_command

        def count(args: Any) -> None:
            if _background():
                counts["bg_redis"] += 1
                return
            counts["redis"] += 1
            name = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
            counts[f"redis:{name.split()[0].upper()}"] += 1

        def send_command(conn: Any, *args: Any, **kw: Any) -> None:
            count(args)
            return one(conn, *args, **kw)

        def pack_commands(conn: Any, commands: Any) -> Any:
            for args in commands:
                count(args)
            return many(conn, commands)

        def send_packed_command(conn: Any, command: Any, check_health: bool = True) -> None:
            counts["bg_redis_rt" if _background() else "redis_rt"] += 1
            return send(conn, command, check_health)

        Connection.send_command = send_command  # type: ignore[method-assign]
        Connection.pack_commands = pack_commands  # type: ignore[method-assign]
        Connection.send_packed_command = send_packed_command  # type: ignore[method-assign]

    def round_trips(self) -> int:
        """Queries and Syncs sent since the last call, on every traced connection (libpq's trace is flushed by
        untrace, then traced again)."""
        from psycopg import pq

        total = 0
        for k, (dbapi_conn, path) in enumerate(self.traces):
            if not dbapi_conn.closed:
                dbapi_conn.pgconn.untrace()  # fflush
            with open(path) as f:
                f.seek(self.offsets.get(k, 0))
                text = f.read()
                self.offsets[k] = f.tell()
            for line in text.splitlines():
                parts = line.split("\t")
                if len(parts) > 2 and parts[0] == "F" and parts[2].split(" ", 1)[0] in ("Query", "Sync"):
                    total += 1
            if not dbapi_conn.closed:
                dbapi_conn.pgconn.trace(dbapi_conn._bench_trace_file.fileno())
                dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        return total


def prepare(url: str, data_dir: Path) -> None:
    from sqlalchemy import create_engine, text

    from smarthall import migrate
    from smarthall.core.config import Settings
    from smarthall.core.db import Database
    from smarthall.demo import seed_demo
    from smarthall.main import setup_security

    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    setup_security(Settings())
    migrate.upgrade(url)
    database = Database(url)
    with database.unit_of_work() as session:
        seed_demo(session, password=PASSWORD)
    database.dispose()


async def measure(app: Any, counts: Counts, n: int, citizens: list[dict[str, str]]) -> dict[str, dict[str, float]]:
    paths = await HotPaths.start(app, citizens)
    issue = paths.issue
    out: dict[str, dict[str, float]] = {}
    for name, fn, ok, ready in paths.plan():
        if name == "call-next":  # enough waiting for every call of the three calling paths
            for i in range(3 * (n + n // 10 + 5)):
                await issue(i)
        rows: Counter[str] = Counter()
        cpu = 0.0
        warm = max(3, n // 10)  # caches, prepared plans, the pool
        for i in range(warm + n):
            await ready()
            counts.round_trips()
            before = Counter(counts.c)
            cpu0 = time.process_time()
            got = await fn(i)
            spent = time.process_time() - cpu0
            rt = counts.round_trips()
            if got != ok:
                raise SystemExit(f"{name}: answered {got}")
            if i >= warm:
                cpu += spent
                rows.update(counts.c - before)
                rows["rt"] += rt
        keys = ("sql", "select", "write", "other", "tx", "ping", "redis", "redis_rt", "rt", "bg_sql", "bg_redis_rt")
        row = {k: rows.get(k, 0) / n for k in keys}
        row["cpu_ms"] = cpu * 1000 / n
        row["detail"] = {k: v / n for k, v in rows.items() if ":" in k}  # type: ignore[assignment]
        out[name] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--redis-url", default=None)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--statements", action="store_true", help="list each path's statements")
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="smarthall-stmt-"))
    url = args.database_url or f"sqlite:///{data_dir / 'bench.db'}"
    env = bench_env(data_dir, url)
    if args.redis_url:
        env["SMARTHALL_REDIS_URL"] = args.redis_url
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    env["SMARTHALL_EMBEDDED_WORKER"] = "0"
    os.environ.update(env)
    prepare(url, data_dir)
    citizens = make_citizens(url, data_dir, max(50, args.n))

    from app import create  # type: ignore[import-not-found]

    app = create()
    app.add_api_route("/bench/bare", lambda: {"ok": True}, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())  # matched first: the stack's floor, not the route scan
    counts = Counts()
    counts.install_sql(app.state.db.engine)
    counts.install_redis()
    counts.show = args.statements

    async def run() -> dict[str, dict[str, float]]:
        async with app.router.lifespan_context(app):
            return await measure(app, counts, args.n, citizens)

    result = asyncio.run(run())
    app.state.db.dispose()
    if args.json:
        print(json.dumps({"url": url.split("@")[-1], "n": args.n, "paths": result}))
        return
    cols = (
        "sql",
        "select",
        "write",
        "other",
        "tx",
        "ping",
        "rt",
        "redis",
        "redis_rt",
        "bg_sql",
        "bg_redis_rt",
        "cpu_ms",
    )
    print(f"{'path':22}" + "".join(f"{c:>12}" for c in cols))
    for name, row in result.items():
        print(f"{name:22}" + "".join(f"{row[c]:12.2f}" for c in cols))
        if row["detail"]:
            for k, v in sorted(row["detail"].items()):  # type: ignore[attr-defined]
                print(f"{'':8}{v:6.2f}  {k}")


if __name__ == "__main__":
    main()
