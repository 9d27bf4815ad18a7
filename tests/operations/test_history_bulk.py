"""The generated history's fast path (issue 13 item 1): driver-level bulk writes store exactly what SQLAlchemy's own
insert stores (UTC datetimes in SQLite's format, dates, booleans, sealed personal data), reserved ids are fresh, and
the facts folded from memory while generating are the very rows a refold from the database writes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from smarthall.core.crypto import blind_index
from smarthall.operations import history
from smarthall.operations import repository as repo
from smarthall.operations import service as operations_service
from smarthall.operations.models import MEASURES, Fact, FactDay
from smarthall.org import service as org_service

DAY = date(2026, 11, 24)


def _citizen(k: int, at: datetime) -> dict:
    id_number = f"69010219800101{k:03d}X"
    return {"name": f"批量{k}", "id_number": id_number, "id_number_index": blind_index(id_number, "id_number"),
            "phone": f"1390000{k:04d}", "phone_index": blind_index(f"1390000{k:04d}", "phone"), "address": None,
            "failed_logins": 0, "active": True, "created_at": at, "updated_at": at}  # fmt: skip


def test_bulk_write_stores_what_sqlalchemys_insert_stores(env):
    at = datetime(2026, 11, 24, 9, 30, 15, 250, tzinfo=UTC) + timedelta(hours=8)
    t = repo.table("identity_citizen")
    with env.db.unit_of_work() as session:
        repo.bulk_write(session, "identity_citizen", [_citizen(901, at)])
        session.execute(insert(t), [_citizen(902, at)])
        a, b = (blind_index(f"69010219800101{k}X", "id_number") for k in (901, 902))
        raw = session.connection().exec_driver_sql(
            "SELECT name, created_at, active FROM identity_citizen WHERE id_number_index IN "
            f"('{a}', '{b}') ORDER BY id_number_index"  # noqa: S608 (blind indexes: hex digits)
        ).all()  # fmt: skip
        mine = session.execute(select(t.c.name, t.c.created_at, t.c.active).where(
            t.c.id_number_index == blind_index("69010219800101901X", "id_number"))).one()  # fmt: skip
    assert len(raw) == 2
    assert raw[0][1] == raw[1][1] and raw[0][2] == raw[1][2]  # the same stored datetime and boolean
    assert all("批量".encode() not in bytes(r[0]) for r in raw)  # the name is sealed at rest
    assert mine == ("批量901", at, True)  # and reads back as written


def test_reserved_ids_are_fresh_and_count_on_inside_a_block(env):
    with env.db.unit_of_work() as session:
        top = session.scalar(select(repo.table("appointment_slot").c.id).order_by(
            repo.table("appointment_slot").c.id.desc()).limit(1)) or 0  # fmt: skip
        with repo.id_block(session):
            first = repo.reserve_ids(session, "appointment_slot", 3)
            second = repo.reserve_ids(session, "appointment_slot", 2)
        ids = first + second
    assert len(set(ids)) == 5 and min(ids) > top


def _facts(session, hall_id: int, days: set[date]) -> tuple[set, set]:
    facts = {tuple(getattr(r, c) for c in ("day", "hour", "queue_code", "item_code", "window_code", "staff_id",
                                           *MEASURES))
             for r in session.scalars(select(Fact).where(Fact.hall_id == hall_id, Fact.day.in_(days)))}  # fmt: skip
    rollup = {tuple(getattr(r, c) for c in ("grain", "day", "hour", "item_code", "window_code", *MEASURES))
              for r in session.scalars(select(FactDay).where(FactDay.hall_id == hall_id,
                                                             FactDay.day.in_(days)))}  # fmt: skip
    return facts, rollup


@pytest.mark.parametrize(("seed", "days"), [(7, 3), (2026, 2)])
def test_facts_folded_from_memory_are_a_refold_from_the_database(env, seed, days):
    now = env.clock.now()
    with env.db.unit_of_work() as session:
        hall = org_service.hall_facts(session, "H-690102001")
        summary = history.generate(session, halls=[hall], items=history.catalog_items(), days=days,
                                   today=DAY + timedelta(days=days + 1), seed=seed)  # fmt: skip
        assert summary.folded and summary.tickets > 0
        folded = {d for _h, d in summary.folded}
        from_memory = _facts(session, hall.id, folded)
        operations_service.rebuild(session, now=now, hall_ids=[hall.id])
        assert _facts(session, hall.id, folded) == from_memory
        assert from_memory[0] and from_memory[1]
        repo.delete_all_facts(session)
