"""The data-sharing adapter (数据共享): ``share.<dept>.<field>`` lookups. The demo adapter reads local demo records
keyed by the blind index of the subject's ID number or USCC; every lookup is audited (who asked, which field,
whether a value was found — never the value or the subject in clear)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.cases.models import ShareRecord
from smarthall.core.crypto import blind_index
from smarthall.core.tenancy import Actor


def subject_index(value: str) -> str:
    return blind_index(value.strip().upper(), "share_subject")


def lookup(
    session: Session,
    actor: Actor,
    *,
    source: str,
    subjects: list[str],
    now: datetime,
    case_no: str | None = None,
) -> str | None:
    """The value of ``share.<dept>.<field>`` for the first subject (ID number, USCC) that has one."""
    parts = source.split(".")
    if len(parts) != 3 or parts[0] != "share":
        raise ValueError(f"not a share source: {source}")
    department, field = parts[1], parts[2]
    indexes = [subject_index(s) for s in subjects if s]
    value: str | None = None
    if indexes:
        rows = session.execute(
            select(ShareRecord).where(
                ShareRecord.department == department,
                ShareRecord.field == field,
                ShareRecord.subject_index.in_(indexes),
            )
        ).scalars()
        by_index = {r.subject_index: r.value for r in rows}
        value = next((by_index[i] for i in indexes if i in by_index), None)
    audit_service.record(
        session,
        actor,
        "share.lookup",
        target_type="share",
        target_id=f"{department}.{field}",
        detail={"found": value is not None, "case_no": case_no},
        now=now,
    )
    return value


def put(session: Session, *, department: str, field: str, subject: str, value: str) -> None:
    index = subject_index(subject)
    row = session.execute(
        select(ShareRecord).where(
            ShareRecord.department == department, ShareRecord.field == field, ShareRecord.subject_index == index
        )
    ).scalar_one_or_none()
    if row is None:
        session.add(ShareRecord(department=department, field=field, subject_index=index, value=value))
    else:
        row.value = value
