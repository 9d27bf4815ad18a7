"""What managers read of the ratings: the list of a hall's ratings (rater masked) and the statistics — counts per
level, satisfaction rate, bad count and on-time rates by hall, window, staff, item, department, day or month — as
JSON or CSV. Both read through the one scope filter."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from smarthall.catalog import service as catalog_service
from smarthall.core.clock import SHANGHAI
from smarthall.core.errors import ValidationFailed
from smarthall.core.export_cells import safe_cell
from smarthall.core.masking import mask_name, scrub
from smarthall.core.tenancy import Actor
from smarthall.evaluation import policy
from smarthall.evaluation.rectification import rater_label, rating_read
from smarthall.evaluation.repository import RatingRepository
from smarthall.evaluation.schemas import RatingStaffView, StatsRead, StatsRow
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from smarthall.org.service import HallFacts


def list_ratings(
    session: Session, actor: Actor, *, hall_code: str, limit: int = 200, offset: int = 0
) -> list[RatingStaffView]:
    """Ratings of a hall and the halls beneath it, as far as ``actor``'s scope reaches (rater masked)."""
    hall = org_service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    rows = RatingRepository(session).in_hall_tree(
        actor, hall_id=hall.id, region_path=hall.region_path, limit=limit, offset=offset
    )
    return [
        RatingStaffView(
            **rating_read(r, rect_id).model_dump() | {"comment": scrub(r.comment)},
            hall_code=r.hall_code,
            window_code=r.window_code,
            item_code=r.item_code,
            rater=rater_label(session, r),
        )
        for r, rect_id in rows
    ]


GROUPS = ("hall", "window", "staff", "item", "department", "day", "month")


def _period_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(date_from, time.min, SHANGHAI) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, SHANGHAI) if date_to else None
    return start, end


def _rows(
    session: Session,
    actor: Actor,
    hall: HallFacts,
    group_by: str,
    start: datetime | None,
    end: datetime | None,
) -> Iterator[tuple[str, int | None, bool | None, bool | None]]:
    """One row per current rating (its level) and per work order. A rating replaced by its re-rating no longer
    counts as a level, but the work order it opened still counts for the on-time rates (level None)."""
    found = RatingRepository(session).for_stats(
        actor, hall_id=hall.id, region_path=hall.region_path, start=start, end=end
    )
    for rating, follow_on_time, fix_on_time in found:
        local = rating.rated_at.astimezone(SHANGHAI)
        key = {
            "hall": rating.hall_code,
            "window": rating.window_code or "-",
            "staff": str(rating.staff_id) if rating.staff_id is not None else "-",
            "item": rating.item_code or "-",
            "department": rating.department_code or "-",
            "day": local.date().isoformat(),
            "month": local.strftime("%Y-%m"),
        }[group_by]
        yield key, rating.level if rating.current else None, follow_on_time, fix_on_time


def _stats_row(key: str, label: str, t: policy.Tally) -> StatsRow:
    return StatsRow(
        key=key,
        label=label,
        count=t.count,
        levels={str(k): v for k, v in sorted(t.levels.items(), reverse=True)},
        satisfaction_rate=t.satisfaction_rate,
        bad_count=t.bad_count,
        follow_up_on_time_rate=t.follow_up_on_time_rate,
        rectify_on_time_rate=t.rectify_on_time_rate,
    )


def stats(
    session: Session, actor: Actor, *, hall_code: str, group_by: str, date_from: date | None, date_to: date | None
) -> StatsRead:
    if group_by not in GROUPS:
        raise ValidationFailed(
            "不支持的分组方式",
            "Unknown grouping",
            code="unknown_group_by",
            detail={"field": "group_by", "allowed": list(GROUPS)},
        )
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(
            "开始日期晚于结束日期", "from is after to", code="date_range_inverted", detail={"field": "from"}
        )
    hall = org_service.hall_facts(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    start, end = _period_bounds(date_from, date_to)
    rows = list(_rows(session, actor, hall, group_by, start, end))
    groups = policy.tally(rows)
    total = policy.tally(("all", level, f, r) for _key, level, f, r in rows).get("all", policy.Tally())
    labels: dict[str, str] = {}
    if group_by == "staff":
        ids = [int(k) for k in groups if k.isdigit()]
        for staff in identity_service.staff_by_ids(session, ids).values():
            labels[str(staff.id)] = f"{staff.code} {mask_name(staff.name)}"
    elif group_by in ("hall", "window"):  # a page shows the name; the key stays the code
        places = org_service.place_names(session, **{f"{group_by}s": list(groups)})
        labels = places.halls if group_by == "hall" else places.windows
    elif group_by == "item":
        labels = catalog_service.item_names(session, list(groups))
    elif group_by == "department":
        labels = org_service.department_names(session)
    return StatsRead(
        hall_code=hall.code,
        group_by=group_by,
        date_from=date_from,
        date_to=date_to,
        total=_stats_row("total", "合计", total),
        rows=[_stats_row(k, labels.get(k, k), t) for k, t in sorted(groups.items())],
    )


def stats_csv(data: StatsRead) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            data.group_by,
            "label",
            "count",
            "level_5",
            "level_4",
            "level_3",
            "level_2",
            "level_1",
            "satisfaction_rate",
            "bad_count",
            "follow_up_on_time_rate",
            "rectify_on_time_rate",
        ]
    )
    for row in [*data.rows, data.total]:
        writer.writerow(
            [
                safe_cell(row.key),
                safe_cell(row.label),
                row.count,
                *(row.levels[str(k)] for k in (5, 4, 3, 2, 1)),
                "" if row.satisfaction_rate is None else row.satisfaction_rate,
                row.bad_count,
                "" if row.follow_up_on_time_rate is None else row.follow_up_on_time_rate,
                "" if row.rectify_on_time_rate is None else row.rectify_on_time_rate,
            ]
        )
    return buf.getvalue()
