"""App factory for the load benchmark: settings from the environment, and a clock that starts on a working Monday
at 09:00 in the hall and runs at real speed (so the hall is open whenever the benchmark runs).

With ``SMARTHALL_BENCH_PROFILE=<path>`` every thread (the event loop, where SQLite's hot paths run, and the worker
threads) is profiled with cProfile and the merged statistics are written to ``<path>.<pid>`` when the lifespan ends
and every 20 s; with
``SMARTHALL_BENCH_GCSTATS=<path>`` the garbage collector's pauses per generation (count, total and longest, in
seconds) are kept in ``<path>.<pid>``; ``SMARTHALL_BENCH_LOOPLAG=<path>`` keeps how late the event loop runs a 10 ms
timer; ``SMARTHALL_BENCH_SWITCH=<seconds>`` sets the interpreter's GIL switch interval; with
``SMARTHALL_BENCH_RENDER_PROCESS=1`` documents are rendered by a child process (an experiment: what the cases'
PDF rendering costs the live hall in this process's GIL and collector, see docs/benchmarks.md)."""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from smarthall.core.config import Settings

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 09:00 Asia/Shanghai


class BenchClock:
    def __init__(self) -> None:
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return START + timedelta(seconds=time.monotonic() - self._t0)


def _profile_threads(path: str, app: Any) -> None:
    """cProfile in every thread: the event loop's (where SQLite's hot paths run inline) from here, the others from
    their start. The merged statistics are written when the app's lifespan ends (uvicorn's graceful stop, before
    the interpreter waits for non-daemon threads, so an embedded consumer that lingers cannot lose them), and
    again every ``SMARTHALL_BENCH_PROFILE_EVERY`` seconds (default 20) so that a killed server leaves its last."""
    from contextlib import asynccontextmanager

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def boot(*_: Any) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()

    threading.setprofile(boot)
    main = cProfile.Profile()
    profiles.append(main)

    class Snapshot:  # what pstats.Stats reads, without disabling a profiler running in another thread
        def __init__(self, profile: cProfile.Profile) -> None:
            profile.snapshot_stats()  # type: ignore[attr-defined]
            self.stats = profile.stats  # type: ignore[attr-defined]

        def create_stats(self) -> None:
            return None

    def dump(final: bool) -> None:
        stats = None
        with lock:
            current = list(profiles)
        for profile in current:
            try:
                if final:
                    profile.disable()
                snap = Snapshot(profile)
                if snap.stats:
                    stats = pstats.Stats(snap) if stats is None else stats.add(snap)  # type: ignore[arg-type]
            except Exception:  # noqa: S112 - a thread's profiler may be mid-call; skip it
                continue
        if stats is not None:
            stats.dump_stats(f"{path}.{os.getpid()}")

    every = float(os.environ.get("SMARTHALL_BENCH_PROFILE_EVERY", "20"))
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> Any:
        import asyncio

        main.enable()

        async def periodic() -> None:
            while True:
                await asyncio.sleep(every)
                dump(False)

        task = asyncio.get_running_loop().create_task(periodic())
        try:
            async with inner(a):
                yield
        finally:
            task.cancel()
            dump(True)

    app.router.lifespan_context = lifespan


def create() -> Any:
    """The app as ``smarthall serve`` runs it (``smarthall.asgi``), embedded task consumer included."""
    from smarthall.core.tasks import start_embedded_consumer
    from smarthall.main import create_app

    if os.environ.get("SMARTHALL_BENCH_RENDER_PROCESS"):
        _render_in_a_process()
    app = create_app(Settings(), clock=BenchClock())
    if os.environ.get("SMARTHALL_BENCH_PROFILE"):
        _profile_threads(os.environ["SMARTHALL_BENCH_PROFILE"], app)
    if os.environ.get("SMARTHALL_BENCH_SWITCH"):  # diagnostic: the interpreter's GIL switch interval, seconds
        sys.setswitchinterval(float(os.environ["SMARTHALL_BENCH_SWITCH"]))
    if os.environ.get("SMARTHALL_BENCH_LOOPLAG"):
        _loop_lag(os.environ["SMARTHALL_BENCH_LOOPLAG"], app)
    if os.environ.get("SMARTHALL_EMBEDDED_WORKER", "1") != "0":
        start_embedded_consumer()
    return app


def _render_in_a_process() -> None:  # experiment: documents rendered by a child process (no GIL, no GC pauses here)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from smarthall.licences import pdf, service

    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def render(content: Any, font_path: Any) -> bytes:
        return pool.submit(pdf.render, content, font_path).result()

    service.render = render  # type: ignore[assignment]


def _gc_stats(path: str) -> None:  # diagnostic: how long the collector pauses the process, per generation
    import gc
    import json

    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started = [0.0]

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - started[0])
            if sum(len(v) for v in pauses.values()) % 200 == 0:
                with open(f"{path}.{os.getpid()}", "w") as f:
                    json.dump({g: [len(v), sum(v), max(v, default=0)] for g, v in pauses.items()}, f)

    gc.callbacks.append(callback)


if os.environ.get("SMARTHALL_BENCH_GCSTATS"):
    _gc_stats(os.environ["SMARTHALL_BENCH_GCSTATS"])


def _loop_lag(path: str, app: Any) -> None:  # diagnostic: how late the event loop runs a 10 ms timer
    import asyncio
    import json

    lags: list[float] = []

    async def probe() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - t - 0.01)
            if len(lags) % 500 == 0:
                worst = sorted(lags)
                with open(f"{path}.{os.getpid()}", "w") as f:
                    json.dump({"n": len(worst), "p99": worst[int(len(worst) * 0.99)], "max": worst[-1]}, f)

    from contextlib import asynccontextmanager

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> Any:
        task = asyncio.get_running_loop().create_task(probe())
        async with inner(a):
            yield
        task.cancel()

    app.router.lifespan_context = lifespan
