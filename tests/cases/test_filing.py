"""Slow writes never slow the hall (issue 11 item 4, issue 19 item 4): a submission reads, checks and decides in a
read transaction of its own (``cases.filing.prepare``; on SQLite no write lock), and its write transaction (on
SQLite the process's write lock, which every kiosk issue needs) holds only the writes. What the reads made — the
data-sharing ledger rows — goes with the write, numbered, or not at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from smarthall.cases import filing
from smarthall.cases.errors import ActionInvalid
from smarthall.cases.models import Case
from smarthall.coordination.models import ShareLookup
from smarthall.core.db import UNNUMBERED
from tests.cases.helpers import HALL, li_ming, prefilled

# The reads of the check and the instant decision: the wallet (licence values), the item's materials and form
# fields, the data-sharing exchange's records, the hall's layout. None of them may run under the write lock.
PRELUDE_TABLES = (
    "licences_licence",
    "cases_share_record",
    "catalog_material",
    "catalog_form_field",
    "org_window",
    "org_zone",
)
# Statements of the submission's write transaction (SC-003, approved, delivered) when this was written: 46 (82 with
# the reads inside it, as before). The bound catches reads moved back under the lock, with room for a write or two.
WRITE_STATEMENTS_BOUND = 60


def _sc003_payload(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    form, materials = prefilled(client, headers, "SC-003")
    form.setdefault("cancel_reason", "停止经营")
    mats = [{"material_code": m["code"], "licence_id": m["held_licence_id"]} for m in materials if m["held_licence_id"]]
    return {"item_code": "SC-003", "hall_code": HALL, "form": form, "materials": mats}


class _Watch:
    """The statements of each transaction of the app's engine, with whether it was a write transaction."""

    def __init__(self, engine: Any, backend: str) -> None:
        self.engine, self.backend = engine, backend
        self.open: dict[int, list[str]] = {}
        self.writes: list[list[str]] = []
        self.reads: list[list[str]] = []

    def __enter__(self) -> _Watch:
        event.listen(self.engine, "begin", self.begin)
        event.listen(self.engine, "before_cursor_execute", self.execute)
        event.listen(self.engine, "commit", self.commit)
        event.listen(self.engine, "rollback", self.rollback)
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, fn in (("begin", self.begin), ("before_cursor_execute", self.execute), ("commit", self.commit),
                         ("rollback", self.rollback)):  # fmt: skip
            event.remove(self.engine, name, fn)

    def begin(self, conn: Any) -> None:
        self.open[id(conn)] = []

    def execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if id(conn) in self.open:
            self.open[id(conn)].append(statement)

    def _end(self, conn: Any) -> list[str] | None:
        return self.open.pop(id(conn), None)

    def commit(self, conn: Any) -> None:
        if (done := self._end(conn)) is not None:
            (self.writes if any(_writes(s) for s in done) else self.reads).append(done)

    def rollback(self, conn: Any) -> None:
        if (done := self._end(conn)) is not None:
            (self.writes if any(_writes(s) for s in done) else self.reads).append(done)


def _writes(statement: str) -> bool:
    return bool(re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.I))


def _touches(statement: str, table: str) -> bool:
    return re.search(rf"\b{table}\b", statement) is not None


def _filed(client: Any, env: Any) -> tuple[dict[str, Any], list[str], _Watch]:
    """SC-003 submitted over HTTP: the answer, the statements of the transaction that wrote the case, the watch."""
    headers = li_ming(client)
    payload = _sc003_payload(client, headers)
    with _Watch(env.db.engine, env.backend) as watch:
        r = client.post("/api/v1/cases", headers=headers, json=payload)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["instant"]["approved"] and created["status"] == "delivered", created
    case_tx = [tx for tx in watch.writes if any("INSERT INTO cases_case " in s for s in tx)]
    assert len(case_tx) == 1, "the case is written by one transaction"
    return created, case_tx[0], watch


def _slow_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if not _writes(s) and any(_touches(s, t) for t in PRELUDE_TABLES)]


def test_an_instant_case_reads_and_decides_before_its_write_transaction(client: Any, env: Any) -> None:
    created, under_lock, watch = _filed(client, env)
    assert _slow_reads(under_lock) == [], _slow_reads(under_lock)  # the wallet, the item, the hall: read before
    assert len(under_lock) <= WRITE_STATEMENTS_BOUND, len(under_lock)
    # the reads ran before, in a transaction that wrote nothing
    prelude = [s for tx in watch.reads for s in tx if _touches(s, "licences_licence")]
    assert prelude, "the rule inputs were read from the wallet in a read transaction"
    # what the reads made — the data-sharing ledger rows — is written by the case's transaction, with its number
    assert any("INSERT INTO coordination_share_lookup" in s for s in under_lock)
    with env.session(write=False) as session:
        rows = list(session.scalars(select(ShareLookup).where(ShareLookup.case_no == created["case_no"])))
        assert rows and all(row.purpose == "verification" for row in rows), rows
        unnumbered = select(func.count()).select_from(ShareLookup).where(ShareLookup.case_no == UNNUMBERED)
        assert session.scalar(unnumbered) == 0


def test_the_check_sees_a_submission_that_reads_under_its_write_lock(
    client: Any, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above fails for the old shape (everything in the write transaction): the prelude made a no-op."""

    @contextmanager
    def in_the_write(session: Any) -> Iterator[Any]:
        yield session

    monkeypatch.setattr(filing, "read_prelude", in_the_write)
    _, under_lock, _ = _filed(client, env)
    assert _slow_reads(under_lock), "the wallet and the item's content were read under the lock"
    assert len(under_lock) > WRITE_STATEMENTS_BOUND, len(under_lock)


def test_a_write_that_fails_leaves_neither_the_case_nor_the_lookups_its_reads_made(
    client: Any, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = li_ming(client)
    payload = _sc003_payload(client, headers)
    with env.session(write=False) as session:
        lookups_before = session.scalar(select(func.count()).select_from(ShareLookup))
        cases_before = session.scalar(select(func.count()).select_from(Case))

    def refuse(*_: Any, **__: Any) -> None:
        raise ActionInvalid(detail={"why": "test: the decision fails inside the write"})

    monkeypatch.setattr(filing, "system_act", refuse)
    r = client.post("/api/v1/cases", headers=headers, json=payload)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "case_action_invalid"
    with env.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(ShareLookup)) == lookups_before
        assert session.scalar(select(func.count()).select_from(Case)) == cases_before
