"""Every query of the evaluation domain. Ratings, work orders and invitations are hall-owned: an actor's lists and
gets start from the one scope filter (``core.repository.hall_scope``) and page in SQL after it. Writes that must
not race (consuming a link, moving a work order) are conditional UPDATEs that report whether they won."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from smarthall.core.repository import Repository, hall_scope, region_under
from smarthall.core.tenancy import Actor
from smarthall.evaluation.models import Invitation, LinkToken, Rating, Rectification

_INVITATIONS = cast(Table, Invitation.__table__)
OPEN_STATES = ("open", "followed_up", "overturned")


class LinkRepository(Repository[LinkToken]):
    model = LinkToken

    def by_jti(self, jti: str) -> LinkToken | None:
        return self.session.execute(select(LinkToken).where(LinkToken.jti == jti)).scalar_one_or_none()

    def count_for(self, kind: str, ref: str) -> int:
        return int(
            self.session.execute(
                select(func.count())
                .select_from(LinkToken)
                .where(LinkToken.subject_kind == kind, LinkToken.subject_ref == ref)
            ).scalar_one()
        )

    def consume(self, jti: str, now: datetime) -> bool:
        """Mark the link used; False when it was used already (by a concurrent request too)."""
        used = self.session.execute(
            update(LinkToken)
            .where(LinkToken.jti == jti, LinkToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return used.rowcount == 1  # type: ignore[attr-defined,no-any-return]


class CountedRating(NamedTuple):
    """A current, counted rating of a staff member (staff performance: good-rating rate and complaints)."""

    staff_id: int
    level: int
    window_code: str | None = None  # the window the rated service was given at (None: not at a window)


class BadRating(NamedTuple):
    """A current, counted rating of 2 or less (staff supervision: bad ratings today)."""

    id: int
    window_code: str | None
    staff_id: int | None
    level: int
    rated_at: datetime


class RatingRepository(Repository[Rating]):
    model = Rating

    def counted_of_staff(self, actor: Actor, hall_id: int, start: datetime, end: datetime) -> list[CountedRating]:
        """The hall's current, counted ratings of a staff member given in [start, end), in ``actor``'s scope."""
        stmt = select(Rating.staff_id, Rating.level, Rating.window_code).where(
            hall_scope(Rating, actor),
            Rating.hall_id == hall_id,
            Rating.staff_id.is_not(None),
            Rating.current.is_(True),
            Rating.excluded.is_(False),
            Rating.rated_at >= start,
            Rating.rated_at < end,
        )
        return [CountedRating(s, level, w) for s, level, w in self.session.execute(stmt) if s is not None]

    def bad_since(self, actor: Actor, hall_id: int, since: datetime) -> list[BadRating]:
        """The hall's current, counted ratings of level 2 or less given since ``since``, oldest first."""
        stmt = select(Rating.id, Rating.window_code, Rating.staff_id, Rating.level, Rating.rated_at).where(
            hall_scope(Rating, actor),
            Rating.hall_id == hall_id,
            Rating.current.is_(True),
            Rating.excluded.is_(False),
            Rating.level <= 2,
            Rating.rated_at >= since,
        )
        return [BadRating(*r) for r in self.session.execute(stmt.order_by(Rating.rated_at))]

    def current_for(self, kind: str, ref: str) -> Rating | None:
        return self.session.execute(
            select(Rating).where(Rating.subject_kind == kind, Rating.subject_ref == ref, Rating.current.is_(True))
        ).scalar_one_or_none()

    def any_for(self, kind: str, ref: str) -> bool:
        found = self.session.execute(
            select(Rating.id).where(Rating.subject_kind == kind, Rating.subject_ref == ref)
        ).first()
        return found is not None

    def by_id(self, rating_id: int) -> Rating | None:
        return self.session.get(Rating, rating_id)

    def in_hall_tree(
        self, actor: Actor, *, hall_id: int, region_path: str, limit: int, offset: int = 0
    ) -> list[tuple[Rating, int | None]]:
        """Ratings of a hall and the halls beneath it that ``actor`` may see, newest first, with their work order."""
        stmt = (
            select(Rating, Rectification.id)
            .outerjoin(Rectification, Rectification.rating_id == Rating.id)
            .where(self.scope(actor), (Rating.hall_id == hall_id) | region_under(Rating.region_path, region_path))
            .order_by(Rating.id.desc())
            .limit(max(1, min(limit, 500)))
            .offset(max(0, offset))
        )
        return [(r, rect_id) for r, rect_id in self.session.execute(stmt).all()]

    def for_stats(
        self, actor: Actor, *, hall_id: int, region_path: str, start: datetime | None, end: datetime | None
    ) -> Iterator[tuple[Rating, bool | None, bool | None]]:
        """Current ratings (and replaced ones that opened a work order) of a hall's tree, with the on-time flags."""
        stmt = (
            select(Rating, Rectification.follow_up_on_time, Rectification.rectify_on_time)
            .outerjoin(Rectification, Rectification.rating_id == Rating.id)
            .where(
                self.scope(actor),
                Rating.current.is_(True) | Rectification.id.is_not(None),
                Rating.excluded.is_(False),
                (Rating.hall_id == hall_id) | region_under(Rating.region_path, region_path),
            )
        )
        if start is not None:
            stmt = stmt.where(Rating.rated_at >= start)
        if end is not None:
            stmt = stmt.where(Rating.rated_at < end)
        for row in self.session.execute(stmt.execution_options(yield_per=1000)):
            yield row[0], row[1], row[2]


