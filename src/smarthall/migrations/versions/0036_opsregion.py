"""opsregion (issue 13, scale): the region-level rollup of the facts (operations_fact_region), filled from the
hall-day rollup already there; the status-by-number index of the tickets (ix_queue_ticket_number)

Revision ID: 0036_opsregion
Revises: 0035_catalog_texts_en
Create Date: 2026-12-08 01:30:00

Every region above a hall (each prefix of its ``region_path``) gets the sums of its halls' day / hour / item rollup
rows per day: the province, city and county cockpit read those instead of summing every hall's rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036_opsregion"
down_revision: str | Sequence[str] | None = "0035_catalog_texts_en"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = (
    "arrivals", "priority", "served", "abandoned", "skipped", "transferred", "wait_n", "wait_sum", "wait_over30",
    "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "handle_n", "handle_sum", "appt_booked", "appt_kept",
    "appt_missed", "cases_submitted", "cases_accepted", "cases_approved", "cases_rejected", "cases_done",
    "cases_overdue", "cases_on_time", "case_days_sum", "cases_noticed", "cases_notice_once", "ratings_n",
    "ratings_sum", "ratings_bad",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "operations_fact_region",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("region_path", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        *[sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES],
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations_fact_region")),
        sa.UniqueConstraint("grain", "region_path", "day", "hour", "item_code", name=op.f("uq_operations_fact_region")),
    )
    conn = op.get_bind()
    paths = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT region_path FROM operations_fact_day"))}
    regions: set[str] = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        regions.update("/".join(parts[: n + 1]) + "/" for n in range(len(parts)))
    sums = ", ".join(f"SUM({m})" for m in MEASURES)
    fill = sa.text(
        f"INSERT INTO operations_fact_region (grain, region_path, day, hour, item_code, {', '.join(MEASURES)}) "  # noqa: S608
        f"SELECT grain, CAST(:region AS VARCHAR(200)), day, hour, item_code, {sums} FROM operations_fact_day "
        "WHERE grain IN ('day', 'hour', 'item') AND substr(region_path, 1, :n) = :region "
        "GROUP BY grain, day, hour, item_code"
    )
    for region in sorted(regions):
        conn.execute(fill, {"region": region, "n": len(region)})
    op.create_index("ix_queue_ticket_number", "queue_ticket", ["number", "hall_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_queue_ticket_number", table_name="queue_ticket")
    op.drop_table("operations_fact_region")
