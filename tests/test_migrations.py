"""The migrations produce exactly the models' schema, on each backend."""

from __future__ import annotations

from collections.abc import Iterator

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smarthall import all_models  # noqa: F401
from smarthall.core.models import Base
from smarthall.core.partitions import include_object
from smarthall.migrations_support import compare_type, render_item  # noqa: F401


def test_migrated_schema_matches_models(env):
    with env.db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": compare_type, "render_item": render_item, "include_object": include_object}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], diff


def test_legacy_evaluation_and_retention_rows_become_rule_settings(tmp_path):
    """0020 copies ``evaluation_settings`` and ``archive_retention_rule`` into rule settings, keeps a setting a
    person already made, and drops the tables; the effective values then come from the rules."""
    from sqlalchemy import create_engine, inspect, text

    from smarthall import migrate

    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    migrate.upgrade(url, "0015_i12_assist_proxies")
    engine = create_engine(url)
    now = "2026-11-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_region (code, name, level, parent_code, path, created_at, updated_at) VALUES "
                "('69', '演示省', 'province', NULL, '/69/', :now, :now), "
                "('6901', '演示市', 'city', '69', '/69/6901/', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO org_hall (code, name, level, region_code, region_path, address, hotline, opening_hours,"
                " active, created_at, updated_at) VALUES ('H-1', '一厅', 'city', '6901', '/69/6901/', '', '', '{}',"
                " 1, :now, :now), ('H-2', '二厅', 'city', '6901', '/69/6901/', '', '', '{}', 1, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO evaluation_settings (hall_code, follow_up_workdays, fix_workdays, invite_after_days,"
                " created_at, updated_at) VALUES ('H-1', 2, 15, 5, :now, :now), ('H-2', 1, 20, 3, :now, :now),"
                " ('H-GONE', 4, 4, 4, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO archive_retention_rule (scope, retention, created_at, updated_at) VALUES "
                "('item:RS-003', '5y', :now, :now), ('type:许可', 'permanent', :now, :now)"
            ),
            {"now": now},
        )
        # someone already chose H-2's fix limit in the rules: the legacy row does not overwrite it
        conn.execute(
            text(
                "INSERT INTO rules_setting (key, scope_kind, scope_code, hall_id, region_path, value, version,"
                " changed_by, note, created_at, updated_at) SELECT 'evaluation.fix_workdays', 'hall', 'H-2', id,"
                " region_path, '12', 1, 'admin1', '', :now, :now FROM org_hall WHERE code = 'H-2'"
            ),
            {"now": now},
        )
    migrate.upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, scope_code, value, version, changed_by FROM rules_setting")).all()
        history = conn.execute(text("SELECT key, scope_code, action FROM rules_setting_version")).all()
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    import json

    # SQLite gives a JSON column back as text, or as a number where the text is one (NUMERIC affinity)
    got = {
        (key, scope): (json.loads(value) if isinstance(value, str) else value, by) for key, scope, value, _, by in rows
    }
    assert got == {
        ("evaluation.follow_up_workdays", "H-1"): (2, "migration 0020"),
        ("evaluation.invite_after_days", "H-1"): (5, "migration 0020"),
        ("evaluation.fix_workdays", "H-2"): (12, "admin1"),
        ("archive.retention_years", "69"): ({"item:RS-003": 5, "许可": 0}, "migration 0020"),
    }
    assert sorted(history) == sorted(
        [
            ("evaluation.follow_up_workdays", "H-1", "set"),
            ("evaluation.invite_after_days", "H-1", "set"),
            ("archive.retention_years", "69", "set"),
        ]
    )
    assert not tables & {"evaluation_settings", "archive_retention_rule"}


def _add_legacy(session, row):
    """Write ``row`` as the older revision's schema has it: only the columns the row sets (Core fills the columns'
    own defaults), so a column a later migration adds (``name_en``, 0032, 0033) is left out; ``row.id`` is set.
    The ORM itself would name every nullable column of today's model in its INSERT."""
    import sqlalchemy as sa

    table = row.__table__
    values = {c.key: getattr(row, c.key) for c in table.columns if getattr(row, c.key, None) is not None}
    row.id = session.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()
    return row