class RectificationRepository(Repository[Rectification]):
    model = Rectification

    def of_rating(self, rating_id: int) -> Rectification | None:
        return self.session.execute(
            select(Rectification).where(Rectification.rating_id == rating_id)
        ).scalar_one_or_none()

    def in_scope(self, actor: Actor, rect_id: int) -> Rectification | None:
        return self.get_in_scope(actor, id=rect_id)

    def list_in_scope(
        self, actor: Actor, *, status: str | None, limit: int = 500, offset: int = 0
    ) -> list[tuple[Rectification, Rating]]:
        stmt = (
            self.scoped(actor)
            .add_columns(Rating)
            .join(Rating, Rating.id == Rectification.rating_id)
            .order_by(Rectification.id.desc())
        )
        if status:
            stmt = stmt.where(Rectification.status == status)
        rows = self.session.execute(stmt.limit(max(1, min(limit, 500))).offset(max(0, offset))).all()
        return [(r, rating) for r, rating in rows]

    def following(self, ids: Sequence[int]) -> dict[int, int]:
        """For each given work order, the second order its bad re-rating opened (one query)."""
        if not ids:
            return {}
        rows = self.session.execute(
            select(Rectification.previous_id, Rectification.id).where(Rectification.previous_id.in_(ids))
        ).all()
        return {prev: nxt for prev, nxt in rows if prev is not None}

    def record_rerating(self, rect_id: int, level: int, now: datetime) -> None:
        """Keep the re-rating's level on the order, and close it if it was awaiting the rater (``rectified``). The
        UPDATE comes first so that on PostgreSQL this transaction holds the row before reading its history."""
        self.session.execute(
            update(Rectification)
            .where(Rectification.id == rect_id)
            .values(rerating_level=level)
            .execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(Rectification)
            .where(Rectification.id == rect_id, Rectification.status == "rectified")
            .values(status="closed", closed_at=now)
            .execution_options(synchronize_session=False)
        )

    def move(self, rect_id: int, allowed_from: Iterable[str], values: dict[str, Any]) -> bool:
        """Move an order from one of ``allowed_from``; False when someone moved it first."""
        changed = self.session.execute(
            update(Rectification)
            .where(Rectification.id == rect_id, Rectification.status.in_(tuple(allowed_from)))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return changed.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def overdue(self, today: date) -> list[Rectification]:
        """Open orders past a deadline whose stage has not been warned of yet (the system's job, every hall)."""
        return list(
            self.session.execute(
                select(Rectification).where(
                    Rectification.status.in_(OPEN_STATES),
                    ((Rectification.follow_up_due < today) & Rectification.warned_follow_up.is_(False))
                    | ((Rectification.fix_due < today) & Rectification.warned_fix.is_(False)),
                )
            ).scalars()
        )


class InvitationRepository(Repository[Invitation]):
    model = Invitation

    def note(self, *, backend: str | None, values: dict[str, Any]) -> bool:
        """Insert the waiting invitation of a finished service once; False when it was noted before."""
        insert = postgresql.insert if backend == "postgresql" else sqlite.insert
        noted = self.session.execute(
            insert(_INVITATIONS)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["subject_kind", "subject_ref"])
            .returning(_INVITATIONS.c.id)
        ).first()
        return noted is not None

    def mark_rated(self, kind: str, ref: str) -> None:
        self.session.execute(
            update(Invitation)
            .where(Invitation.subject_kind == kind, Invitation.subject_ref == ref, Invitation.status != "closed")
            .values(status="rated")
            .execution_options(synchronize_session=False)
        )

    def due(self, now: datetime) -> list[Invitation]:
        return list(
            self.session.execute(
                select(Invitation)
                .where(Invitation.status == "waiting", Invitation.due_at <= now)
                .order_by(Invitation.id)
            ).scalars()
        )

    def window_candidates(self, finished_before: datetime, *, limit: int = 500) -> list[Invitation]:
        """Invitations past their invitation (sent, skipped or rated) finished before ``finished_before`` whose
        rating window is not closed yet, oldest first."""
        stmt = (
            select(Invitation)
            .where(Invitation.status.in_(("sent", "skipped", "rated")), Invitation.finished_at <= finished_before)
            .order_by(Invitation.finished_at, Invitation.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def latest_waiting_at_window(self, actor: Actor, *, window_code: str, since: datetime) -> Invitation | None:
        """The most recent unrated service finished at ``window_code`` of the actor's hall since ``since``."""
        return self.session.execute(
            self.scoped(actor)
            .where(
                Invitation.hall_id == actor.hall_id,
                Invitation.window_code == window_code,
                Invitation.status == "waiting",
                Invitation.finished_at >= since,
            )
            .order_by(Invitation.finished_at.desc())
            .limit(1)
        ).scalar_one_or_none()
