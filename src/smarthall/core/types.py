"""The bounded scalar types every request schema uses (one definition, so no database overflows on input).

An identifier or count read from a request is a ``BigId`` / ``Count`` (below 2^63, what a PostgreSQL BIGINT and a
SQLite INTEGER hold), and a date is a ``Day`` within the years a hall can mean (1900–2199): a value outside is a 422
problem before any query runs, never an overflow (500) in the driver or in date arithmetic.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

from smarthall.core.deps import MAX_DB_ID

INT64_MAX = MAX_DB_ID  # a path id is ``core.deps.DbId``, bounded the same
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

BigId = Annotated[int, Field(ge=1, le=INT64_MAX)]
"""A row id in a body (ticket, slot, citizen, question, help request ...)."""

Count = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""A non-negative integer in a body (version, counter)."""

Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A calendar day in a body."""

QueryId = Annotated[int, Query(ge=1, le=INT64_MAX)]
"""A row id in a query string."""

QueryCount = Annotated[int, Query(ge=0, le=INT64_MAX)]
"""A non-negative integer in a query string (a version, a sequence number)."""

MAX_OFFSET = 1_000_000
QueryOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
"""How many rows a listing skips (a page deeper than a million rows is no page anyone reads)."""

PathDay = Annotated[date, Path(ge=FIRST_DAY, le=LAST_DAY)]
"""A calendar day in a path."""


def day_query(alias: str | None = None) -> Any:
    """A calendar day in a query string: ``Annotated[date | None, day_query("from")] = None``."""
    return Query(alias=alias, ge=FIRST_DAY, le=LAST_DAY)  # type: ignore[arg-type]  # pydantic bounds any ordered type
