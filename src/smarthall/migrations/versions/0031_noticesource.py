"""noticesource (issue 14 item 7): "what changed" notices also for knowledge entries and a hall's own item settings

Revision ID: 0031_noticesource
Revises: 0031_stepbackfill
Create Date: 2026-12-04 20:10:00

``staff_change_notice`` gets ``source`` — ``catalog`` (an item's catalog entry got a new version, the notices made
so far), ``knowledge`` (a knowledge-base entry was published in a new version; ``item_code`` then holds the entry's
code, hence 40 characters) or ``override`` (the hall's own settings of an item changed) — and the one-notice-per-
version rule becomes one per source, hall, item (or entry) and version.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_noticesource"
down_revision: str | Sequence[str] | None = "0031_stepbackfill"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_UQ = "uq_staff_change_notice_hall_id_item_code_to_version"
NEW_UQ = "uq_staff_change_notice_hall_id_source_item_code_to_version"


def upgrade() -> None:
    with op.batch_alter_table("staff_change_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="catalog"))
        batch_op.alter_column("item_code", existing_type=sa.String(length=32), type_=sa.String(length=40))
        batch_op.drop_constraint(OLD_UQ, type_="unique")
        batch_op.create_unique_constraint(NEW_UQ, ["hall_id", "source", "item_code", "to_version"])


def downgrade() -> None:
    op.execute("DELETE FROM staff_change_notice WHERE source <> 'catalog'")
    with op.batch_alter_table("staff_change_notice", schema=None) as batch_op:
        batch_op.drop_constraint(NEW_UQ, type_="unique")
        batch_op.create_unique_constraint(OLD_UQ, ["hall_id", "item_code", "to_version"])
        batch_op.alter_column("item_code", existing_type=sa.String(length=40), type_=sa.String(length=32))
        batch_op.drop_column("source")
