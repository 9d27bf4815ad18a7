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
from common import CLERKS, DISPLAY, HALL, ITEMS, KIOSK, PASSWORD, bench_env  # noqa: E402
from statements import call  # noqa: E402


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
    app: Any, n: int, paths: list[str], out: Path | None, cpu_only: bool, quiet: bool = False
) -> dict[str, float]:
    tokens: dict[str, dict[str, str]] = {}
    for user, window in CLERKS.items():
        _, body = await call(app, "POST", "/api/v1/auth/token", form={"username": user, "password": PASSWORD})
        tokens[window] = {"Authorization": f"Bearer {body['access_token']}"}
        await call(app, "POST", f"/api/v1/windows/{window}/sign-in", headers=tokens[window])
    window, clerk = next(iter(tokens.items()))
    issued: list[dict[str, Any]] = []
    current: list[int] = []

    async def issue(i: int) -> int:
        body = {"hall_code": HALL, "item_code": ITEMS[i % len(ITEMS)]}
        status, got = await call(app, "POST", "/api/v1/tickets", headers=KIOSK, body=body)
        issued.append(got)
        return status

    async def board(_: int) -> int:
        return (await call(app, "GET", f"/api/v1/halls/{HALL}/board", headers=DISPLAY))[0]

    async def status(i: int) -> int:
        t = issued[-1 - i % 50]
        if t.get("token"):
            return (await call(app, "GET", f"/api/v1/tickets/by-token/{t['token']}"))[0]
        return (await call(app, "GET", f"/api/v1/tickets/{t['id']}"))[0]

    async def call_next(_: int) -> int:
        got, body = await call(app, "POST", f"/api/v1/windows/{window}/call-next", headers=clerk)
        current.append(body["id"])
        return got

    async def finish(_: int) -> int:
        return (await call(app, "POST", f"/api/v1/tickets/{current.pop()}/finish", headers=clerk))[0]

    async def bare(_: int) -> int:
        return (await call(app, "GET", "/bench/bare"))[0]

    async def nothing() -> None:
        return None

    async def idle() -> None:
        if current:
            await finish(0)

    async def serving() -> None:
        if not current:
            await call_next(0)

    plan = {
        "bare": (bare, nothing),
        "issue": (issue, nothing),
        "board": (board, nothing),
        "status": (status, nothing),
        "call-next": (call_next, idle),
        "finish": (finish, serving),
    }
    for i in range(2 * n + 20):  # waiting tickets for the calling paths, and tickets to read
        await issue(i)
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
    ap.add_argument("--paths", default="bare,issue,board,status,call-next,finish")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--quiet", action="store_true", help="profile, but print only the call counts")
    ap.add_argument("--cpu", action="store_true", help="CPU ms per request only, no profiler")
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="smarthall-prof-"))
    url = f"sqlite:///{data_dir / 'bench.db'}"
    os.environ.update(bench_env(data_dir, url))
    os.environ["SMARTHALL_EMBEDDED_WORKER"] = "0"
    prepare(url)
    from app import create  # type: ignore[import-not-found]

    app = create()
    app.add_api_route("/bench/bare", lambda: {"ok": True}, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)

    async def go() -> dict[str, float]:
        async with app.router.lifespan_context(app):
            return await run(app, args.n, args.paths.split(","), args.out, args.cpu, args.quiet)

    result = asyncio.run(go())
    print("cpu ms/request: " + "  ".join(f"{k} {v:.2f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
