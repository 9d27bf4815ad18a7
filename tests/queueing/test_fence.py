"""The hot path's fence, through HTTP: the event loop never waits for SQLite's write lock (a write that cannot have
it at once moves to a worker thread while reads go on), one commit path (``core.db.attempt``: a refused act leaves
nothing, what came before it stands), and tickets loaded in the actor's scope or not at all (``TicketInScope``)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from smarthall.queueing.models import Ticket
from tests.conftest import auth
from tests.factories import make_staff
from tests.queueing.helpers import DISPLAY, HALL, KIOSK, W01, issue, problem, sign_in


class TestEventLoop:
    def test_reads_go_on_while_a_write_waits_for_the_lock(self, live_server, env):
        if env.backend != "sqlite":
            pytest.skip("the write lock is SQLite's (PostgreSQL hot paths run in worker threads)")
        base = live_server
        held = threading.Event()
        release = threading.Event()

        def hold_the_lock() -> None:
            with env.db.unit_of_work() as session:  # BEGIN IMMEDIATE: this process's write lock, then SQLite's
                session.execute(text("SELECT 1"))
                held.set()
                release.wait(10)

        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        assert held.wait(5)
        with ThreadPoolExecutor(2) as pool, httpx.Client(base_url=base, timeout=20) as c:
            started = time.monotonic()
            pending = pool.submit(
                c.post, "/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}, headers=KIOSK
            )
            time.sleep(0.2)  # the issue is waiting for the lock (in a worker thread, not on the loop)
            with httpx.Client(base_url=base, timeout=20) as reader:
                t0 = time.monotonic()
                boards = [reader.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY) for _ in range(5)]
                read_seconds = time.monotonic() - t0
            assert not pending.done()
            release.set()
            issued = pending.result(timeout=20)
        holder.join(5)
        assert all(b.status_code == 200 for b in boards)
        assert read_seconds < 1.0, read_seconds  # five board reads while the lock was held elsewhere
        assert issued.status_code == 201, issued.text  # handed over, waited, then done
        assert time.monotonic() - started >= 0.2


def _in_own_loop(make: Any) -> Any:
    """Run ``make()``'s coroutine to its end on a new event loop in a thread of its own (a browser test earlier in
    the same worker may leave a loop running in this thread, where ``asyncio.run`` refuses to start)."""
    import asyncio

    out: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.append(asyncio.run(make()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)
    if errors:
        raise errors[0]
    return out[0]


class TestWaitingForTheLock:
    """A hot write that finds the write lock taken (by a case, a background task) waits off the loop without taking
    the lock there: the lock is taken on the loop when the request runs, so it is never held while the request sits
    in the loop's queue behind other requests (held idle, it turned every other hot write into a waiter — issue 19's
    convoy)."""

    def test_the_waiter_does_not_hold_the_lock_until_the_loop_runs_it(self):
        import asyncio

        from smarthall.core.routing import _wait_off_the_loop

        lock = threading.Lock()
        taken, release = threading.Event(), threading.Event()

        def other_writer() -> None:
            with lock:
                taken.set()
                release.wait(10)

        async def scenario() -> tuple[bool, bool, bool]:
            waiter = asyncio.get_running_loop().create_task(_wait_off_the_loop(lock))
            await asyncio.sleep(0.2)
            waiting = not waiter.done()
            release.set()
            time.sleep(0.3)  # the loop busy with another request: the worker thread has seen the lock go free
            idle_while_queued = lock.locked()
            await waiter
            held_when_run = lock.locked()
            lock.release()
            return waiting, idle_while_queued, held_when_run

        holder = threading.Thread(target=other_writer)
        holder.start()
        assert taken.wait(5)
        waiting, idle_while_queued, held_when_run = _in_own_loop(scenario)
        holder.join(5)
        assert waiting  # it waited for the other writer
        assert not idle_while_queued  # nobody held the lock while the request waited for the loop
        assert held_when_run  # and it holds it when its endpoint runs

    def test_a_write_that_cannot_have_the_lock_in_time_is_shed_as_busy(self, monkeypatch):

        from smarthall.core import routing
        from smarthall.core.errors import ServiceUnavailable

        monkeypatch.setattr(routing, "WRITE_WAIT_SECONDS", 0.3)
        lock = threading.Lock()
        lock.acquire()
        try:
            with pytest.raises(ServiceUnavailable):
                _in_own_loop(lambda: routing._wait_off_the_loop(lock))
        finally:
            lock.release()


class TestOneCommitPath:
    def test_a_refused_kiosk_issue_writes_nothing(self, client, env):
        with env.session(write=False) as s:
            before = s.execute(select(func.count()).select_from(Ticket)).scalar_one()
        r = client.post(f"/kiosk/{HALL}/issue", data={"appointment_code": "Y0000000000"}, headers=KIOSK)
        assert r.status_code == 404 and 'data-testid="kiosk-error"' in r.text
        with env.session(write=False) as s:
            assert s.execute(select(func.count()).select_from(Ticket)).scalar_one() == before

    def test_a_refused_workstation_act_leaves_the_window_as_it_was(self, client):
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        t = issue(client).json()
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        client.post("/login", data={"username": "clerk1", "password": "smarthall-demo", "next": "/"})
        origin = {"Origin": "http://testserver"}
        busy = client.post(f"/window/{W01}/act", data={"action": "call-next"}, headers=origin)
        assert busy.status_code == 409 and "请先办结或过号当前号票" in busy.text  # the workstation shows the refusal
        assert client.get(f"/api/v1/tickets/by-token/{t['token']}").json()["status"] == "called"


class TestTicketInScope:
    def test_another_halls_clerk_cannot_find_the_ticket(self, client, env):
        make_staff(env, username="farclerk", role="clerk", hall_code="H-690123")
        clerk = auth(client, "clerk1")
        sign_in(client, clerk)
        t = issue(client).json()
        client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        assert client.post(f"/api/v1/tickets/{t['id']}/skip", headers=clerk).status_code == 200
        far = auth(client, "farclerk")
        problem(client.post(f"/api/v1/tickets/{t['id']}/requeue", headers=far), 404, "ticket_not_found")
        problem(client.post("/api/v1/tickets/999999/requeue", headers=clerk), 404, "ticket_not_found")
        assert client.post(f"/api/v1/tickets/{t['id']}/requeue", headers=clerk).json()["status"] == "waiting"
