"""How Alembic renders and compares our column types (shared by migrations/env.py and the schema test), and the
batched row reader of the data migrations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from sqlalchemy import LargeBinary, select
from sqlalchemy.types import DateTime

from smarthall.core.crypto import EncryptedString
from smarthall.core.models import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our TypeDecorators as their storage types, so migrations do not import application code."""
    if type_ == "type" and isinstance(obj, EncryptedString):
        return "sa.LargeBinary()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(
    context_: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    if isinstance(metadata_type, EncryptedString) and isinstance(inspected_type, LargeBinary):
        return False
    if isinstance(metadata_type, UTCDateTime) and isinstance(inspected_type, DateTime):
        return False
    return None


def rows_by_id(bind: Any, table: Any, *columns: str, where: Any = None, batch: int = 500) -> Iterator[tuple[Any, ...]]:
    """(id, *columns) of every row of ``table`` (matching ``where``), read in batches of ``batch`` by id, each batch
    read before it is changed — so a data migration can update the rows it reads, and one cut short and run again
    (reading only the rows still to do, through ``where``) goes on where it stopped."""
    last = 0
    while True:
        stmt = select(table.c.id, *(table.c[c] for c in columns)).where(table.c.id > last)
        if where is not None:
            stmt = stmt.where(where)
        rows = bind.execute(stmt.order_by(table.c.id).limit(batch)).all()
        if not rows:
            return
        yield from (tuple(r) for r in rows)
        last = rows[-1][0]
