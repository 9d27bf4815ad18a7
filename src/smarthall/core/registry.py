"""``Registry``: what the domains contribute to one running platform, collected when asked, never at import.

``smarthall.wiring.build_registry`` calls each domain's ``register(registry)`` (in its package ``__init__``) once per
app, worker or command; the registry then holds the domain's

- event listeners (``on``: after the emitting commit; ``on_write``: inside the emitting transaction),
- message templates (``template``: zh and en texts with ``{placeholders}``),
- background tasks and periodic jobs (``task``/``periodic``: huey wrappers, made once per process),
- cache namespaces and the models whose committed changes empty them (``cache``),
- JSON and page routers in the order the app tries them (``api``/``pages``),
- named contributions another domain looks up (``contribute``/``contributions``: prefill resolvers, adapters).

The ``Database`` of the app carries its registry, so a session always finds the wiring it was opened under
(``session.info["db"].registry``); two apps in one process (tests) never share listeners or caches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter
    from huey.api import TaskWrapper
    from sqlalchemy.orm import Session

    from smarthall.core.config import Settings

Handler = Callable[[dict[str, Any]], None]
WriteHandler = Callable[["Session", dict[str, Any]], None]


@dataclass(frozen=True)
class RouterEntry:
    router: APIRouter
    priority: int
    order: int


class Registry:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings
        self.handlers: dict[str, list[Handler]] = defaultdict(list)
        self.write_handlers: dict[str, list[WriteHandler]] = defaultdict(list)
        self.templates: dict[str, tuple[str, str]] = {"generic": ("{text}", "{text}")}
        self.cache_dependents: dict[str, set[str]] = {}  # table name -> cache namespaces built from it
        self.tasks: dict[Callable[..., Any], TaskWrapper] = {}
        self._api: list[RouterEntry] = []
        self._pages: list[RouterEntry] = []
        self._contributions: dict[str, list[Any]] = defaultdict(list)
        self.domains: list[str] = []

    # -- events --------------------------------------------------------------------------------------------------
    def on(self, name: str, handler: Handler) -> None:
        """``handler(payload)`` runs after a transaction that emitted ``name`` has committed."""
        if handler not in self.handlers[name]:
            self.handlers[name].append(handler)

    def on_write(self, name: str, handler: WriteHandler) -> None:
        """``handler(session, payload)`` runs inside the emitting transaction, when ``name`` is emitted."""
        if handler not in self.write_handlers[name]:
            self.write_handlers[name].append(handler)

    # -- message templates ---------------------------------------------------------------------------------------
    def template(self, name: str, zh: str, en: str) -> None:
        self.templates[name] = (zh, en)

    # -- caches ----------------------------------------------------------------------------------------------------
    def cache(self, namespace: str, *tables: str) -> None:
        """``Database.cache[namespace]`` is emptied whenever a transaction that changed a row of one of ``tables``
        (by table name: a domain names another's tables without importing its models) commits."""
        for table in tables:
            self.cache_dependents.setdefault(table, set()).add(namespace)

    # -- tasks -----------------------------------------------------------------------------------------------------
    def task(self, fn: Callable[..., Any], **options: Any) -> TaskWrapper:
        """A background task running ``fn``; enqueue it with ``core.tasks.enqueue(session, fn, ...)``."""
        from smarthall.core.tasks import task_wrapper

        wrapper = task_wrapper(fn, **options)
        self.tasks[fn] = wrapper
        return wrapper

    def periodic(self, fn: Callable[..., Any], schedule: Callable[..., bool]) -> TaskWrapper:
        """A periodic job: ``fn()`` runs whenever ``schedule`` (a huey ``crontab``) says so, in the task consumer."""
        from smarthall.core.tasks import periodic_wrapper

        wrapper = periodic_wrapper(fn, schedule)
        self.tasks[fn] = wrapper
        return wrapper

    # -- routers ---------------------------------------------------------------------------------------------------
    def api(self, router: APIRouter, *, priority: int = 50) -> None:
        """A JSON router under ``/api/v1``. Lower ``priority`` is tried first (the live hall's hot paths first)."""
        self._api.append(RouterEntry(router, priority, len(self._api)))

    def pages(self, router: APIRouter, *, priority: int = 50) -> None:
        self._pages.append(RouterEntry(router, priority, len(self._pages)))

    def api_routers(self) -> list[APIRouter]:
        return [e.router for e in sorted(self._api, key=lambda e: (e.priority, e.order))]

    def page_routers(self) -> list[APIRouter]:
        return [e.router for e in sorted(self._pages, key=lambda e: (e.priority, e.order))]

    # -- contributions ---------------------------------------------------------------------------------------------
    def contribute(self, point: str, value: Any) -> None:
        """Add ``value`` to the extension point ``point`` (e.g. ``cases.prefill_resolver``)."""
        if value not in self._contributions[point]:
            self._contributions[point].append(value)

    def contributions(self, point: str) -> list[Any]:
        return list(self._contributions.get(point, ()))

    def provide(self, point: str, value: Any) -> None:
        """The one implementation of ``point`` (e.g. ``actors``: how a request's actor is found)."""
        self._contributions[point] = [value]

    def provided(self, point: str) -> Any:
        values = self._contributions.get(point)
        if not values:
            raise LookupError(f"nothing provides {point!r} in this registry")
        return values[0]


EMPTY = Registry()


def registry_of(session: Session) -> Registry:
    """The registry of the app whose database opened ``session`` (an empty one for a bare session)."""
    database = session.info.get("db")
    registry = getattr(database, "registry", None)
    return registry if registry is not None else EMPTY
