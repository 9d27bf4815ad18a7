"""Monthly declarative partitions on PostgreSQL for the big append-mostly tables (province scale, issue 18 item 6).

A partitioned table is ``PARTITION BY RANGE (<time column>)`` with one partition per calendar month (UTC) named
``<table>_yYYYYmMM`` and a ``<table>_default`` partition that takes any row outside the months made so far, so an
insert never fails for want of a partition. ``ensure_months`` (``smarthall db partitions``, run monthly) makes the
coming months ahead of time; a month whose rows already sit in the default partition is made by moving those rows
into a new table and attaching it. The primary key of a partitioned table must hold the partition column, so it is
``(id, <column>)``; ids still come from the table's one sequence. SQLite has no partitions: everything here is a
no-op there, and the models stay the same on both backends.

Which tables: ``PARTITIONED`` (only ``cases_event`` so far — see docs/decisions.md for why tickets and the audit
trail wait: their unique constraints, the idempotency key and the chain's ``seq``, would have to include the month).
"""

# ruff: noqa: S608  (identifiers come from the constant PARTITIONED and computed month names, never from input)

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

PARTITIONED: dict[str, str] = {"cases_event": "at"}
MONTHS_BACK, MONTHS_AHEAD = 12, 3


def month_start(day: date, shift: int = 0) -> date:
    """The first day of the month ``shift`` months from ``day``'s month. Pure."""
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_y{month:%Y}m{month:%m}"


def is_partition_name(name: str) -> bool:
    """Whether ``name`` is one of the partitions this module makes (not a table of the models)."""
    for table in PARTITIONED:
        if name == f"{table}_default" or re.fullmatch(re.escape(table) + r"_y\d{4}m\d{2}", name):
            return True
    return False


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter: the partitions (and their indexes) are the database's business, not the models'."""
    if type_ == "table" and name is not None:
        return not is_partition_name(name)
    if type_ in ("index", "unique_constraint", "foreign_key_constraint") and reflected:
        table = getattr(getattr(obj, "table", None), "name", "")
        return not is_partition_name(table)
    return True


def is_partitioned(conn: Connection, table: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    sql = "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = :t"
    return conn.execute(text(sql), {"t": table}).first() is not None


def partitions_of(conn: Connection, table: str) -> list[str]:
    """The names of ``table``'s partitions, sorted (empty on SQLite or for a plain table)."""
    if not is_partitioned(conn, table):
        return []
    sql = (
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :t ORDER BY c.relname"
    )
    return [row[0] for row in conn.execute(text(sql), {"t": table})]


