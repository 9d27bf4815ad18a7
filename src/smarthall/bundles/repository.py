"""Queries of bundle applications. Who sees one, decided here in SQL: its citizen (by owner), or staff of its hall
through the one scope filter (``core.repository.hall_scope``; supervising roles also the halls beneath)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import selectinload

from smarthall.bundles.models import BundleApplication, BundlePart
from smarthall.core.repository import Repository, hall_scope
from smarthall.core.tenancy import Actor


class ApplicationRepository(Repository[BundleApplication]):
    model = BundleApplication

    def visible(self, actor: Actor) -> ColumnElement[bool]:
        if actor.kind == "citizen" and actor.id is not None:
            return BundleApplication.citizen_id == actor.id
        if actor.kind in ("staff", "system"):
            return hall_scope(BundleApplication, actor)
        return false()

    def by_code(self, actor: Actor, code: str) -> BundleApplication | None:
        stmt = select(BundleApplication).where(BundleApplication.code == code, self.visible(actor))
        return self.session.execute(stmt.options(selectinload(BundleApplication.parts))).scalar_one_or_none()

    def exists(self, code: str) -> bool:
        stmt = select(BundleApplication.id).where(BundleApplication.code == code)
        return self.session.execute(stmt).first() is not None

    def listing(self, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[BundleApplication]:
        stmt = (
            select(BundleApplication)
            .where(self.visible(actor))
            .options(selectinload(BundleApplication.parts))
            .order_by(BundleApplication.submitted_at.desc(), BundleApplication.id.desc())
        )
        return list(self.session.execute(stmt.limit(limit).offset(offset)).scalars())

    def of_case_locked(self, case_no: str) -> BundleApplication | None:
        """The application a case is a part of, its row locked (the parts of one bundle finish one at a time)."""
        part = self.session.execute(select(BundlePart).where(BundlePart.case_no == case_no)).scalar_one_or_none()
        if part is None:
            return None
        stmt = select(BundleApplication).where(BundleApplication.id == part.application_id).with_for_update()
        return self.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()

    def by_code_any(self, code: str) -> BundleApplication | None:
        """The application by its code, for the system's contracts (archive, evaluation): no actor's scope."""
        stmt = select(BundleApplication).where(BundleApplication.code == code)
        return self.session.execute(stmt.options(selectinload(BundleApplication.parts))).scalar_one_or_none()

    def code_of_case(self, case_no: str) -> str | None:
        """The code of the application a case is a part of (None: a case on its own)."""
        stmt = (
            select(BundleApplication.code)
            .join(BundlePart, BundlePart.application_id == BundleApplication.id)
            .where(BundlePart.case_no == case_no)
        )
        return self.session.execute(stmt).scalar_one_or_none()
