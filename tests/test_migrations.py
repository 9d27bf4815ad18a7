"""The migrations produce exactly the models' schema, on each backend."""

from __future__ import annotations

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