def ensure_month(conn: Connection, table: str, column: str, month: date) -> bool:
    """Make ``table``'s partition of ``month`` if missing (moving its rows out of the default partition); whether
    it was made."""
    name = partition_name(table, month)
    if name in partitions_of(conn, table):
        return False
    start, end = month.isoformat(), month_start(month, 1).isoformat()
    bounds = f"FROM ('{start}') TO ('{end}')"
    default = f"{table}_default"
    in_range = f'"{column}" >= :start AND "{column}" < :end'
    args = {"start": start, "end": end}
    waiting = conn.execute(text(f'SELECT 1 FROM "{default}" WHERE {in_range} LIMIT 1'), args).first()
    if waiting is None:
        conn.execute(text(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES {bounds}'))
        return True
    conn.execute(text(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS)'))
    conn.execute(text(f'INSERT INTO "{name}" SELECT * FROM "{default}" WHERE {in_range}'), args)
    conn.execute(text(f'DELETE FROM "{default}" WHERE {in_range}'), args)
    conn.execute(text(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES {bounds}'))
    return True


def ensure_months(conn: Connection, *, today: date, back: int = 0, ahead: int = MONTHS_AHEAD) -> list[str]:
    """Every partitioned table has its partitions from ``back`` months before ``today``'s month to ``ahead`` months
    after it; the names made (nothing on SQLite)."""
    made = []
    for table, column in PARTITIONED.items():
        if not is_partitioned(conn, table):
            continue
        for shift in range(-back, ahead + 1):
            month = month_start(today, shift)
            if ensure_month(conn, table, column, month):
                made.append(partition_name(table, month))
    return made


def drop_months_before(conn: Connection, table: str, before: date) -> list[str]:
    """Retention: drop ``table``'s month partitions that end on or before ``before``'s month start — whole months
    at once, no row-by-row delete; the default partition is never dropped. The names dropped (nothing on SQLite)."""
    if table not in PARTITIONED:
        raise ValueError(f"{table} is not partitioned")
    cutoff = month_start(before)
    dropped = []
    for name in partitions_of(conn, table):
        match = re.fullmatch(re.escape(table) + r"_y(\d{4})m(\d{2})", name)
        if match and date(int(match[1]), int(match[2]), 1) < cutoff:
            conn.execute(text(f'DROP TABLE "{name}"'))
            dropped.append(name)
    return dropped


def _shape(conn: Connection, table: str) -> tuple[list[str], list[tuple[str, str]], str, str | None]:
    """What a table rebuild must carry over: its index definitions (not the key's), its foreign keys, the name of
    its primary key and its id sequence."""
    table_oid = "CAST(:t AS regclass)"
    indexes = [
        row[0]
        for row in conn.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = :t AND indexname NOT IN "
                f"(SELECT conname FROM pg_constraint WHERE conrelid = {table_oid} AND contype IN ('p', 'u'))"
            ),
            {"t": table},
        )
    ]
    foreign = [
        (str(row[0]), str(row[1]))
        for row in conn.execute(
            text(f"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {table_oid} "
                 "AND contype = 'f'"),
            {"t": table},
        )
    ]  # fmt: skip
    pk = conn.execute(
        text(f"SELECT conname FROM pg_constraint WHERE conrelid = {table_oid} AND contype = 'p'"), {"t": table}
    ).scalar_one()
    sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar_one()
    return indexes, foreign, str(pk), sequence


def _rebuild(conn: Connection, table: str, *, partition_by: str | None, today: date | None = None) -> None:
    indexes, foreign, pk, sequence = _shape(conn, table)
    old = f"{table}_rebuilt"
    conn.execute(text(f'ALTER TABLE "{table}" RENAME TO "{old}"'))
    tail = f' PARTITION BY RANGE ("{partition_by}")' if partition_by else ""
    conn.execute(text(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS){tail}'))
    if sequence:
        conn.execute(text(f'ALTER SEQUENCE {sequence} OWNED BY "{table}".id'))
    if partition_by:
        assert today is not None
        conn.execute(text(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT'))
        for shift in range(-MONTHS_BACK, MONTHS_AHEAD + 1):
            month = month_start(today, shift)
            bounds = f"FROM ('{month.isoformat()}') TO ('{month_start(month, 1).isoformat()}')"
            conn.execute(
                text(f'CREATE TABLE "{partition_name(table, month)}" PARTITION OF "{table}" FOR VALUES {bounds}')
            )
    conn.execute(text(f'INSERT INTO "{table}" SELECT * FROM "{old}"'))
    conn.execute(text(f'DROP TABLE "{old}" CASCADE'))  # with its partitions, when it had them
    key = f'id, "{partition_by}"' if partition_by else "id"
    conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{pk}" PRIMARY KEY ({key})'))
    for definition in indexes:
        for before in (f"ON ONLY public.{old} ", f"ON public.{old} "):
            definition = definition.replace(before, f"ON public.{table} ")
        conn.execute(text(definition))
    for name, definition in foreign:
        conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))


def partition_table(conn: Connection, table: str, column: str, *, today: date) -> None:
    """Turn the plain ``table`` into a monthly partitioned one — rows, indexes, foreign keys and id sequence kept,
    the months from ``MONTHS_BACK`` before ``today`` to ``MONTHS_AHEAD`` after made (a migration step; PostgreSQL
    only, nothing elsewhere)."""
    if conn.dialect.name == "postgresql" and not is_partitioned(conn, table):
        _rebuild(conn, table, partition_by=column, today=today)


def unpartition_table(conn: Connection, table: str) -> None:
    """The reverse of ``partition_table`` (a migration's downgrade): one plain table again, primary key ``id``."""
    if is_partitioned(conn, table):
        _rebuild(conn, table, partition_by=None)
