"""Queries of consultation: knowledge-base entries and their versions, asked questions (the review queue and the
metrics) and the routes citizens took.

Entries are the province's (not hall-owned). Questions and routes carry the code of the hall they were asked in:
the review queue and the metrics are hall-owned and go through the one scope filter (``core.repository.hall_scope``)
joined on that code; a question asked outside any hall (web, no hall chosen) belongs to no hall and is seen by
every editor.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, or_, select

from smarthall.consult.models import Entry, EntryVersion, Question, Route
from smarthall.core.models import Base
from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor


def served(now: datetime) -> ColumnElement[bool]:
    return (  # type: ignore[no-any-return]
        (Entry.status == "published")
        & or_(Entry.effective_from.is_(None), Entry.effective_from <= now)
        & or_(Entry.expires_at.is_(None), Entry.expires_at > now)
    )


class EntryRepository(Repository[Entry]):
    model = Entry

    def signature(self) -> tuple[Any, ...]:
        """A cheap aggregate that changes whenever any entry does (the in-process index checks it per question)."""
        row = self.session.execute(
            select(func.count(Entry.id), func.max(Entry.updated_at), func.sum(Entry.revision))
        ).one()
        return (row[0], row[1], row[2])

    def served(self, now: datetime) -> list[Entry]:
        return list(self.session.execute(select(Entry).where(served(now)).order_by(Entry.code)).scalars())

    def boundaries(self, now: datetime) -> list[datetime]:
        """The effective/expiry moments of published entries still ahead of ``now``."""
        rows = self.session.execute(select(Entry.effective_from, Entry.expires_at).where(Entry.status == "published"))
        return [m for pair in rows for m in pair if m is not None and m > now]

    def all_by_code(self) -> dict[str, Entry]:
        return {e.code: e for e in self.session.execute(select(Entry)).scalars()}

    def any_from_catalog(self) -> bool:
        return self.session.execute(select(Entry.id).where(Entry.source == "catalog").limit(1)).first() is not None

    def by_code(self, code: str) -> Entry | None:
        return self.session.execute(select(Entry).where(Entry.code == code)).scalar_one_or_none()

    def by_code_in_scope(self, actor: Actor, code: str) -> Entry | None:
        """The entry if ``actor`` may see it: the platform's (no hall) or a hall's in its scope."""
        stmt = _scoped_by_hall_code(select(Entry).where(Entry.code == code), Entry.hall_code, actor)
        return self.session.execute(stmt).scalar_one_or_none()

    def hall_in_scope(self, actor: Actor, hall_code: str) -> bool:
        halls = _halls()
        stmt = select(halls.c.code).where(
            halls.c.code == hall_code, hall_scope(None, actor, hall_column=halls.c.id, path_column=halls.c.region_path)
        )
        return self.session.execute(stmt).first() is not None

    def exists(self, code: str) -> bool:
        return self.session.execute(select(Entry.id).where(Entry.code == code)).first() is not None

    def listing(
        self, *, status: str | None, q: str | None, limit: int, offset: int, actor: Actor | None = None
    ) -> tuple[int, list[Entry]]:
        stmt = select(Entry).order_by(Entry.code)
        if actor is not None:
            stmt = _scoped_by_hall_code(stmt, Entry.hall_code, actor)
        if status:
            stmt = stmt.where(Entry.status == status)
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.where(or_(Entry.title.like(like), Entry.body.like(like), Entry.code.like(like)))
        total = self.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        return total, list(self.session.execute(stmt.limit(limit).offset(offset)).scalars())

    def not_retired(self, actor: Actor) -> list[Entry]:
        """Entries not retired that ``actor`` may see (the platform's and its halls'), for the export."""
        stmt = select(Entry).where(Entry.status != "retired").order_by(Entry.code)
        return list(self.session.execute(_scoped_by_hall_code(stmt, Entry.hall_code, actor)).scalars())

    def versions(self, entry_id: int) -> list[EntryVersion]:
        stmt = select(EntryVersion).where(EntryVersion.entry_id == entry_id).order_by(EntryVersion.version)
        return list(self.session.execute(stmt).scalars())

    def add_version(self, version: EntryVersion) -> None:
        self.session.add(version)


def _halls() -> Any:
    return Base.metadata.tables["org_hall"]


def _scoped_by_hall_code(stmt: Select[Any], code_column: Any, actor: Actor) -> Select[Any]:
    """``stmt`` limited to the rows ``actor`` may see, the row's hall named by ``code_column`` (a hall code)."""
    if actor.kind == "system":
        return stmt
    halls = _halls()
    visible = select(halls.c.code).where(
        hall_scope(None, actor, hall_column=halls.c.id, path_column=halls.c.region_path)
    )
    # A question asked outside any hall belongs to no hall: every editor of the knowledge base may see it.
    return stmt.where(or_(code_column.in_(visible), code_column.is_(None)))


class QuestionRepository(Repository[Question]):
    model = Question

    def get(self, question_id: int) -> Question | None:
        return self.session.get(Question, question_id)

    def add_asked(self, **values: Any) -> int:
        """A question asked, written with one statement (no ORM unit of work); its id."""
        return int(self.session.execute(insert(Question).values(**values).returning(Question.id)).scalar_one())

    def get_in_scope_by_id(self, actor: Actor, question_id: int) -> Question | None:
        stmt = _scoped_by_hall_code(select(Question).where(Question.id == question_id), Question.hall_code, actor)
        return self.session.execute(stmt).scalar_one_or_none()

    def queue(self, actor: Actor, *, status: str, limit: int) -> list[Question]:
        stmt = select(Question).where(Question.review_status == status)
        stmt = _scoped_by_hall_code(stmt, Question.hall_code, actor)
        return list(self.session.execute(stmt.order_by(Question.asked_at.desc()).limit(limit)).scalars())

    def between(self, actor: Actor, start: date, end: date, hall_code: str | None) -> list[Question]:
        stmt = select(Question).where(Question.day >= start, Question.day <= end)
        if hall_code:
            stmt = stmt.where(Question.hall_code == hall_code)
        return list(self.session.execute(_scoped_by_hall_code(stmt, Question.hall_code, actor)).scalars())


class RouteRepository(Repository[Route]):
    model = Route

    def between(self, actor: Actor, start: date, end: date, hall_code: str | None) -> list[Route]:
        stmt = select(Route).where(Route.day >= start, Route.day <= end)
        if hall_code:
            stmt = stmt.where(Route.hall_code == hall_code)
        return list(self.session.execute(_scoped_by_hall_code(stmt, Route.hall_code, actor)).scalars())