def _scratch_url(env, tmp_path) -> Iterator[str]:
    """An empty database of the test's backend: a file on SQLite, a database beside the test one on PostgreSQL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if env.backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'legacy.db'}"
        return
    url = make_url(env.settings.resolved_database_url)
    scratch = url.set(database=f"{url.database}_legacy")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}"'))
            conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
        yield scratch.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        admin.dispose()


def test_licseal_seals_existing_licence_and_document_numbers(env, tmp_path):
    """0030_licseal seals the numbers of wallet licences and documents written in clear (and the documents' signed
    fields, and their copies in archive packages), fills their blind indexes, and the documents still verify; on
    each backend."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    from smarthall import migrate
    from smarthall.archive.models import Package, PackageFile
    from smarthall.core.crypto import canonical_bytes
    from smarthall.core.db import Database
    from smarthall.identity.models import Citizen
    from smarthall.licences import service as licence_service
    from smarthall.licences.models import Document, Licence
    from smarthall.org.models import Hall, Region
    from tests.factories import make_id_number

    signer = env.app.state.signer
    numbers = ["CJR-690102-2024-0777", "SBK-690102-19900307"]
    doc_no = "LH2026120400007-RES1"
    signed = {"doc_no": doc_no, "kind": "licence", "holder": "慕*水", "sha256": "0" * 64}
    for url in _scratch_url(env, tmp_path):
        migrate.upgrade(url, "0030_pinning5")
        legacy = Database(url)
        with legacy.unit_of_work() as session:
            person = Citizen(
                name="慕容秋水",
                id_number=make_id_number(serial=778),
                id_number_index="i" * 64,
                phone="13912345670",
                phone_index="p" * 64,
            )
            session.add(person)
            _add_legacy(session, Region(code="69", name="演示省", level="province", parent_code=None, path="/69/"))
            session.flush()
            hall = _add_legacy(
                session, Hall(code="H-L", name="一厅", level="city", region_code="69", region_path="/69/")
            )
            package = Package(
                case_no="LH2026120400007", hall_id=hall.id, hall_code="H-L", region_path="/69/", item_code="SC-003"
            )
            session.add(package)
            session.flush()
            citizen_id, package_id = person.id, package.id
        json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
        doc = sa.table(
            *(
                "licences_document",
                *(
                    sa.column(c)
                    for c in (
                        "case_no",
                        "kind",
                        "title",
                        "doc_no",
                        "token",
                        "path",
                        "sha256",
                        "size",
                        "signature",
                        "status",
                        "citizen_id",
                        "issued_at",
                        "created_at",
                        "updated_at",
                    )
                ),
            ),
            sa.column("signed_fields", json_type),
        )
        lic = sa.table(
            "licences_licence",
            *(
                sa.column(c)
                for c in (
                    "citizen_id",
                    "type",
                    "number",
                    "fields_json",
                    "issued_on",
                    "status",
                    "document_id",
                    "created_at",
                    "updated_at",
                )
            ),
        )
        bag = sa.table(
            "archive_file",
            *(
                sa.column(c)
                for c in ("package_id", "name", "role", "content_type", "size", "sha256", "sha512", "sm3", "signature")
            ),
            sa.column("signed_fields", json_type),
        )
        now = env.clock.now()
        cipher_json = Licence.__table__.c.fields_json.type
        with legacy.engine.begin() as conn:
            document_id = conn.execute(
                sa.insert(doc)
                .values(
                    case_no="LH2026120400007",
                    kind="licence",
                    title="证",
                    doc_no=doc_no,
                    token="t" * 24,
                    path="/x.pdf",
                    sha256="0" * 64,
                    size=1,
                    signature=signer.sign(canonical_bytes(signed)),
                    status="valid",
                    citizen_id=citizen_id,
                    issued_at=now,
                    created_at=now,
                    updated_at=now,
                    signed_fields=signed,
                )
                .returning(sa.column("id"))
            ).scalar_one()
            for number in [*numbers, doc_no]:
                conn.execute(
                    sa.insert(lic).values(
                        citizen_id=citizen_id,
                        type="残疾人证",
                        number=number,
                        fields_json=cipher_json.process_bind_param("{}", conn.dialect),
                        issued_on=now.date(),
                        status="valid",
                        document_id=document_id if number == doc_no else None,
                        created_at=now,
                        updated_at=now,
                    )
                )
            for name, fields in (("data/result/x.pdf", signed), ("data/material/m.pdf", None)):
                conn.execute(
                    sa.insert(bag).values(
                        package_id=package_id,
                        name=name,
                        role="result",
                        content_type="application/pdf",
                        size=1,
                        sha256="0" * 64,
                        sha512="0" * 128,
                        sm3="0" * 64,
                        signature=None,
                        signed_fields=fields,
                    )
                )
        legacy.dispose()
        migrate.upgrade(url)
        upgraded = Database(url)
        with upgraded.unit_of_work(write=False) as session:
            held = {row.number: row.number_index for row in session.execute(sa.select(Licence)).scalars()}
            [document] = session.execute(sa.select(Document)).scalars()
            assert held == {n: licence_service.number_index(n) for n in [*numbers, doc_no]}
            assert document.doc_no == doc_no and document.doc_no_index == licence_service.number_index(doc_no)
            assert document.signed_fields == signed
            assert signer.verify(canonical_bytes(document.signed_fields), document.signature)
            archived = {f.name: f.signed_fields for f in session.execute(sa.select(PackageFile)).scalars()}
            assert archived == {"data/result/x.pdf": signed, "data/material/m.pdf": None}
            assert licence_service.number_taken(session, numbers[0]) and not licence_service.number_taken(session, "X")
        with upgraded.engine.connect() as conn:
            raw = b"".join(
                bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode()
                for table in ("licences_licence", "licences_document", "archive_file")
                for row in conn.exec_driver_sql(f"SELECT * FROM {table}")
                for v in row
                if v is not None
            )
        upgraded.dispose()
        for number in [*numbers, doc_no]:
            assert number.encode() not in raw, f"{number} in clear after the upgrade"


