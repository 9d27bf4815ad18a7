"""manualcards: a hall manager gives a yellow or red card by hand, with a reason (issue 14, 8.1)

Revision ID: 0030_manualcards
Revises: 0030_board_notice
Create Date: 2026-12-03 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_manualcards"
down_revision: str | Sequence[str] | None = '0030_step_settings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_card", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=40), server_default="rule", nullable=False))
        batch_op.add_column(sa.Column("reason", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("issued_by", sa.String(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_staff_card_hall_id_staff_id_color_month"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_staff_card_hall_id_staff_id_color_month_ref"),
            ["hall_id", "staff_id", "color", "month", "ref"],
        )


def downgrade() -> None:
    op.execute("DELETE FROM staff_card WHERE ref <> 'rule'")
    with op.batch_alter_table("staff_card", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_staff_card_hall_id_staff_id_color_month_ref"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_staff_card_hall_id_staff_id_color_month"), ["hall_id", "staff_id", "color", "month"]
        )
        batch_op.drop_column("issued_by")
        batch_op.drop_column("reason")
        batch_op.drop_column("ref")
