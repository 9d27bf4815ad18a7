"""The one place that decides, in SQL, which hall-owned rows an actor may see: ``hall_scope`` and ``Repository``.

``hall_scope(model, actor)`` is the SQL twin of ``Actor.can_see_hall`` (``core.tenancy``): the system sees every
row; staff and devices see the rows of their own hall; supervising roles (``tenancy.SUPERVISING_ROLES``) also see
the rows of every hall whose region path lies beneath theirs; everyone else (citizens, anonymous callers) sees no
hall-owned row through it — their own records are found by owner, never by hall. A property test
(``tests/core/test_scope.py``) proves the two agree for every role and hall pair on both backends.

Every domain's ``repository.py`` builds its lists and gets from ``Repository.scoped`` (or ``hall_scope`` for a
statement of its own shape), and pages in SQL *after* the scope condition, so a page is never short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from smarthall.core.models import Base
from smarthall.core.tenancy import Actor, supervises

M = TypeVar("M", bound=Base)
T = TypeVar("T")

MAX_PAGE = 500


def _hall_table() -> Any:
    # The hall table by name: core knows no domain's models, and the hall tree's table is ``org_hall``.
    return Base.metadata.tables["org_hall"]


def region_under(path_column: Any, region_path: str) -> ColumnElement[bool]:
    """``path_column`` lies at or beneath ``region_path`` (region paths end with ``/``, so a prefix is a subtree)."""
    return path_column.startswith(region_path, autoescape=True)  # type: ignore[no-any-return]


def hall_scope(model: Any, actor: Actor, *, hall_column: Any = None, path_column: Any = None) -> ColumnElement[bool]:
    """The condition "``actor`` may see this row's hall" for a row of ``model``.

    The row's hall is ``model.hall_id`` (or ``hall_column``); its region path is ``model.region_path`` where the
    model keeps one (or ``path_column``), otherwise it is looked up in the hall table."""
    if actor.kind == "system":
        return true()
    if actor.kind not in ("staff", "device", "client") or actor.hall_id is None:  # a client: like a supervisor
        return false()
    hall_col = hall_column if hall_column is not None else model.hall_id
    own = hall_col == actor.hall_id
    if not supervises(actor):
        return own  # type: ignore[no-any-return]
    assert actor.region_path is not None
    if path_column is None:
        path_column = getattr(model, "region_path", None)
    if path_column is not None:
        beneath = region_under(path_column, actor.region_path)
    else:
        halls = _hall_table()
        under = select(halls.c.id).where(region_under(halls.c.region_path, actor.region_path)).correlate(None)
        beneath = hall_col.in_(under)
    return or_(own, beneath)


def hall_ids_in_scope(actor: Actor) -> Select[tuple[int]]:
    """The ids of the halls ``actor`` may see, as a subquery-ready select (hall rows themselves are scoped so)."""
    halls = _hall_table()
    return select(halls.c.id).where(hall_scope(None, actor, hall_column=halls.c.id, path_column=halls.c.region_path))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a scoped list: the rows, and how many rows the whole scoped list holds."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Repository(Generic[M]):
    """Queries of one hall-owned model. Subclasses add the domain's own questions, each starting from ``scoped``."""

    model: ClassVar[type[Any]]

    def __init__(self, session: Session) -> None:
        self.session = session

    def scope(self, actor: Actor) -> ColumnElement[bool]:
        return hall_scope(self.model, actor)

    def scoped(self, actor: Actor) -> Select[Any]:
        """``SELECT model WHERE <actor may see the row's hall>``."""
        return select(self.model).where(self.scope(actor))

    def get_in_scope(self, actor: Actor, **where: Any) -> M | None:
        """The one row matching ``where`` (column = value) that ``actor`` may see, or None (never "exists but not
        yours": the caller answers 404 either way)."""
        stmt = self.scoped(actor)
        for name, value in where.items():
            stmt = stmt.where(getattr(self.model, name) == value)
        return self.session.execute(stmt.limit(2)).scalars().one_or_none()  # type: ignore[no-any-return]

    def page(self, stmt: Select[Any], *, limit: int = 50, offset: int = 0, count: bool = True) -> Page[Any]:
        """Rows of an already scoped ``stmt``, paged in SQL (the scope condition is applied before LIMIT)."""
        limit = max(1, min(int(limit), MAX_PAGE))
        offset = max(0, int(offset))
        rows = list(self.session.execute(stmt.limit(limit).offset(offset)).scalars())
        total = len(rows) + offset
        if count and (len(rows) == limit or offset):
            counted = select(func.count()).select_from(stmt.order_by(None).subquery())
            total = int(self.session.execute(counted).scalar_one())
        return Page(rows, total, limit, offset)

    def add(self, row: M) -> M:
        self.session.add(row)
        return row

    def add_all(self, rows: Sequence[M]) -> None:
        self.session.add_all(rows)

    def flush(self) -> None:
        self.session.flush()
