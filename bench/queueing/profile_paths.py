"""Where one process's CPU goes on each queue hot path (not a test; a diagnostic for docs/benchmarks.md).

The production app (``bench.queueing.app.create``) is driven in this process through the same bare ASGI caller as
``statements.py`` (no sockets), one request at a time, and each path's requests run under cProfile; the top
functions by own time and by cumulative time are printed, and ``--out DIR`` keeps one ``.prof`` per path for
``python -m pstats``. ``--cpu`` prints only CPU ms per request (``process_time``), which is what A/B runs compare:
set PYTHONPATH to the tree to measure (works on older trees without the status-by-token route: it then reads
``/api/v1/tickets/{id}``).

    SMARTHALL_DENSE_RETRIEVAL=0 PYTHONPATH=src python bench/queueing/profile_paths.py -n 300 --paths issue,board
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PASSWORD, HotPaths, bench_env, make_citizens  # noqa: E402


def prepare(url: str) -> None:
    from smarthall import migrate
    from smarthall.core.config import Settings
    from smarthall.core.db import Database
    from smarthall.demo import seed_demo

    try:
        from smarthall.main import setup_security  # type: ignore[attr-defined]

        setup_security(Settings())
    except ImportError:
        pass
    migrate.upgrade(url)
    database = Database(url)
    with database.unit_of_work() as session:
        seed_demo(session, password=PASSWORD)
    database.dispose()


async def run(
    app: Any,
    n: int,
    paths: list[str],
    out: Path | None,
    cpu_only: bool,
    quiet: bool = False,
    citizens: list[dict[str, str]] | None = None,
) -> dict[str, float]:
    hot = await HotPaths.start(app, citizens)
    plan = {name: (fn, ready) for name, fn, _ok, ready in hot.plan(paths)}
    for i in range(3 * (n + max(5, n // 10)) + 10):  # waiting tickets for the calling paths, and tickets to read
        await hot.issue(i)
    result: dict[str, float] = {}
    calls: dict[str, float] = {}
    for name in paths:
        fn, ready = plan[name]
        for i in range(max(5, n // 10)):
            await ready()
            await fn(i)
        prof = cProfile.Profile()
        spent = 0.0
        for i in range(n):
            await ready()
            c0 = time.process_time()
            if not cpu_only:
                prof.enable()
            got = await fn(i)
            if not cpu_only:
                prof.disable()
            spent += time.process_time() - c0
            if got >= 400:
                raise SystemExit(f"{name}: answered {got}")
        result[name] = spent * 1000 / n
        if cpu_only:
            continue
        calls[name] = pstats.Stats(prof).total_calls / n  # type: ignore[attr-defined]
        if out:
            prof.dump_stats(str(out / f"{name}.prof"))
        for key in ("tottime", "cumulative"):
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats(key).print_stats(30 if key == "tottime" else 60)
            print(f"==== {name} by {key} ====")
            if not quiet:
                print("\n".join(line for line in s.getvalue().splitlines() if line.strip())[:12000])
    if calls:
        print("python calls/request: " + "  ".join(f"{k} {v:.0f}" for k, v in calls.items()))
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--paths", default="bare,issue,board,status,call-next,finish,finish-and-call-next,book")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--quiet", action="store_true", help="profile, but print only the call counts")
    ap.add_argument("--cpu", action="store_true", help="CPU ms per request only, no profiler")
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="smarthall-prof-"))
    url = f"sqlite:///{data_dir / 'bench.db'}"
    os.environ.update(bench_env(data_dir, url))
    os.environ["SMARTHALL_EMBEDDED_WORKER"] = "0"
    prepare(url)
    citizens = make_citizens(url, data_dir, max(50, args.n)) if "book" in args.paths.split(",") else None
    from app import create  # type: ignore[import-not-found]

    app = create()
    app.add_api_route("/bench/bare", lambda: {"ok": True}, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)

    async def go() -> dict[str, float]:
        async with app.router.lifespan_context(app):
            return await run(app, args.n, args.paths.split(","), args.out, args.cpu, args.quiet, citizens)

    result = asyncio.run(go())
    print("cpu ms/request: " + "  ".join(f"{k} {v:.2f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
