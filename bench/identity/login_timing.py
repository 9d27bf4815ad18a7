"""Login timing: an unknown username must cost about as much as a known one with a wrong password, so response
time does not reveal which accounts exist. Runs the real endpoint through a live server on loopback.

    .venv/bin/python bench/identity/login_timing.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from smarthall import migrate
from smarthall.core.config import Settings
from smarthall.core.db import Database
from smarthall.demo import seed_demo
from smarthall.main import create_app, setup_security


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-login-"))
    # The most failed logins a rule allows before throttling, so the wrong-password rounds do not lock clerk1.
    settings = Settings(data_dir=data_dir, log_level="WARNING", lockout_threshold=50)
    setup_security(settings)
    migrate.upgrade(settings.resolved_database_url)
    with Database(settings.resolved_database_url).unit_of_work() as session:
        seed_demo(session, password="smarthall-demo")
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=8093, log_config=None))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    def timed(username: str, password: str) -> float:
        started = time.perf_counter()
        http.post("/api/v1/auth/token", data={"username": username, "password": password})
        return (time.perf_counter() - started) * 1000

    samples: dict[str, list[float]] = {"unknown user": [], "known user, wrong password": [], "success": []}
    with httpx.Client(base_url="http://127.0.0.1:8093", timeout=30) as http:
        for i in range(args.rounds):  # interleaved so machine noise hits all three alike
            samples["unknown user"].append(timed(f"nobody{i}", "wrong-pass-1"))
            samples["known user, wrong password"].append(timed("clerk1", "wrong-pass-1"))
            samples["success"].append(timed("clerk2", "smarthall-demo"))
    server.should_exit = True
    base = statistics.median(samples["known user, wrong password"])
    print(f"{'case':30} {'median ms':>10} {'p90 ms':>8} {'ratio':>6}")
    for name, values in samples.items():
        values.sort()
        median = statistics.median(values)
        print(f"{name:30} {median:10.1f} {values[int(len(values) * 0.9)]:8.1f} {median / base:6.2f}")


if __name__ == "__main__":
    main()
