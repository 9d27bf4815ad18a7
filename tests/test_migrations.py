"""The migrations produce exactly the models' schema, on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smarthall import all_models  # noqa: F401
from smarthall.core.models import Base
from smarthall.migrations_support import compare_type, render_item  # noqa: F401


def test_migrated_schema_matches_models(env):
    with env.db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": compare_type, "render_item": render_item})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], diff
