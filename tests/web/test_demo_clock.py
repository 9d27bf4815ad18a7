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
