"""A demo that works at any hour (issue 16): started outside the demo hall's opening hours, the dev demo runs on a
demo clock from the hall's next working morning, running on, shown in the top bar as 演示时间, and the kiosk issues
tickets; started in opening hours, or with the setting off, it keeps the real clock and shows no demo time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from smarthall.core.clock import SHANGHAI, DemoClock, FrozenClock
from smarthall.demo import KIOSK_KEY, demo_clock
from smarthall.main import _clock

HALL = "H-690102"


def test_after_hours_the_demo_runs_from_the_next_working_morning(env: Any) -> None:
    dawn = datetime(2026, 11, 30, 5, 30, tzinfo=SHANGHAI)  # a Monday, before the hall opens
    from smarthall.queueing import facts

    with env.session(write=False) as s:
        opens = facts.next_opening(s, facts.hall(s, HALL), dawn)
        clock = demo_clock(s, dawn)
        assert demo_clock(s, datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)) is None  # open: the real clock
        saturday = demo_clock(s, datetime(2026, 12, 5, 20, 0, tzinfo=SHANGHAI))
    assert clock is not None and saturday is not None
    assert opens is not None and opens.date() == dawn.date()
    start = clock.now()
    assert opens + timedelta(minutes=30) <= start < opens + timedelta(minutes=31)  # a morning under way, running
    assert saturday.now().astimezone(SHANGHAI).weekday() == 0  # the weekend skipped: Monday morning


def test_the_clock_runs_on_from_its_start() -> None:
    real = FrozenClock(datetime(2026, 11, 30, 5, 30, tzinfo=SHANGHAI))
    clock = DemoClock(datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI), real=real)
    real.advance(minutes=7)
    assert clock.now() == datetime(2026, 11, 30, 9, 37, tzinfo=SHANGHAI)


def test_the_setting_and_the_environment_choose_the_real_clock(env: Any) -> None:
    off = env.settings.model_copy(update={"environment": "dev", "demo_clock": False})
    assert not getattr(_clock(off, env.db), "demo", False)
    assert not getattr(_clock(env.settings, env.db), "demo", False)  # tests and production: never a demo clock


def test_pages_show_the_demo_time_and_the_kiosk_is_open(env: Any) -> None:
    from smarthall.main import create_app

    app = create_app(env.settings, clock=DemoClock(datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)))
    with TestClient(app, base_url="http://testserver") as browser:
        home = browser.get("/?lang=zh")
        assert 'data-testid="demo-time"' in home.text and "演示时间 11-30 09:3" in home.text
        kiosk = browser.get(f"/kiosk/{HALL}", headers={"X-Device-Key": KIOSK_KEY})
        assert kiosk.status_code == 200 and 'data-testid="kiosk-closed"' not in kiosk.text
        assert "Demo time" in browser.get("/?lang=en").text
    app.state.db.dispose()
    real = TestClient(env.app, base_url="http://testserver")
    assert 'data-testid="demo-time"' not in real.get("/").text


def test_every_clock_on_one_data_dir_shares_one_offset(tmp_path: Any) -> None:
    from smarthall.core.clock import SharedDemoClock

    real = FrozenClock(datetime(2026, 11, 30, 5, 30, tzinfo=SHANGHAI))
    web, worker = (SharedDemoClock(tmp_path / "demo-clock.json", real=real, reread_seconds=0) for _ in range(2))
    assert web.now() == worker.now() == real.now() and not web.demo  # no record: the real clock
    web.move_to(datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI))
    real.advance(minutes=7)
    assert worker.demo and worker.now() == web.now() == datetime(2026, 11, 30, 9, 37, tzinfo=SHANGHAI)
    worker.move_to(datetime(2026, 11, 30, 8, 0, tzinfo=SHANGHAI))  # never backwards while the record is live
    assert web.now() == datetime(2026, 11, 30, 9, 37, tzinfo=SHANGHAI)


def test_a_start_keeps_the_shared_clock_or_moves_it_on_to_the_next_morning(env: Any, tmp_path: Any) -> None:
    import time

    from smarthall.demo import shared_clock

    path = tmp_path / "demo-clock.json"
    real = FrozenClock(datetime(2026, 11, 30, 5, 30, tzinfo=SHANGHAI))  # before the hall opens
    with env.session(write=False) as s:
        first = shared_clock(s, path, real)
        start = first.now()
        real.advance(minutes=20)  # a second process (the worker) starts later: the same now, not its own morning
        second = shared_clock(s, path, real)
        assert second.now() == first.now() == start + timedelta(minutes=20)
        real.advance(hours=9)  # still this session, but the demo's afternoon ran past closing: the next morning
        late = shared_clock(s, path, real)
        time.sleep(1.05)  # a running process re-reads the record at most every second: it follows the move
        assert late.now() > start + timedelta(hours=9, minutes=20) and first.offset() == late.offset()
        assert late.now().astimezone(SHANGHAI).hour == 9
        real.advance(hours=20)  # a later session (no live record): decided afresh from the real clock
        assert shared_clock(s, path, real).offset() < late.offset()


def _start_clock_process(env: Any, data_dir: Any) -> Any:
    import os
    import subprocess
    import sys

    from tests.conftest import TEST_FIELD_KEY

    code = (
        "import json; from smarthall.main import create_app; from smarthall.core.clock import SystemClock; "
        "c = create_app().state.clock; "
        "print(json.dumps({'offset': (c.now() - SystemClock().now()).total_seconds(), 'demo': bool(c.demo)}))"
    )
    environ = {
        **os.environ,
        "SMARTHALL_ENVIRONMENT": "dev",
        "SMARTHALL_DATABASE_URL": env.settings.resolved_database_url,
        "SMARTHALL_DATA_DIR": str(data_dir),
        "SMARTHALL_FIELD_KEY": TEST_FIELD_KEY,
        "SMARTHALL_SECRET_KEY": "test-secret-key-for-tokens-only-in-tests",
        "SMARTHALL_EMBEDDED_WORKER": "0",
        "SMARTHALL_LOG_LEVEL": "WARNING",
    }
    environ.pop("SMARTHALL_REDIS_URL", None)
    return subprocess.Popen([sys.executable, "-c", code], env=environ, stdout=subprocess.PIPE, text=True)  # noqa: S603


def _offsets(procs: list[Any]) -> list[dict[str, Any]]:
    import json

    out = []
    for p in procs:
        stdout, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def test_two_processes_started_apart_agree_on_now(env: Any, tmp_path: Any) -> None:
    """Two processes of one deployment (a web process, the worker: both build the app with ``create_app``) on one
    data dir, the second started after the first has decided: one offset, at any hour of the day the test runs."""
    import json
    import time

    from smarthall.core.clock import SystemClock

    if env.backend != "sqlite":
        import pytest

        pytest.skip("the processes read the demo hall from the test's SQLite file")
    fresh = tmp_path / "fresh"
    first = _offsets([_start_clock_process(env, fresh)])[0]
    time.sleep(1.5)
    second = _offsets([_start_clock_process(env, fresh)])[0]
    assert first["demo"] == second["demo"] and abs(first["offset"] - second["offset"]) < 0.5, (first, second)

    # A session whose demo is on a Sunday night (the hall closed): the first start moves it to Monday morning, the
    # second (1.5 s later) keeps that, instead of a morning of its own 1.5 s later or the real clock.
    shared = tmp_path / "shared"
    shared.mkdir()
    real_now = SystemClock().now()
    sunday_night = datetime(2026, 12, 6, 3, 0, tzinfo=SHANGHAI)
    record = {"offset_seconds": (sunday_night - real_now).total_seconds(), "decided_at": real_now.isoformat()}
    (shared / "demo-clock.json").write_text(json.dumps(record))
    first = _offsets([_start_clock_process(env, shared)])[0]
    time.sleep(1.5)
    second = _offsets([_start_clock_process(env, shared)])[0]
    assert first["demo"] and second["demo"], (first, second)
    assert abs(first["offset"] - second["offset"]) < 0.5, (first, second)
    monday = SystemClock().now() + timedelta(seconds=second["offset"])
    assert monday.astimezone(SHANGHAI).date().isoformat() == "2026-12-07", monday
