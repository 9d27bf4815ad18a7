"""region_names_en (issue 16): the English names of the regions beside the Chinese ones

Revision ID: 0033_region_names_en
Revises: 0032_names_en
Create Date: 2026-12-06 22:10:00

A catalog file may give ``name_en`` for regions too (format revision 1.4); pages read in English show it (the rule
levels, the hall tree). Nullable: no English name, the Chinese one is shown; older files import as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033_region_names_en"
down_revision: str | Sequence[str] | None = "0032_names_en"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org_region", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("org_region", schema=None) as batch_op:
        batch_op.drop_column("name_en")
