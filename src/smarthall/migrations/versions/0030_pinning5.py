"""pinning5 (issues 15 and 14): a case keeps the step plan it was filed with

Revision ID: 0030_pinning5
Revises: 0030_manualcards
Create Date: 2026-12-04 01:30:00

``cases_case.step_plan`` holds the workflow steps a case follows, resolved when it was filed (the item version's
steps with the hall's own roles and limits then); NULL (every existing case) resolves them as before, from the
item version and the hall's current settings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030_pinning5"
down_revision: str | Sequence[str] | None = "0030_manualcards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("cases_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step_plan", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases_case", schema=None) as batch_op:
        batch_op.drop_column("step_plan")
