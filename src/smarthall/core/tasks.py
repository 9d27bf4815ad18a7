"""Background tasks and periodic jobs on huey: SqliteHuey under the data directory by default, RedisHuey when
``SMARTHALL_REDIS_URL`` is set, and immediate (inline) mode in tests. Each task opens its own unit of work via
``core.runtime``. Tasks are enqueued only after the request's commit (``enqueue``), so a job never sees a
rolled-back row. ``smarthall serve`` runs an embedded consumer thread; ``smarthall worker`` runs one alone.

Domains declare their tasks in ``register()`` (``Registry.task``/``Registry.periodic``), never with a decorator at
import; the huey wrapper of a function is made once per process (huey refuses a second task of the same name) and
each registry that declares it holds it, so ``enqueue(session, fn, ...)`` finds it through the session's registry.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer
from sqlalchemy.orm import Session

from smarthall.core.config import Settings
from smarthall.core.db import after_commit, private_sqlite_file

log = logging.getLogger(__name__)

# The huey instance is created at import with a memory store and rebound by ``configure_tasks``; task
# decorators bind to this object, whose storage is swapped underneath.
huey: Huey = MemoryHuey("smarthall", immediate=True)


def configure_tasks(settings: Settings, *, immediate: bool | None = None) -> Huey:
    global huey
    is_test = settings.environment == "test"
    if immediate is None:
        immediate = is_test
    if immediate:
        huey.immediate = True
        return huey
    if settings.redis_url:
        store: Huey = RedisHuey("smarthall", url=settings.redis_url)
    else:
        settings.ensure_dirs()
        private_sqlite_file(settings.data_dir / "tasks.db")
        store = SqliteHuey("smarthall", filename=str(settings.data_dir / "tasks.db"))
    huey._immediate = False
    huey.storage = store.storage
    return huey


_WRAPPERS: dict[Callable[..., Any], TaskWrapper] = {}
_WRAPPERS_LOCK = threading.Lock()


def _task_name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def task_wrapper(fn: Callable[..., Any], **options: Any) -> TaskWrapper:
    """The process's one huey task for ``fn`` (made on first declaration)."""
    with _WRAPPERS_LOCK:
        wrapper = _WRAPPERS.get(fn)
        if wrapper is None:
            wrapper = _WRAPPERS[fn] = huey.task(name=_task_name(fn), **options)(fn)
        return wrapper


def periodic_wrapper(fn: Callable[..., Any], schedule: Callable[..., bool]) -> TaskWrapper:
    """The process's one huey periodic task for ``fn``."""
    with _WRAPPERS_LOCK:
        wrapper = _WRAPPERS.get(fn)
        if wrapper is None:
            wrapper = _WRAPPERS[fn] = huey.periodic_task(schedule, name=_task_name(fn))(fn)
        return wrapper


def enqueue(session: Session, task: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` once ``session`` has committed. ``task`` is a function a domain declared
    with ``Registry.task`` (or its wrapper)."""
    from smarthall.core.registry import registry_of

    wrapper = task if isinstance(task, TaskWrapper) else registry_of(session).tasks.get(task)
    if wrapper is None:
        raise LookupError(f"task {_task_name(task)} is not declared in this app's registry")
    after_commit(session, lambda: wrapper(*args, **kwargs))


class _ThreadConsumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:  # signals belong to the main thread (uvicorn's)
        return None


def start_embedded_consumer(workers: int = 2) -> threading.Thread:
    consumer = _ThreadConsumer(huey, workers=workers, periodic=True, worker_type="thread")
    thread = threading.Thread(target=consumer.run, name="huey-consumer", daemon=True)
    thread.start()
    log.info("embedded task consumer started with %d workers", workers)
    return thread
