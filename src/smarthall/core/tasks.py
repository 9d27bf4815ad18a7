"""Background tasks and periodic jobs on huey: SqliteHuey under the data directory by default, RedisHuey when
``SMARTHALL_REDIS_URL`` is set, and immediate (inline) mode in tests. Each task opens its own unit of work via
``core.runtime``. Tasks are enqueued only after the request's commit (``enqueue``), so a job never sees a
rolled-back row. ``smarthall serve`` runs an embedded consumer thread; ``smarthall worker`` runs one alone.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer
from sqlalchemy.orm import Session

from smarthall.core.config import Settings
from smarthall.core.db import after_commit

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
        store = SqliteHuey("smarthall", filename=str(settings.data_dir / "tasks.db"))
    huey._immediate = False
    huey.storage = store.storage
    return huey


def enqueue(session: Session, task: TaskWrapper, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` once ``session`` has committed."""
    after_commit(session, lambda: task(*args, **kwargs))


class _ThreadConsumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:  # signals belong to the main thread (uvicorn's)
        return None


def start_embedded_consumer(workers: int = 2) -> threading.Thread:
    consumer = _ThreadConsumer(huey, workers=workers, periodic=True, worker_type="thread")
    thread = threading.Thread(target=consumer.run, name="huey-consumer", daemon=True)
    thread.start()
    log.info("embedded task consumer started with %d workers", workers)
    return thread
