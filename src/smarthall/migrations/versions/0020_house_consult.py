"""house (issue 11): the legacy per-hall evaluation deadlines and archive retention overrides become rule settings

``evaluation_settings`` (one row per hall: follow-up and fix working days, days before the rating invitation) and
``archive_retention_rule`` (platform-wide retention classes per item or item type) are no longer read: the rules
settings (``evaluation.*`` per hall, ``archive.retention_years`` per province) replaced them. Their rows are copied
into ``rules_setting`` (a version row each, changed by ``migration 0020``) without overwriting a setting someone has
already made, then the tables go. Downgrade recreates the empty tables (the settings stay where they are).

Revision ID: 0020_house_consult
Revises: 0015_i12_assist_proxies
Create Date: 2026-12-02 15:20:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from smarthall.core.models import JsonType

revision: str = '0020_house_consult'
down_revision: str | Sequence[str] | None = '0015_i12_assist_proxies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BY = "migration 0020"
# evaluation_settings column → rule key, with the platform default (a value equal to it is not copied)
EVALUATION_RULES = {
    "follow_up_workdays": ("evaluation.follow_up_workdays", 1),
    "fix_workdays": ("evaluation.fix_workdays", 15),
    "invite_after_days": ("evaluation.invite_after_days", 3),
}
RETENTION_RULE = "archive.retention_years"

settings = sa.table(
    'rules_setting',
    sa.column('key', sa.String()),
    sa.column('scope_kind', sa.String()),
    sa.column('scope_code', sa.String()),
    sa.column('hall_id', sa.BigInteger()),
    sa.column('region_path', sa.String()),
    sa.column('value', JsonType),
    sa.column('version', sa.Integer()),
    sa.column('changed_by', sa.String()),
    sa.column('note', sa.Text()),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('updated_at', sa.DateTime(timezone=True)),
)
versions = sa.table(
    'rules_setting_version',
    sa.column('key', sa.String()),
    sa.column('scope_code', sa.String()),
    sa.column('region_path', sa.String()),
    sa.column('version', sa.Integer()),
    sa.column('action', sa.String()),
    sa.column('value', JsonType),
    sa.column('changed_by', sa.String()),
    sa.column('changed_at', sa.DateTime(timezone=True)),
    sa.column('note', sa.Text()),
)


def _years(retention: str) -> int | None:
    """Years of a retention class (``permanent``: 0, ``30y``: 30); None for anything else."""
    if retention == "permanent":
        return 0
    if retention.endswith("y") and retention[:-1].isdigit():
        return int(retention[:-1])
    return None


def _set(conn: sa.Connection, scope: dict[str, Any], key: str, value: Any, note: str, now: datetime) -> None:
    """Set ``key`` at ``scope`` unless a setting is already there (a person's choice wins over a legacy row)."""
    taken = conn.execute(
        sa.select(settings.c.key).where(settings.c.key == key, settings.c.scope_code == scope["code"])
    ).first()
    if taken is not None:
        return
    last = conn.execute(
        sa.select(sa.func.max(versions.c.version)).where(
            versions.c.key == key, versions.c.scope_code == scope["code"]
        )
    ).scalar()
    version = (last or 0) + 1
    conn.execute(settings.insert().values(
        key=key, scope_kind=scope["kind"], scope_code=scope["code"], hall_id=scope["hall_id"],
        region_path=scope["path"], value=value, version=version, changed_by=BY, note=note, created_at=now,
        updated_at=now,
    ))
    conn.execute(versions.insert().values(
        key=key, scope_code=scope["code"], region_path=scope["path"], version=version, action="set", value=value,
        changed_by=BY, changed_at=now, note=note,
    ))


def migrate_legacy_rows(conn: sa.Connection, now: datetime) -> None:
    """Copy the legacy rows into rule settings (per hall; retention at every province)."""
    halls = {
        r.code: {"kind": "hall", "code": r.code, "hall_id": r.id, "path": r.region_path}
        for r in conn.execute(sa.text("SELECT id, code, region_path FROM org_hall"))
    }
    for row in conn.execute(sa.text(
        "SELECT hall_code, follow_up_workdays, fix_workdays, invite_after_days FROM evaluation_settings"
    )).mappings().all():
        hall = halls.get(row["hall_code"])
        if hall is None:
            continue  # a hall that no longer exists: nothing to carry
        for column, (key, default) in EVALUATION_RULES.items():
            if row[column] is not None and row[column] != default:
                _set(conn, hall, key, int(row[column]), "from evaluation_settings", now)
    years: dict[str, int] = {}
    for row in conn.execute(sa.text("SELECT scope, retention FROM archive_retention_rule ORDER BY scope")).mappings():
        y = _years(row["retention"])
        if y is not None:
            years[row["scope"].removeprefix("type:")] = y
    if not years:
        return
    provinces = conn.execute(sa.text("SELECT code, path FROM org_region WHERE parent_code IS NULL")).mappings().all()
    for province in provinces:
        scope = {"kind": "region", "code": province["code"], "hall_id": None, "path": province["path"]}
        _set(conn, scope, RETENTION_RULE, years, "from archive_retention_rule", now)


def upgrade() -> None:
    migrate_legacy_rows(op.get_bind(), datetime.now(UTC))
    op.drop_table('evaluation_settings')
    op.drop_table('archive_retention_rule')


def downgrade() -> None:
    op.create_table('archive_retention_rule',
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('retention', sa.String(length=16), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_retention_rule')),
    sa.UniqueConstraint('scope', name=op.f('uq_archive_retention_rule_scope'))
    )
    op.create_table('evaluation_settings',
    sa.Column('hall_code', sa.String(length=32), nullable=False),
    sa.Column('follow_up_workdays', sa.Integer(), nullable=False),
    sa.Column('fix_workdays', sa.Integer(), nullable=False),
    sa.Column('invite_after_days', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_settings')),
    sa.UniqueConstraint('hall_code', name=op.f('uq_evaluation_settings_hall_code'))
    )
