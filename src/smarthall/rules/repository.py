"""Queries of the rule overrides and their history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from smarthall.core.repository import Repository, region_under
from smarthall.rules.models import RuleSetting, RuleSettingVersion


class RuleRepository(Repository[RuleSetting]):
    model = RuleSetting

    def for_scopes(self, scope_codes: Sequence[str]) -> list[RuleSetting]:
        """Every live override at any of ``scope_codes`` (the regions of a hall's path and the hall itself)."""
        stmt = select(RuleSetting).where(RuleSetting.scope_code.in_(list(scope_codes)))
        return list(self.session.execute(stmt).scalars())

    def at(self, key: str, scope_code: str) -> RuleSetting | None:
        stmt = select(RuleSetting).where(RuleSetting.key == key, RuleSetting.scope_code == scope_code)
        return self.session.execute(stmt).scalar_one_or_none()

    def beneath(self, region_path: str) -> list[RuleSetting]:
        """Overrides at or beneath a region of the tree (what an administrator there manages)."""
        stmt = select(RuleSetting).where(region_under(RuleSetting.region_path, region_path))
        return list(self.session.execute(stmt.order_by(RuleSetting.key, RuleSetting.region_path)).scalars())

    def last_version(self, key: str, scope_code: str) -> int:
        stmt = select(func.max(RuleSettingVersion.version)).where(
            RuleSettingVersion.key == key, RuleSettingVersion.scope_code == scope_code
        )
        return int(self.session.execute(stmt).scalar_one() or 0)

    def add_version(self, row: RuleSettingVersion) -> None:
        self.session.add(row)

    def history(self, key: str, scope_codes: Sequence[str], *, limit: int = 100) -> list[RuleSettingVersion]:
        stmt = (
            select(RuleSettingVersion)
            .where(RuleSettingVersion.key == key, RuleSettingVersion.scope_code.in_(list(scope_codes)))
            .order_by(RuleSettingVersion.changed_at.desc(), RuleSettingVersion.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def delete(self, row: RuleSetting) -> None:
        self.session.delete(row)
