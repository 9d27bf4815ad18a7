"""Consultation metrics per service day: answer, hit, hand-over and confidently-wrong rates (issue 17 item 5)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from smarthall.consult.repository import QuestionRepository, RouteRepository
from smarthall.consult.schemas import DayMetrics
from smarthall.core.clock import SHANGHAI
from smarthall.core.tenancy import Actor


def _local_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def metrics(
    session: Session, actor: Actor, *, days: int, now: datetime, hall_code: str | None = None
) -> list[DayMetrics]:
    """Per service day: answer rate (confident answers), hit rate (helpful among feedback), hand-over rate
    (declined questions plus help/guide-desk/hotline routes, over questions asked)."""
    end = _local_day(now)
    start = end - timedelta(days=days - 1)
    questions = QuestionRepository(session).between(actor, start, end, hall_code)
    routes = RouteRepository(session).between(actor, start, end, hall_code)
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        qs = [x for x in questions if x.day == day]
        rs = [x for x in routes if x.day == day]
        asked = len(qs)
        answered = sum(1 for x in qs if x.confident)
        fb = [x for x in qs if x.helpful is not None]
        helpful = sum(1 for x in fb if x.helpful)
        declined_ids = {x.id for x in qs if not x.confident}
        handover_routes = {x.question_id or -x.id for x in rs if x.route in ("help", "guide_desk", "hotline")}
        handed = len(declined_ids | handover_routes)
        wrong = sum(
            1
            for x in qs
            if x.confident
            and (x.helpful is False or (x.linked_entry_code is not None and x.linked_entry_code != x.top_entry_code))
        )
        out.append(
            DayMetrics(
                day=day.isoformat(),
                asked=asked,
                answered=answered,
                answer_rate=round(answered / asked, 4) if asked else 0.0,
                feedback=len(fb),
                helpful=helpful,
                hit_rate=round(helpful / len(fb), 4) if fb else None,
                handed_over=handed,
                hand_over_rate=round(handed / asked, 4) if asked else 0.0,
                routes=dict(Counter(x.route for x in rs)),
                confidently_wrong=wrong,
                confidently_wrong_rate=round(wrong / asked, 4) if asked else 0.0,
                clarified=sum(1 for x in qs if x.clarify_choices),
                chosen=sum(1 for x in qs if x.chosen_entry_code),
            )
        )
    return out
