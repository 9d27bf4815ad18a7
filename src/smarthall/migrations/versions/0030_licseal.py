"""licseal (issue 12): licence and document numbers sealed, found by a blind index; documents' signed fields sealed

Revision ID: 0030_licseal
Revises: 0030_pinning5
Create Date: 2026-12-04 03:00:00

Every wallet licence is held by a citizen, so its number (birth certificate, household register, social security
card, disability certificate, a licence issued by a case …) is personal data. ``licences_licence.number`` and
``licences_document.doc_no`` (a result document's number is the licence number in the wallet) change from text to
sealed bytes (``core.crypto.EncryptedString``, the column name bound as associated data), beside a keyed blind index
(``number_index`` / ``doc_no_index``: HMAC under the field index key, purpose ``licence_number``) that keeps them
unique and lets them be looked up. ``licences_document.signed_fields`` (which carry the number) change from JSON to
sealed bytes (``core.crypto.EncryptedJson``), and so do their copies in ``archive_file.signed_fields``; the
signature is over the values, so documents and archive packages still verify.

Existing rows are sealed here with the field key, in batches. PDFs written before keep their file name (the envelope
binds the path), and files of archive packages built before keep their name in the bag (the manifests list them);
new ones are named by kind and id, not by number. The downgrade keeps the columns sealed (the model
reads them so).
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030_licseal"
down_revision: str | Sequence[str] | None = "0030_pinning5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def _keys() -> None:
    from smarthall.core import crypto

    if crypto._cipher is None:  # run by Alembic alone: load the key store
        from smarthall.core.config import Settings

        crypto.setup_security(Settings())


def _seal_number(table: str, column: str, index: str) -> None:
    """``column`` (unique text) becomes sealed bytes with its blind index in ``index`` (unique)."""
    from smarthall.core.crypto import EncryptedString, blind_index

    bind = op.get_bind()
    sealed = f"{column}_sealed"
    with op.batch_alter_table(table) as batch_op:
        batch_op.add_column(sa.Column(sealed, sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column(index, sa.String(length=64), nullable=True))
    t = sa.table(
        table,
        sa.column("id", sa.Integer),
        sa.column(column, sa.String),
        sa.column(sealed, sa.LargeBinary),
        sa.column(index, sa.String),
    )
    codec = EncryptedString(f"{table}.{column}")
    for row_id, value in _rows(bind, t, column):
        number = str(value or "")
        values = {
            sealed: codec.process_bind_param(number, bind.dialect),
            index: blind_index(number.strip(), "licence_number"),
        }
        bind.execute(sa.update(t).where(t.c.id == row_id).values(values))
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(f"uq_{table}_{column}", type_="unique")
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_column(column)
    with op.batch_alter_table(table) as batch_op:
        batch_op.alter_column(sealed, new_column_name=column, existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column(index, existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(f"uq_{table}_{index}", [index])


def _rows(bind: Any, t: Any, column: str) -> Iterator[tuple[int, Any]]:
    """(id, value) of every row of ``t``, read in batches of ``BATCH`` by id (each batch read before it is changed)."""
    from smarthall.migrations_support import rows_by_id

    yield from ((int(row_id), value) for row_id, value in rows_by_id(bind, t, column, batch=BATCH))


def _seal_signed_fields(table: str, nullable: bool) -> None:
    import json

    from smarthall.core.crypto import EncryptedJson

    bind = op.get_bind()
    column = "signed_fields"
    sealed = f"{column}_sealed"
    with op.batch_alter_table(table) as batch_op:
        batch_op.add_column(sa.Column(sealed, sa.LargeBinary(), nullable=True))
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    t = sa.table(table, sa.column("id", sa.Integer), sa.column(column, json_type), sa.column(sealed, sa.LargeBinary))
    codec = EncryptedJson(f"{table}.{column}")
    for row_id, value in _rows(bind, t, column):
        if isinstance(value, str):
            value = json.loads(value)
        if value is None and nullable:
            continue
        blob = codec.process_bind_param(value if value is not None else {}, bind.dialect)
        bind.execute(sa.update(t).where(t.c.id == row_id).values({sealed: blob}))
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_column(column)
    with op.batch_alter_table(table) as batch_op:
        batch_op.alter_column(sealed, new_column_name=column, existing_type=sa.LargeBinary(), nullable=nullable)


def upgrade() -> None:
    _keys()
    _seal_number("licences_licence", "number", "number_index")
    _seal_number("licences_document", "doc_no", "doc_no_index")
    _seal_signed_fields("licences_document", nullable=False)
    _seal_signed_fields("archive_file", nullable=True)


def downgrade() -> None:
    pass  # the numbers and signed fields stay sealed (the model reads them so)
