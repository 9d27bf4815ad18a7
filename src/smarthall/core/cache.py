"""Per-process caches of facts that change rarely (actors, halls, windows, items), kept in ``Database.cache``.

Each namespace of ``Database.cache`` is declared by its domain with the mapped classes it is built from
(``Registry.cache`` in the domain's ``register()``); a committed ORM change to one of them in this process empties
the namespace at once. Other processes keep theirs
until the entries' time limit (``cached(..., seconds=)``), which is how long a change made elsewhere can take to
show there. The caches let the hot request paths skip queries whose answer is the same all day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from smarthall.core.registry import registry_of

T = TypeVar("T")
_STALE = "stale_caches"


def cached(session: Session, namespace: str, key: Any, load: Callable[[], T], *, seconds: float = 30.0) -> T:
    """``load()``, remembered under ``namespace``/``key`` for ``seconds`` (a ``load`` that raises is not kept)."""
    database = session.info.get("db")
    if database is None:  # a session not made by ``Database.session``: nothing to keep it in
        return load()
    entries = database.cache.setdefault(namespace, {})
    hit = entries.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < seconds:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    entries[key] = (now, value)
    return value


def invalidate(session: Session, *namespaces: str) -> None:
    """Empty ``namespaces`` once ``session`` commits (for changes made with Core statements, which no flush sees)."""
    session.info.setdefault(_STALE, set()).update(namespaces)


def _note_changes(session: Session, _flush_context: Any) -> None:
    dependents = registry_of(session).cache_dependents
    if not dependents:
        return
    for objects in (session.new, session.dirty, session.deleted):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            namespaces = dependents.get(table) if table else None
            if namespaces:
                session.info.setdefault(_STALE, set()).update(namespaces)


def _empty_stale(session: Session) -> None:
    stale = session.info.pop(_STALE, None)
    database = session.info.get("db")
    if stale and database is not None:
        for namespace in stale:
            database.cache.pop(namespace, None)


event.listen(Session, "after_flush", _note_changes)
event.listen(Session, "after_commit", _empty_stale)
