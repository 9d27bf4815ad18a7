"""catalog_texts_en (issue 16): the catalog's texts in English beside the Chinese ones (format revision 1.5)

Revision ID: 0035_catalog_texts_en
Revises: 0034_apiclient_approval
Create Date: 2026-12-07 23:59:00

A catalog file (format revision 1.5) may give English beside an item's fee note and note, a material's note, a form
field's options, a bundle's description and an FAQ's question and answer (a rule's English message lives in the
item's ``rules`` JSON); pages read in English show them. Nullable: none given, the Chinese text is shown.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0035_catalog_texts_en"
down_revision: str | Sequence[str] | None = "0034_apiclient_approval"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")  # as JsonType
COLUMNS: dict[str, tuple[tuple[str, Any], ...]] = {
    "catalog_item": (("fee_note_en", sa.Text()), ("note_en", sa.Text())),
    "catalog_material": (("note_en", sa.Text()),),
    "catalog_form_field": (("options_en", JSON),),
    "catalog_bundle": (("description_en", sa.Text()),),
    "catalog_faq": (("question_en", sa.Text()), ("answer_en", sa.Text())),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in columns:
                batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for table, columns in reversed(COLUMNS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in reversed(columns):
                batch_op.drop_column(name)
