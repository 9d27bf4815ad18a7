"""How Alembic renders and compares our column types (shared by migrations/env.py and the schema test)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import LargeBinary
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
