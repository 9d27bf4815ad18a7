"""stepbackfill (issue 15): cases filed before step plans were kept get the plan they were filed under

Revision ID: 0031_stepbackfill
Revises: 0030_licseal
Create Date: 2026-12-04 20:00:00

``cases_case.step_plan`` (0030_pinning5) holds the workflow steps a case follows, resolved when it was filed; cases
filed before have none (SQL NULL, or a JSON ``null`` written through the model) and resolve their steps on every
read from the item version and the hall's *current* settings, so a hall changing a step's role or limit today
moves the deadlines of cases filed months ago. Here each such case is pinned to the plan it was filed under:

- the steps of the item version it was filed under (``catalog_item_version.content``; the item's current entry
  when that version kept no snapshot), every field filled as the catalog does (``catalog.steps.effective_steps``);
- with the hall's own settings of those steps (``catalog.steps.with_settings``) as they stood when it was
  submitted: replayed from the hall's override history (``catalog_hall_item_override_version``, a ``clear`` drops
  them, a ``set`` naming ``step_settings`` replaces them); a hall whose history never names step settings has its
  current ones (what the case has been reading).

Batched by id (``BATCH`` rows a read) and resumable: only cases still without a plan are read and each update is
conditional on the plan still missing, so a run cut short (or a case pinned meanwhile) is picked up where it
stopped, and a second run changes nothing. A case whose item is gone is left as it was (it reads as before). The
downgrade keeps the plans (they are what the cases read anyway).
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031_stepbackfill"
down_revision: str | Sequence[str] | None = "0030_licseal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

CASES = sa.table(
    "cases_case",
    sa.column("id", sa.Integer),
    sa.column("item_code", sa.String),
    sa.column("item_version", sa.Integer),
    sa.column("hall_id", sa.Integer),
    sa.column("submitted_at", sa.DateTime(timezone=True)),
    sa.column("step_plan", JSON),
)
ITEMS = sa.table(
    "catalog_item",
    sa.column("code", sa.String),
    sa.column("department_code", sa.String),
    sa.column("joint_review", JSON),
    sa.column("workflow", JSON),
)
VERSIONS = sa.table(
    "catalog_item_version",
    sa.column("item_code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("content", JSON),
)
OVERRIDES = sa.table(
    "catalog_hall_item_override",
    sa.column("hall_id", sa.Integer),
    sa.column("item_code", sa.String),
    sa.column("step_settings", JSON),
)
HISTORY = sa.table(
    "catalog_hall_item_override_version",
    sa.column("hall_id", sa.Integer),
    sa.column("item_code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("action", sa.String),
    sa.column("values", JSON),
    sa.column("changed_at", sa.DateTime(timezone=True)),
)


def _unpinned() -> Any:
    """No plan yet: SQL NULL, or the JSON ``null`` the model writes for None."""
    plan = CASES.c.step_plan
    return sa.or_(plan.is_(None), sa.cast(plan, sa.Text) == "null")


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def unpinned_cases(bind: Any) -> Iterator[tuple[int, str, int, int, datetime | None]]:
    """(id, item_code, item_version, hall_id, submitted_at) of every case without a plan, by id, a batch a read."""
    from smarthall.migrations_support import rows_by_id

    columns = ("item_code", "item_version", "hall_id", "submitted_at")
    for case_id, item_code, version, hall_id, submitted_at in rows_by_id(
        bind, CASES, *columns, where=_unpinned(), batch=BATCH
    ):
        yield int(case_id), item_code, int(version), int(hall_id), submitted_at


class Plans:
    """The plans of (item, version, hall, filing time), from the catalog's tables, each table read once per key."""

    def __init__(self, bind: Any) -> None:
        self.bind = bind
        self.declared: dict[tuple[str, int], list[dict[str, Any]] | None] = {}
        self.history: dict[tuple[int, str], tuple[list[tuple[datetime | None, str, Any]], Any]] = {}

    def _declared(self, item_code: str, version: int) -> list[dict[str, Any]] | None:
        from smarthall.catalog import steps

        key = (item_code, version)
        if key not in self.declared:
            content = self.bind.execute(
                sa.select(VERSIONS.c.content).where(VERSIONS.c.item_code == item_code, VERSIONS.c.version == version)
            ).scalar_one_or_none()
            content = _json(content)
            if content is None:
                row = self.bind.execute(
                    sa.select(ITEMS.c.department_code, ITEMS.c.joint_review, ITEMS.c.workflow).where(
                        ITEMS.c.code == item_code
                    )
                ).first()
                content = (
                    None
                    if row is None
                    else {"department_code": row[0], "joint_review": _json(row[1]), "workflow": _json(row[2])}
                )
            self.declared[key] = (
                None
                if content is None
                else steps.effective_steps(
                    content.get("workflow") or [], content["department_code"], content.get("joint_review") or []
                )
            )
        return self.declared[key]

    def _settings(self, hall_id: int, item_code: str, at: datetime | None) -> Any:
        key = (hall_id, item_code)
        if key not in self.history:
            changes = [
                (_aware(changed_at), action, _json(values))
                for action, values, changed_at in self.bind.execute(
                    sa.select(HISTORY.c.action, HISTORY.c["values"], HISTORY.c.changed_at)
                    .where(HISTORY.c.hall_id == hall_id, HISTORY.c.item_code == item_code)
                    .order_by(HISTORY.c.version)
                )
            ]
            current = self.bind.execute(
                sa.select(OVERRIDES.c.step_settings).where(
                    OVERRIDES.c.hall_id == hall_id, OVERRIDES.c.item_code == item_code
                )
            ).scalar_one_or_none()
            named = [c for c in changes if c[1] == "clear" or "step_settings" in (c[2] or {})]
            self.history[key] = (named, _json(current))
        named, current = self.history[key]
        if not named:
            return current
        settings = None
        when = _aware(at)
        for changed_at, action, values in named:
            if when is not None and changed_at is not None and changed_at > when:
                break
            settings = None if action == "clear" else (values or {}).get("step_settings")
        return settings

    def plan(self, item_code: str, version: int, hall_id: int, at: datetime | None) -> list[dict[str, Any]] | None:
        from smarthall.catalog import steps

        declared = self._declared(item_code, version)
        if declared is None:
            return None
        return [dict(s) for s in steps.with_settings(declared, self._settings(hall_id, item_code, at))]


def backfill(bind: Any) -> int:
    """Pin every case without a plan to the plan it was filed under; returns how many were pinned."""
    plans = Plans(bind)
    pinned = 0
    for case_id, item_code, version, hall_id, submitted_at in unpinned_cases(bind):
        plan = plans.plan(item_code, version, hall_id, submitted_at)
        if plan is None:
            continue
        done = bind.execute(sa.update(CASES).where(CASES.c.id == case_id, _unpinned()).values(step_plan=plan)).rowcount
        pinned += int(done or 0)
    return pinned


def upgrade() -> None:
    backfill(op.get_bind())


def downgrade() -> None:
    pass  # the plans stay: they are what the cases read anyway
