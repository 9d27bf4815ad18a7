"""Every query of the archive. Packages, their checks and disposals are hall-owned: every list and get an actor
makes starts from ``Repository.scoped`` (the one scope filter, ``core.repository.hall_scope``) and pages in SQL after
the scope condition, so a page is never short. The unscoped methods serve the system's own jobs (building,
resuming, the nightly check), which act for every hall."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from smarthall.archive.models import CheckReport, Disposal, Package
from smarthall.core.repository import Page, Repository, hall_scope
from smarthall.core.tenancy import Actor


class PackageRepository(Repository[Package]):
    model = Package

    # -------------------------------------------------------------------------------- the system's own jobs

    def by_case_no(self, case_no: str, *, with_files: bool = False) -> Package | None:
        stmt = select(Package).where(Package.case_no == case_no)
        if with_files:
            stmt = stmt.options(selectinload(Package.files))
        return self.session.execute(stmt).scalar_one_or_none()

    def by_id(self, package_id: int) -> Package | None:
        return self.session.get(Package, package_id)

    def status_of(self, case_no: str) -> str | None:
        return self.session.execute(select(Package.status).where(Package.case_no == case_no)).scalar_one_or_none()

    def mark_failed(self, package_id: int, error: str) -> None:
        """A build that failed, unless another attempt has moved the row on meanwhile."""
        self.session.execute(
            update(Package)
            .where(Package.id == package_id, Package.status == "building")
            .values(status="failed", last_error=error[:500])
        )

    def unfinished(self, max_attempts: int) -> list[str]:
        """Case numbers of packages left ``building`` or ``failed`` with attempts to spare, oldest first."""
        return list(
            self.session.execute(
                select(Package.case_no)
                .where(Package.status.in_(("building", "failed")), Package.attempts < max_attempts)
                .order_by(Package.id)
            ).scalars()
        )

    def complete_after(self, last_id: int, batch: int) -> Sequence[Any]:
        """(id, case_no) of complete packages after ``last_id``, one keyset batch."""
        return self.session.execute(
            select(Package.id, Package.case_no)
            .where(Package.status == "complete", Package.id > last_id)
            .order_by(Package.id)
            .limit(batch)
        ).all()

    # -------------------------------------------------------------------------------- an actor's reads

    def in_scope(self, actor: Actor, case_no: str) -> Package | None:
        """The package of ``case_no`` with its files if ``actor`` may see its hall (None otherwise: a 404)."""
        return self.session.execute(
            self.scoped(actor).options(selectinload(Package.files)).where(Package.case_no == case_no)
        ).scalar_one_or_none()

    def page_in_scope(self, actor: Actor, *, status: str | None, limit: int, offset: int = 0) -> Page[Package]:
        """Newest first; the scope and the status filter come before LIMIT/OFFSET, in SQL."""
        stmt = self.scoped(actor).order_by(Package.id.desc())
        if status:
            stmt = stmt.where(Package.status == status)
        return self.page(stmt, limit=limit, offset=offset)

    def due_in_scope(self, actor: Actor, today: date) -> list[Package]:
        """Complete packages in scope whose retention ended before ``today``, earliest first."""
        stmt = (
            self.scoped(actor)
            .where(Package.status == "complete", Package.retain_until.is_not(None), Package.retain_until < today)
            .order_by(Package.retain_until, Package.id)
        )
        return list(self.session.execute(stmt).scalars())


class CheckRepository(Repository[CheckReport]):
    model = CheckReport

    def last_for(self, package_id: int) -> CheckReport | None:
        return self.session.execute(
            select(CheckReport).where(CheckReport.package_id == package_id).order_by(CheckReport.id.desc()).limit(1)
        ).scalar_one_or_none()


class DisposalRepository(Repository[Disposal]):
    model = Disposal

    def scope(self, actor: Actor) -> Any:
        return hall_scope(Package, actor)  # a disposal belongs to its package's hall

    def pending_for(self, package_id: int) -> bool:
        found = self.session.execute(
            select(Disposal.id).where(Disposal.package_id == package_id, Disposal.status == "pending")
        ).first()
        return found is not None

    def list_in_scope(self, actor: Actor, *, status: str | None) -> list[tuple[Disposal, Package]]:
        stmt = (
            select(Disposal, Package)
            .join(Package, Package.id == Disposal.package_id)
            .where(self.scope(actor))
            .order_by(Disposal.id)
        )
        if status:
            stmt = stmt.where(Disposal.status == status)
        return [(d, p) for d, p in self.session.execute(stmt).all()]

    def in_scope(self, actor: Actor, disposal_id: int) -> tuple[Disposal, Package] | None:
        row = self.session.execute(
            select(Disposal, Package)
            .join(Package, Package.id == Disposal.package_id)
            .where(Disposal.id == disposal_id, self.scope(actor))
        ).first()
        return None if row is None else (row[0], row[1])

    def decide(self, disposal_id: int, *, status: str, decided_by: str, decided_at: datetime, note: str) -> bool:
        """Move a pending proposal to ``status``; False when it is no longer pending (someone decided first)."""
        claimed = self.session.execute(
            update(Disposal)
            .where(Disposal.id == disposal_id, Disposal.status == "pending")
            .values(status=status, decided_by=decided_by, decided_at=decided_at, note=note[:2000])
        )
        return claimed.rowcount == 1  # type: ignore[attr-defined,no-any-return]