def _migration(name: str):
    """A migration module by file name (to call its functions again)."""
    import importlib.util
    from pathlib import Path

    import smarthall

    path = Path(smarthall.__file__).parent / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stepbackfill_pins_the_plan_each_case_was_filed_under(env, tmp_path):
    """0031_stepbackfill gives every case without a step plan (SQL NULL or JSON null) the steps of the item version
    it was filed under, with the hall's step settings as they stood at its submission (from the override history);
    a pinned case and a case whose item is gone are left alone; a second run pins nothing; on each backend."""
    from datetime import timedelta

    import sqlalchemy as sa

    from smarthall import migrate
    from smarthall.cases.models import Case
    from smarthall.catalog.models import HallItemOverride, HallItemOverrideVersion, Item, ItemVersion
    from smarthall.catalog.steps import STAGE_ROLES
    from smarthall.core.db import Database
    from smarthall.org.models import Department, Hall, Region

    t0 = env.clock.now() - timedelta(days=90)
    v1_steps = [
        {"code": "accept", "name": "受理", "stage": "submitted"},
        {"code": "check", "name": "核查", "stage": "review", "limit_workdays": 5},
        {"code": "deliver", "name": "送达", "stage": "approved"},
    ]
    pinned_plan = [{"code": "kept", "name": "已定", "stage": "review", "role": "approver"}]
    for url in _scratch_url(env, tmp_path):
        migrate.upgrade(url, "0030_licseal")
        legacy = Database(url)
        with legacy.unit_of_work() as session:
            _add_legacy(session, Region(code="69", name="演示省", level="province", parent_code=None, path="/69/"))
            session.flush()
            _add_legacy(session, Department(code="D-T", name="测试局"))
            hall = _add_legacy(
                session, Hall(code="H-S", name="一厅", level="city", region_code="69", region_path="/69/")
            )
            _add_legacy(
                session,
                Item(
                    code="SC-T", name="测试事项", department_code="D-T", type="permit", legal_limit_workdays=20,
                    promised_limit_workdays=10, online_depth=4, content_hash="h", version=2, workflow=[],
                ),
            )  # fmt: skip
            session.flush()
            session.add(
                ItemVersion(
                    item_code="SC-T", version=1, content_hash="h1",
                    content={"department_code": "D-T", "joint_review": [], "workflow": v1_steps},
                )
            )  # fmt: skip
            session.add(
                HallItemOverride(
                    hall_id=hall.id, item_code="SC-T", version=3, step_settings={"review": {"limit_workdays": 9}}
                )
            )
            for version, action, values, days in (
                (1, "set", {"step_settings": {"check": {"limit_workdays": 3}}}, 10),
                (2, "set", {"fee_note": "免费"}, 20),  # names no step settings: changes nothing of the plan
                (3, "set", {"step_settings": {"review": {"limit_workdays": 9}}}, 40),
            ):
                session.add(
                    HallItemOverrideVersion(
                        hall_id=hall.id, item_code="SC-T", version=version, action=action, values=values,
                        changed_by="admin1", changed_at=t0 + timedelta(days=days),
                    )
                )  # fmt: skip

            def case(no: str, version: int, days: int, plan=None, item_code="SC-T", hall=hall) -> Case:
                at = t0 + timedelta(days=days)
                row = Case(
                    case_no=no, item_code=item_code, item_version=version, item_name="测试事项", item_type="permit",
                    department_code="D-T", hall_id=hall.id, hall_code="H-S", citizen_id=None, applicant_name="某人",
                    status="review", form_json="{}", step_plan=plan, submitted_at=at, promised_due=at.date(),
                    legal_due=at.date(),
                )  # fmt: skip
                session.add(row)
                return row

            case("C-EARLY", 1, 5)  # before any setting: v1's own steps, the item's limits
            case("C-V1", 1, 15)  # under the hall's first setting of "check"
            case("C-V2", 2, 50)  # v2 kept no snapshot: the item's entry now (default steps), "review" set to 9
            case("C-PINNED", 1, 15, plan=pinned_plan)
            case("C-GONE", 1, 15, item_code="SC-GONE")
            session.flush()
        cases = sa.table("cases_case", sa.column("case_no", sa.String), sa.column("step_plan", sa.JSON))
        with legacy.engine.begin() as conn:  # one case as the 0030_pinning5 column left it: SQL NULL, not JSON null
            conn.execute(sa.update(cases).where(cases.c.case_no == "C-V2").values(step_plan=sa.null()))
            raw_null = conn.execute(
                sa.select(sa.func.count()).select_from(cases).where(cases.c.step_plan.is_(None))
            ).scalar_one()
        assert raw_null == 1
        legacy.dispose()

        migrate.upgrade(url)
        upgraded = Database(url)
        with upgraded.unit_of_work(write=False) as session:
            plans = {c.case_no: c.step_plan for c in session.execute(sa.select(Case)).scalars()}
        limits = {no: {s["code"]: s.get("limit_workdays") for s in plan} for no, plan in plans.items() if plan}
        assert limits["C-EARLY"] == {"accept": None, "check": 5, "deliver": None}
        assert limits["C-V1"] == {"accept": None, "check": 3, "deliver": None}
        assert limits["C-V2"] == {"accept": None, "supplement": None, "review": 9, "suspended": None, "deliver": None}
        # every field filled as the catalog fills it (a step's role from its stage)
        assert [s["role"] for s in plans["C-V1"]] == [STAGE_ROLES[s["stage"]] for s in v1_steps]
        assert plans["C-PINNED"] == pinned_plan
        assert plans["C-GONE"] is None
        with upgraded.engine.begin() as conn:
            assert _migration("0031_stepbackfill").backfill(conn) == 0  # resumable: nothing left to pin
        upgraded.dispose()


def test_upgrades_started_together_take_turns(env, tmp_path):
    """Following docs/deployment.md from scratch: two app nodes started at once on an empty PostgreSQL database
    both ran the migrations and the second died creating ``alembic_version``. They take turns on an advisory lock
    now; both exit cleanly and the schema is at head once. Two processes, as two nodes (Alembic's ``context`` is
    process-global, so threads would not show it)."""
    import os
    import subprocess
    import sys

    import pytest
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    from smarthall import migrate

    if env.backend == "sqlite":
        pytest.skip("PostgreSQL: several nodes share one database")
    scratch = _scratch_url(env, tmp_path)
    url = next(scratch)
    try:
        code = "import sys; from smarthall import migrate; migrate.upgrade(sys.argv[1])"
        nodes = [
            subprocess.Popen([sys.executable, "-c", code, url], env=dict(os.environ), stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        results = [
            (node.wait(timeout=600), node.stderr.read().decode()[-2000:] if node.stderr else "") for node in nodes
        ]
        assert [rc for rc, _ in results] == [0, 0], results
        engine = create_engine(url)
        with engine.connect() as conn:
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        assert heads == [ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()]
    finally:
        next(scratch, None)
