"""names_en (issue 16): the English names of the catalog beside the Chinese ones

Revision ID: 0032_names_en
Revises: 0031_noticesource
Create Date: 2026-12-06 21:30:00

A catalog file (format revision 1.4) may give ``name_en`` for halls, zones, departments, windows, items, materials
and bundles, and ``label_en`` for form fields; pages read in English show them. Nullable: no English name, the Chinese one is shown.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032_names_en"
down_revision: str | Sequence[str] | None = "0031_noticesource"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("org_hall", "org_zone", "org_department", "org_window", "catalog_item", "catalog_material", "catalog_bundle")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("name_en", sa.String(length=200), nullable=True))
    with op.batch_alter_table("catalog_form_field", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_en", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_form_field", schema=None) as batch_op:
        batch_op.drop_column("label_en")
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("name_en")
