"""Slow writes never slow the hall (issue 11 item 4, issue 19 item 4): what a case's decision does beyond its
transaction — rendering the signed PDF, tens of milliseconds of pure-Python CPU — happens after the commit, off the
write lock, and outside the web process: in a niced child process (``licences.rendering``, the default of a server
without Redis on SQLite and PostgreSQL alike) or on the task worker (with Redis). The timed bound (kiosk issue and
board p99 with cases back to back within 2× of the quiet run) is measured by ``bench/queueing/cases_beside.py``,
figures in docs/benchmarks.md: a timed bound is no unit test on a shared machine. Here, the structure that makes it
hold."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from smarthall.core.config import Settings
from tests.cases.helpers import li_ming, sc003


def _take_and_give_back(lock: threading.Lock) -> bool:
    if not lock.acquire(timeout=20):
        return False
    lock.release()
    return True


def test_a_server_renders_documents_outside_the_web_process_on_either_backend(tmp_path: Any) -> None:
    def mode(**kw: Any) -> str:
        return Settings(environment="dev", data_dir=tmp_path, **kw).document_rendering_mode

    assert mode(database_url=f"sqlite:///{tmp_path / 'x.db'}") == "process"  # was "inline": the GIL the hall needs
    assert mode(database_url="postgresql+psycopg://u@h/db") == "process"
    assert mode(database_url=f"sqlite:///{tmp_path / 'x.db'}", redis_url="redis://127.0.0.1:6379/0") == "task"


def test_the_decision_answers_first_and_its_pdf_is_rendered_by_a_child_off_the_write_lock(
    client: Any, env: Any, monkeypatch: Any
) -> None:
    from smarthall.licences import rendering

    env.settings.document_rendering = "process"
    real = rendering.render_in_child
    seen: list[dict[str, Any]] = []
    sampled = threading.Event()
    request_threads: set[str] = set()

    def watched(content: Any, font_path: Any) -> bytes:
        children, _ = rendering._pools(font_path)
        lock = getattr(env.db, "write_lock", None)
        seen.append(
            {
                "thread": threading.current_thread().name,
                # the rendering thread holds no write transaction: the lock can be taken from here (another
                # after-commit job, e.g. the notification relay, may hold it for a moment, never for 20 s)
                "lock_free": lock is None or _take_and_give_back(lock),
                "child_pid": children.submit(os.getpid).result(timeout=60),
            }
        )
        sampled.set()
        return real(content, font_path)  # the real rendering, in the child

    monkeypatch.setattr(rendering, "render_in_child", watched)
    headers = li_ming(client)
    try:
        request_threads.add(threading.current_thread().name)
        created = sc003(client, headers)
        assert created["instant"], created
        assert sampled.wait(timeout=90), "the document was rendered through the child"
        deadline = time.monotonic() + 90
        while True:
            case = client.get(f"/api/v1/cases/{created['case_no']}", headers=headers).json()
            doc = next(d for d in case["documents"] if d["kind"] == "licence")
            if doc["status"] == "valid" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        rendering.shutdown()
    assert doc["status"] == "valid", doc
    assert seen, "the document was rendered through the child"
    for s in seen:
        assert s["child_pid"] != os.getpid(), s  # another process's interpreter, not the web process's GIL
        assert s["thread"].startswith("documents"), s  # a background thread, after the request's commit
        assert s["lock_free"], s  # the request's write transaction has ended: rendering holds no write lock
