"""``core.repository.hall_scope`` (SQL) and ``Actor.can_see_hall`` (Python) are twins: for every actor and every
row they agree, on each backend. Rows are probed twice: with their own region path column, and by hall id alone
(the scope then looks the path up in the hall table)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from smarthall.core.repository import hall_ids_in_scope, hall_scope
from smarthall.core.tenancy import SUPERVISING_ROLES, Actor
from smarthall.identity.permissions import STAFF_ROLES
from smarthall.org.models import Hall

# A region tree of depth three whose codes share prefixes ("69" under "6"), so that a scope written as a plain
# string prefix without the trailing "/" would be caught.
CODES = ["6", "69", "690", "6901", "69010", "7"]
paths = st.lists(st.sampled_from(CODES), min_size=1, max_size=3).map(lambda parts: "".join(p + "/" for p in parts))
probe_meta = MetaData()
probe = Table(
    "test_scope_probe",
    probe_meta,
    Column("id", Integer, primary_key=True),
    Column("hall_id", Integer),
    Column("region_path", String(200)),
)
# A table that keeps only the hall id: the scope looks the region path up in the hall table.
by_hall = Table("test_scope_by_hall", probe_meta, Column("id", Integer, primary_key=True), Column("hall_id", Integer))
actors = st.builds(
    Actor,
    kind=st.sampled_from(["staff", "device", "citizen", "anonymous", "system"]),
    role=st.sampled_from([*STAFF_ROLES, "kiosk", None]),
    hall_id=st.one_of(st.none(), st.integers(1, 6)),
    region_path=st.one_of(st.none(), st.just(""), paths),
)
rows = st.lists(st.tuples(st.integers(1, 6), paths), min_size=1, max_size=12)


def _ids(session: Any, condition: Any) -> set[int]:
    return set(session.execute(select(probe.c.id).where(condition)).scalars())


def test_supervising_roles_are_the_one_table():
    assert {"hall_manager", "admin", "auditor"} == SUPERVISING_ROLES


def test_scope_sql_twin_agrees_with_can_see_hall(env):
    probe_meta.create_all(env.db.engine)
    try:

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(actor=actors, data=rows)
        def check(actor: Actor, data: list[tuple[int, str]]) -> None:
            with env.db.session() as session:
                session.execute(probe.delete())
                session.execute(
                    probe.insert(), [{"id": i, "hall_id": h, "region_path": p} for i, (h, p) in enumerate(data, 1)]
                )
                scope = hall_scope(probe.c, actor, hall_column=probe.c.hall_id, path_column=probe.c.region_path)
                got = _ids(session, scope)
                want = {i for i, (h, p) in enumerate(data, 1) if actor.can_see_hall(h, p)}
                session.rollback()
            assert got == want

        check()
    finally:
        probe_meta.drop_all(env.db.engine)


def test_scope_by_hall_lookup_agrees_on_the_demo_tree(env):
    probe_meta.create_all(env.db.engine)
    with env.db.session(write=False) as session:
        halls = list(session.execute(select(Hall.id, Hall.region_path)).all())
    try:

        @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(actor=actors, pick=st.integers(0, 10_000), own_path=st.booleans())
        def check(actor: Actor, pick: int, own_path: bool) -> None:
            hall_id, path = halls[pick % len(halls)]
            if actor.hall_id is not None:
                region = path if own_path else actor.region_path
                actor = Actor(kind=actor.kind, role=actor.role, hall_id=hall_id, region_path=region)
            want = {h for h, p in halls if actor.can_see_hall(h, p)}
            with env.db.session() as session:
                session.execute(by_hall.delete())
                session.execute(by_hall.insert(), [{"id": h, "hall_id": h} for h, _ in halls])
                via_lookup = _ids_of(session, by_hall, hall_scope(by_hall.c, actor))
                in_scope = set(session.execute(hall_ids_in_scope(actor)).scalars())
                session.rollback()
            assert via_lookup == want
            assert in_scope == want

        check()
    finally:
        probe_meta.drop_all(env.db.engine)


def _ids_of(session: Any, table: Table, condition: Any) -> set[int]:
    return set(session.execute(select(table.c.id).where(condition)).scalars())
