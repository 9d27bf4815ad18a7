"""partitions (issue 18 item 6): ``cases_event`` becomes monthly range partitions on PostgreSQL

Revision ID: 0030_partitions
Revises: 0030_workflow
Create Date: 2026-12-03 14:20:00

The table is rebuilt as ``PARTITION BY RANGE (at)`` with the months from twelve before this one to three after it
and a default partition (``smarthall.core.partitions``); rows, indexes, foreign keys and the id sequence are kept,
and the primary key becomes ``(id, at)``. SQLite has no partitions: nothing changes there.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from alembic import op

from smarthall.core import partitions

revision: str = "0030_partitions"
down_revision: str | Sequence[str] | None = "0030_staffassign"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    partitions.partition_table(conn, "cases_event", "at", today=datetime.now(UTC).date())


def downgrade() -> None:
    conn = op.get_bind()
    partitions.unpartition_table(conn, "cases_event")
