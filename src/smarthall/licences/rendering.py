"""Where a committed document's PDF is rendered, away from the web process's interpreter.

Rendering a certificate (fpdf2, the CJK font, the QR code) takes tens of milliseconds of pure-Python CPU; done in
the web process it holds the GIL that the kiosk and board requests need (the house issue's "cases beside the hall"
bound). So a decision's documents go, after its commit, to one of:

- ``task``: the huey task ``render_document_task`` (Redis configured: ``smarthall worker`` renders them);
- ``process``: one child process (``spawn``, niced) renders while a background thread of the web process waits on
  it without the GIL and then attaches the result in a short transaction;
- ``inline``: right in the committing thread (tests).

The sweep (``tasks.render_pending_task``) catches whatever a crash left pending, in every mode.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from smarthall.licences.pdf import PdfContent, render

log = logging.getLogger(__name__)

RENDER_TIMEOUT_SECONDS = 120
_lock = threading.Lock()
_children: ProcessPoolExecutor | None = None
_waiters: ThreadPoolExecutor | None = None


def _child_start(font_path: Path | None) -> None:
    """In the child: give way to the web process on a busy machine, leave when it is gone (killed, not shut down),
    and load the font once."""
    try:
        os.nice(10)
    except OSError:  # pragma: no cover - not permitted: render at the same priority
        pass
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    if font_path is not None:
        from smarthall.licences.pdf import common_font

        common_font(str(font_path), font_path.stat().st_mtime)


def _pools(font_path: Path | None) -> tuple[ProcessPoolExecutor, ThreadPoolExecutor]:
    global _children, _waiters
    with _lock:
        if _children is None or _waiters is None:
            context = multiprocessing.get_context("spawn")
            _children = ProcessPoolExecutor(1, mp_context=context, initializer=_child_start, initargs=(font_path,))
            _waiters = ThreadPoolExecutor(2, thread_name_prefix="documents")
            atexit.register(shutdown)
        return _children, _waiters


def render_in_child(content: PdfContent, font_path: Path | None) -> bytes:
    """``render`` in the child process (the caller's thread waits without holding the GIL)."""
    children, _ = _pools(font_path)
    return children.submit(render, content, font_path).result(timeout=RENDER_TIMEOUT_SECONDS)


def in_background(font_path: Path | None, work: Callable[[], object]) -> None:
    """Run ``work`` (which renders through ``render_in_child``) on a background thread of this process."""
    _, waiters = _pools(font_path)
    waiters.submit(work)


def shutdown() -> None:
    """Stop the child and the waiting threads (at exit; tests that started them)."""
    global _children, _waiters
    with _lock:
        children, waiters, _children, _waiters = _children, _waiters, None, None
    if waiters is not None:
        waiters.shutdown(wait=True)
    if children is not None:
        children.shutdown(wait=True, cancel_futures=True)
